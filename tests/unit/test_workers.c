/* Unit tests for http/workers: the bounded, fair pool for slow work. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include "http/workers.h"

static atomic_int ran;
static atomic_int started;
static atomic_int gate; /* jobs wait while 0 */

/* The order jobs ran in: each job's arg is a small int tag. */
static int order[64];
static atomic_int norder;

static void pause_ms(long ms)
{
	struct timespec t = {0, ms * 1000000};
	nanosleep(&t, NULL);
}

static void job(void *arg)
{
	atomic_fetch_add(&started, 1);
	while (!atomic_load(&gate))
		pause_ms(1);
	int i = atomic_fetch_add(&norder, 1);
	if (i < 64)
		order[i] = (int)(intptr_t)arg;
	atomic_fetch_add(&ran, 1);
}

static void reset(int gate_open)
{
	atomic_store(&ran, 0);
	atomic_store(&started, 0);
	atomic_store(&norder, 0);
	atomic_store(&gate, gate_open);
}

/* Submits a job that holds the only thread at the gate, and waits (bounded)
 * until it runs, so that what follows is queued, not running. */
static void hold_the_thread(struct workers *w)
{
	assert_true(workers_submit(w, "holder", "holder", job, (void *)(intptr_t)99));
	for (int i = 0; i < 5000 && atomic_load(&started) == 0; i++)
		pause_ms(1);
	assert_int_equal(atomic_load(&started), 1);
}

static void the_queue_is_bounded_and_stop_runs_what_waits(void **state)
{
	(void)state;
	reset(0);
	struct workers *w = workers_start(1, 3, 100);
	assert_non_null(w);
	/* One job runs (held at the gate), three wait, the fifth is refused. */
	hold_the_thread(w);
	assert_true(workers_submit(w, "a", "x", job, NULL));
	assert_true(workers_submit(w, "b", "y", job, NULL));
	assert_true(workers_submit(w, "c", "z", job, NULL));
	assert_false(workers_submit(w, "d", "q", job, NULL));
	atomic_store(&gate, 1);
	workers_stop(w);
	assert_int_equal(atomic_load(&ran), 4);
}

static void many_threads_share_the_work(void **state)
{
	(void)state;
	reset(1);
	struct workers *w = workers_start(4, 1000, 1000);
	for (int i = 0; i < 500; i++) {
		char who[16];
		snprintf(who, sizeof who, "c%d", i % 7);
		assert_true(workers_submit(w, who, who, job, NULL));
	}
	workers_stop(w);
	assert_int_equal(atomic_load(&ran), 500);
}

static void one_client_gets_its_share_only(void **state)
{
	(void)state;
	reset(0);
	struct workers *w = workers_start(1, 64, 3);
	hold_the_thread(w);
	/* Waiting and running count: three of one client, then no more... */
	for (int i = 0; i < 3; i++) {
		char what[16];
		snprintf(what, sizeof what, "user%d", i);
		assert_true(workers_submit(w, "10.0.0.1", what, job, NULL));
	}
	assert_false(workers_submit(w, "10.0.0.1", "user9", job, NULL));
	/* ...while another client still gets in. */
	assert_true(workers_submit(w, "10.0.0.2", "user9", job, NULL));
	atomic_store(&gate, 1);
	workers_stop(w);
	assert_int_equal(atomic_load(&ran), 5);
}

static void one_username_gets_its_share_only(void **state)
{
	(void)state;
	reset(0);
	struct workers *w = workers_start(1, 64, 2);
	hold_the_thread(w);
	assert_true(workers_submit(w, "10.0.0.1", "victim", job, NULL));
	assert_true(workers_submit(w, "10.0.0.2", "victim", job, NULL));
	assert_false(workers_submit(w, "10.0.0.3", "victim", job, NULL));
	assert_true(workers_submit(w, "10.0.0.3", "someone", job, NULL));
	atomic_store(&gate, 1);
	workers_stop(w);
	assert_int_equal(atomic_load(&ran), 4);
}

static void clients_are_served_in_turn(void **state)
{
	(void)state;
	reset(0);
	struct workers *w = workers_start(1, 64, 64);
	hold_the_thread(w);
	/* Five jobs of A queued before one of B: B runs second, not sixth. */
	for (int i = 1; i <= 5; i++)
		assert_true(workers_submit(w, "A", "a", job, (void *)(intptr_t)i));
	assert_true(workers_submit(w, "B", "b", job, (void *)(intptr_t)10));
	assert_true(workers_submit(w, "C", "c", job, (void *)(intptr_t)20));
	atomic_store(&gate, 1);
	workers_stop(w);
	assert_int_equal(atomic_load(&ran), 8);
	int want[] = {99, 1, 10, 20, 2, 3, 4, 5};
	for (int i = 0; i < 8; i++)
		assert_int_equal(order[i], want[i]);
}

static void counts_are_given_back(void **state)
{
	(void)state;
	reset(1);
	struct workers *w = workers_start(1, 4, 1);
	/* One job at a time for A: each is refused while the last one runs,
	 * and accepted (bounded wait) once it has finished. */
	for (int i = 0; i < 20; i++) {
		bool queued = false;
		for (int k = 0; k < 5000 && !queued; k++) {
			queued = workers_submit(w, "A", "a", job, NULL);
			if (!queued)
				pause_ms(1);
		}
		assert_true(queued);
	}
	workers_stop(w);
	assert_int_equal(atomic_load(&ran), 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(the_queue_is_bounded_and_stop_runs_what_waits),
	    cmocka_unit_test(many_threads_share_the_work),
	    cmocka_unit_test(one_client_gets_its_share_only),
	    cmocka_unit_test(one_username_gets_its_share_only),
	    cmocka_unit_test(clients_are_served_in_turn),
	    cmocka_unit_test(counts_are_given_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
