/* Unit tests for http/workers: the bounded pool for slow work. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "http/workers.h"

static atomic_int ran;
static atomic_int gate; /* jobs wait while 0 */

static void job(void *arg)
{
	(void)arg;
	while (!atomic_load(&gate)) {
		struct timespec t = {0, 1000000};
		nanosleep(&t, NULL);
	}
	atomic_fetch_add(&ran, 1);
}

static void the_queue_is_bounded_and_stop_runs_what_waits(void **state)
{
	(void)state;
	atomic_store(&ran, 0);
	atomic_store(&gate, 0);
	struct workers *w = workers_start(1, 3);
	assert_non_null(w);
	/* One job runs (held at the gate), three wait, the fifth is refused. */
	assert_true(workers_submit(w, job, NULL));
	struct timespec t = {0, 20000000};
	nanosleep(&t, NULL);
	assert_true(workers_submit(w, job, NULL));
	assert_true(workers_submit(w, job, NULL));
	assert_true(workers_submit(w, job, NULL));
	assert_false(workers_submit(w, job, NULL));
	atomic_store(&gate, 1);
	workers_stop(w);
	assert_int_equal(atomic_load(&ran), 4);
}

static void many_threads_share_the_work(void **state)
{
	(void)state;
	atomic_store(&ran, 0);
	atomic_store(&gate, 1);
	struct workers *w = workers_start(4, 1000);
	for (int i = 0; i < 500; i++)
		assert_true(workers_submit(w, job, NULL));
	workers_stop(w);
	assert_int_equal(atomic_load(&ran), 500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(the_queue_is_bounded_and_stop_runs_what_waits),
	    cmocka_unit_test(many_threads_share_the_work),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
