/* Unit tests for store/batch: group commit of audit entries. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store/batch.h"
#include "store/store.h"

/* A fake backend that records what it was asked to commit. */
struct sink {
	pthread_mutex_t lock;
	size_t entries, commits, largest;
	int fail_when_seeing; /* fail the batch holding this seq (0: never) */
	char seen[4096];      /* seen[seq] = times committed */
};

static wm_err commit(void *ctx, const struct store_audit *e, size_t n)
{
	struct sink *s = ctx;
	struct timespec pause = {0, 200000}; /* 0.2 ms: lets others gather */
	nanosleep(&pause, NULL);
	pthread_mutex_lock(&s->lock);
	wm_err result = WM_OK;
	for (size_t i = 0; i < n; i++)
		if (s->fail_when_seeing && e[i].seq == s->fail_when_seeing)
			result = WM_ERR_IO;
	if (result == WM_OK) {
		for (size_t i = 0; i < n; i++)
			s->seen[e[i].seq]++;
		s->entries += n;
	}
	s->commits++;
	if (n > s->largest)
		s->largest = n;
	pthread_mutex_unlock(&s->lock);
	return result;
}

struct worker {
	struct batch *b;
	int first, count;
	int failures;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	for (int i = 0; i < w->count; i++) {
		struct store_audit a = {.seq = w->first + i};
		snprintf(a.action, sizeof a.action, "read");
		if (batch_append(w->b, &a, 1) != WM_OK)
			w->failures++;
	}
	return NULL;
}

static void every_entry_committed_once_and_batched(void **state)
{
	(void)state;
	static struct sink s = {.lock = PTHREAD_MUTEX_INITIALIZER};
	struct batch *b = batch_start(commit, &s);
	assert_non_null(b);
	enum { THREADS = 8, EACH = 200 };
	pthread_t th[THREADS];
	struct worker w[THREADS];
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){b, 1 + i * EACH, EACH, 0};
		assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].failures, 0);
	}
	batch_stop(b);
	assert_int_equal(s.entries, THREADS * EACH);
	for (int seq = 1; seq <= THREADS * EACH; seq++)
		assert_int_equal(s.seen[seq], 1);
	/* Concurrent appenders share commits: fewer commits than entries. */
	assert_true(s.commits < s.entries);
	assert_true(s.largest > 1);
}

static void a_failed_commit_is_reported_to_its_appenders(void **state)
{
	(void)state;
	static struct sink s = {.lock = PTHREAD_MUTEX_INITIALIZER, .fail_when_seeing = 7};
	struct batch *b = batch_start(commit, &s);
	assert_non_null(b);
	struct store_audit a = {.seq = 6};
	assert_int_equal(batch_append(b, &a, 1), WM_OK);
	a.seq = 7;
	assert_int_equal(batch_append(b, &a, 1), WM_ERR_IO);
	a.seq = 8;
	assert_int_equal(batch_append(b, &a, 1), WM_OK);
	assert_int_equal(batch_append(b, &a, 0), WM_OK);
	batch_stop(b);
	assert_int_equal(s.seen[6], 1);
	assert_int_equal(s.seen[7], 0);
	assert_int_equal(s.seen[8], 1);
}

static void several_entries_at_once(void **state)
{
	(void)state;
	static struct sink s = {.lock = PTHREAD_MUTEX_INITIALIZER};
	struct batch *b = batch_start(commit, &s);
	struct store_audit many[300];
	memset(many, 0, sizeof many);
	for (int i = 0; i < 300; i++)
		many[i].seq = 1000 + i;
	assert_int_equal(batch_append(b, many, 300), WM_OK);
	batch_stop(b);
	assert_int_equal(s.entries, 300);
	assert_int_equal(s.commits, 1);
}

static atomic_int notified, notified_ok;

static void on_commit(void *ctx, wm_err result)
{
	(void)ctx;
	atomic_fetch_add(&notified, 1);
	if (result == WM_OK)
		atomic_fetch_add(&notified_ok, 1);
}

static void async_appenders_are_told_once_each(void **state)
{
	(void)state;
	static struct sink s = {.lock = PTHREAD_MUTEX_INITIALIZER, .fail_when_seeing = 3000};
	struct batch *b = batch_start(commit, &s);
	for (int i = 0; i < 1000; i++) {
		struct store_audit a = {.seq = 2000 + i};
		assert_int_equal(batch_append_async(b, &a, 1, on_commit, NULL), WM_OK);
	}
	struct store_audit bad = {.seq = 3000};
	assert_int_equal(batch_append_async(b, &bad, 1, on_commit, NULL), WM_OK);
	/* Nothing to commit: told at once. */
	assert_int_equal(batch_append_async(b, &bad, 0, on_commit, NULL), WM_OK);
	batch_stop(b); /* commits and tells what is still pending */
	assert_int_equal(atomic_load(&notified), 1002);
	/* The failing entry fails its whole batch, and only that batch. */
	assert_true(atomic_load(&notified_ok) < 1002);
	assert_int_equal(s.seen[3000], 0);
	size_t committed = 0;
	for (int i = 0; i < 1000; i++)
		committed += (size_t)s.seen[2000 + i];
	assert_int_equal(committed + (1002 - 1 - (size_t)atomic_load(&notified_ok)), 1000);
}

static atomic_int drained_told;

static void count_told(void *ctx, wm_err result)
{
	(void)ctx;
	(void)result;
	struct timespec pause = {0, 100000}; /* a slow callback: drain must wait for it */
	nanosleep(&pause, NULL);
	atomic_fetch_add(&drained_told, 1);
}

static void drain_waits_for_every_callback_then_appends_commit_at_once(void **state)
{
	(void)state;
	static struct sink s = {.lock = PTHREAD_MUTEX_INITIALIZER};
	struct batch *b = batch_start(commit, &s);
	for (int i = 0; i < 200; i++) {
		struct store_audit a = {.seq = 100 + i};
		assert_int_equal(batch_append_async(b, &a, 1, count_told, NULL), WM_OK);
	}
	batch_drain(b);
	/* Every append made before the drain is committed and told. */
	assert_int_equal(atomic_load(&drained_told), 200);
	pthread_mutex_lock(&s.lock);
	assert_int_equal(s.entries, 200);
	pthread_mutex_unlock(&s.lock);
	/* After it, an append is committed and told before it returns: nothing
	 * is left waiting on the writer. */
	struct store_audit late = {.seq = 400};
	assert_int_equal(batch_append_async(b, &late, 1, count_told, NULL), WM_OK);
	assert_int_equal(atomic_load(&drained_told), 201);
	assert_int_equal(s.seen[400], 1);
	batch_drain(b); /* again: nothing to wait for */
	batch_stop(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_entry_committed_once_and_batched),
	    cmocka_unit_test(a_failed_commit_is_reported_to_its_appenders),
	    cmocka_unit_test(several_entries_at_once),
	    cmocka_unit_test(async_appenders_are_told_once_each),
	    cmocka_unit_test(drain_waits_for_every_callback_then_appends_commit_at_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
