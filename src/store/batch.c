/*
 * batch.c - a mutex, two condition variables and a growable array.
 *
 * Each appender waits on its own stack-allocated ticket, so it learns the
 * result of exactly the batch that held its entries.
 */
#include "batch.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

struct ticket {
	bool done;
	wm_err result;
	struct ticket *next;
	/* Asynchronous tickets (on the heap) are told by a call instead. */
	void (*notify)(void *ctx, wm_err result);
	void *ctx;
};

struct batch {
	batch_commit_fn commit;
	void *ctx;
	pthread_t writer;
	pthread_mutex_t lock;
	pthread_cond_t work; /* entries are pending, or stop was asked */
	pthread_cond_t done; /* a batch was committed */
	bool stop;
	bool draining;	   /* after batch_drain: appends wait for their commit */
	size_t async_open; /* asynchronous tickets whose notify has not returned */
	struct store_audit *pending;
	size_t count, cap;
	struct ticket *tickets;
	/* Asynchronous tickets told, kept for the next appends: made by the
	 * connection threads and done with on the writer's, a ticket freed
	 * each time would cross threads in malloc (see http_hold). */
	struct ticket *spare;
};

static void *writer_main(void *arg)
{
	struct batch *b = arg;
	struct store_audit *taken = NULL;
	size_t taken_cap = 0;
	pthread_mutex_lock(&b->lock);
	for (;;) {
		while (b->count == 0 && !b->stop)
			pthread_cond_wait(&b->work, &b->lock);
		if (b->count == 0 && b->stop)
			break;
		/* Take the whole pending batch; swap buffers so appenders can
		 * fill the other one while this commits. */
		struct store_audit *entries = b->pending;
		size_t n = b->count, cap = b->cap;
		struct ticket *tickets = b->tickets;
		b->pending = taken;
		b->cap = taken_cap;
		b->count = 0;
		b->tickets = NULL;
		pthread_mutex_unlock(&b->lock);

		wm_err e = b->commit(b->ctx, entries, n);

		pthread_mutex_lock(&b->lock);
		struct ticket *calls = NULL, *next;
		for (struct ticket *t = tickets; t; t = next) {
			next = t->next;
			t->result = e;
			if (t->notify) {
				t->next = calls;
				calls = t;
			} else {
				t->done = true;
			}
		}
		taken = entries;
		taken_cap = cap;
		pthread_cond_broadcast(&b->done);
		if (calls) {
			pthread_mutex_unlock(&b->lock);
			size_t told = 0;
			struct ticket *last = NULL;
			for (struct ticket *t = calls; t; t = t->next) {
				t->notify(t->ctx, t->result);
				last = t;
				told++;
			}
			pthread_mutex_lock(&b->lock);
			last->next = b->spare;
			b->spare = calls;
			b->async_open -= told;
			pthread_cond_broadcast(&b->done);
		}
	}
	pthread_mutex_unlock(&b->lock);
	free(taken);
	return NULL;
}

struct batch *batch_start(batch_commit_fn commit, void *ctx)
{
	struct batch *b = calloc(1, sizeof *b);
	if (!b)
		return NULL;
	b->commit = commit;
	b->ctx = ctx;
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->work, NULL);
	pthread_cond_init(&b->done, NULL);
	if (pthread_create(&b->writer, NULL, writer_main, b) != 0) {
		pthread_mutex_destroy(&b->lock);
		pthread_cond_destroy(&b->work);
		pthread_cond_destroy(&b->done);
		free(b);
		return NULL;
	}
	return b;
}

/* Adds entries and t to the pending batch; the lock is held. */
static wm_err enqueue(struct batch *b, const struct store_audit *entries, size_t n,
		      struct ticket *t)
{
	if (b->stop)
		return WM_ERR_IO;
	if (b->count + n > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->count + n)
			cap *= 2;
		struct store_audit *grown = realloc(b->pending, cap * sizeof *grown);
		if (!grown)
			return WM_ERR_NOMEM;
		b->pending = grown;
		b->cap = cap;
	}
	memcpy(b->pending + b->count, entries, n * sizeof *entries);
	b->count += n;
	t->next = b->tickets;
	b->tickets = t;
	pthread_cond_signal(&b->work);
	return WM_OK;
}

wm_err batch_append(struct batch *b, const struct store_audit *entries, size_t n)
{
	if (n == 0)
		return WM_OK;
	struct ticket t = {false, WM_OK, NULL, NULL, NULL};
	pthread_mutex_lock(&b->lock);
	/* The ticket outlives its place in the list: the writer unlinks the
	 * whole list and marks it done under the lock before we can return. */
	// cppcheck-suppress autoVariables
	wm_err e = enqueue(b, entries, n, &t);
	while (e == WM_OK && !t.done)
		pthread_cond_wait(&b->done, &b->lock);
	pthread_mutex_unlock(&b->lock);
	return e == WM_OK ? t.result : e;
}

wm_err batch_append_async(struct batch *b, const struct store_audit *entries, size_t n,
			  void (*notify)(void *ctx, wm_err result), void *ctx)
{
	if (n == 0) {
		notify(ctx, WM_OK); /* nothing to wait for */
		return WM_OK;
	}
	pthread_mutex_lock(&b->lock);
	if (b->draining) {
		/* Stopping: nothing may be left waiting on the writer, so this
		 * caller waits for the commit and is told on its own thread. */
		pthread_mutex_unlock(&b->lock);
		notify(ctx, batch_append(b, entries, n));
		return WM_OK;
	}
	struct ticket *t = b->spare;
	if (t)
		b->spare = t->next;
	else if (!(t = malloc(sizeof *t))) {
		pthread_mutex_unlock(&b->lock);
		return WM_ERR_NOMEM;
	}
	*t = (struct ticket){.notify = notify, .ctx = ctx};
	wm_err e = enqueue(b, entries, n, t);
	if (e == WM_OK)
		b->async_open++;
	else {
		t->next = b->spare;
		b->spare = t;
	}
	pthread_mutex_unlock(&b->lock);
	return e;
}

void batch_drain(struct batch *b)
{
	pthread_mutex_lock(&b->lock);
	b->draining = true;
	while (b->async_open > 0)
		pthread_cond_wait(&b->done, &b->lock);
	pthread_mutex_unlock(&b->lock);
}

void batch_stop(struct batch *b)
{
	if (!b)
		return;
	pthread_mutex_lock(&b->lock);
	b->stop = true;
	pthread_cond_signal(&b->work);
	pthread_mutex_unlock(&b->lock);
	pthread_join(b->writer, NULL);
	for (struct ticket *t = b->spare, *next; t; t = next) {
		next = t->next;
		free(t);
	}
	free(b->pending);
	pthread_mutex_destroy(&b->lock);
	pthread_cond_destroy(&b->work);
	pthread_cond_destroy(&b->done);
	free(b);
}
