/*
 * workers.c - a fixed pool of threads over per-client FIFOs served in turn.
 *
 * The clients with jobs waiting form a ring; a thread takes the first job
 * of the client after the one it served last. Counts per client and per
 * subject cover jobs waiting and running. Few jobs are ever queued
 * (queue_max), so lists scanned in full are simpler than a hash and as fast.
 */
#define _POSIX_C_SOURCE 200809L
#include "workers.h"

#include <assert.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct job {
	void (*fn)(void *arg);
	void *arg;
	struct tally *who, *what;
	struct job *next;
};

/* Jobs waiting or running for one key; for a client, its queue as well. */
struct tally {
	char key[WORKERS_KEY_MAX];
	int count;	  /* waiting and running */
	struct job *head; /* waiting (clients only) */
	struct job *tail;
	bool in_ring;
	struct tally *next;	 /* in the list of all tallies of its kind */
	struct tally *ring_next; /* in the ring of clients with jobs waiting */
};

struct workers {
	pthread_mutex_t lock;
	pthread_cond_t ready;
	struct tally *clients, *subjects;
	struct tally *ring; /* the client to serve next; NULL when nothing waits */
	int queued, queue_max, per_key_max;
	bool stop;
	int nthreads;
	pthread_t *threads;
};

/* The tally for key in list, created with a count of 0 when absent. */
static struct tally *tally_get(struct tally **list, const char *key)
{
	for (struct tally *t = *list; t; t = t->next)
		if (strncmp(t->key, key, sizeof t->key - 1) == 0)
			return t;
	struct tally *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	snprintf(t->key, sizeof t->key, "%s", key);
	t->next = *list;
	*list = t;
	return t;
}

/* Frees the tally once nothing refers to it. */
static void tally_put(struct tally **list, struct tally *t)
{
	if (t->count > 0 || t->in_ring)
		return;
	for (struct tally **p = list; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			break;
		}
	sodium_memzero(t->key, sizeof t->key); /* usernames */
	free(t);
}

static void ring_insert(struct workers *w, struct tally *c)
{
	assert(!c->in_ring);
	c->in_ring = true;
	if (!w->ring) {
		c->ring_next = c;
		w->ring = c;
		return;
	}
	/* Just before the next to serve: served after everyone waiting. */
	struct tally *prev = w->ring;
	while (prev->ring_next != w->ring)
		prev = prev->ring_next;
	prev->ring_next = c;
	c->ring_next = w->ring;
}

/* Takes the next job in turn; the lock is held, something is waiting. */
static struct job *take(struct workers *w)
{
	struct tally *c = w->ring;
	struct job *j = c->head;
	c->head = j->next;
	if (!c->head) {
		c->tail = NULL;
		/* Out of the ring. */
		c->in_ring = false;
		if (c->ring_next == c) {
			w->ring = NULL;
		} else {
			struct tally *prev = c;
			while (prev->ring_next != c)
				prev = prev->ring_next;
			prev->ring_next = c->ring_next;
			w->ring = c->ring_next;
		}
	} else {
		w->ring = c->ring_next;
	}
	w->queued--;
	return j;
}

static void finish(struct workers *w, struct job *j)
{
	j->who->count--;
	j->what->count--;
	tally_put(&w->clients, j->who);
	tally_put(&w->subjects, j->what);
	free(j);
}

static void *worker_main(void *arg)
{
	struct workers *w = arg;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->ring && !w->stop)
			pthread_cond_wait(&w->ready, &w->lock);
		if (!w->ring)
			break; /* stopping, and nothing left */
		struct job *j = take(w);
		pthread_mutex_unlock(&w->lock);
		j->fn(j->arg);
		pthread_mutex_lock(&w->lock);
		finish(w, j);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct workers *workers_start(int threads, int queue_max, int per_key_max)
{
	assert(threads > 0 && queue_max > 0 && per_key_max > 0);
	struct workers *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->threads = calloc((size_t)threads, sizeof *w->threads);
	if (!w->threads) {
		free(w);
		return NULL;
	}
	w->queue_max = queue_max;
	w->per_key_max = per_key_max;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->ready, NULL);
	for (int i = 0; i < threads; i++) {
		if (pthread_create(&w->threads[i], NULL, worker_main, w) != 0)
			break;
		w->nthreads++;
	}
	if (w->nthreads == 0) {
		workers_stop(w);
		return NULL;
	}
	return w;
}

bool workers_submit(struct workers *w, const char *who, const char *what, void (*fn)(void *arg),
		    void *arg)
{
	struct job *j = malloc(sizeof *j);
	if (!j)
		return false;
	pthread_mutex_lock(&w->lock);
	struct tally *c = NULL, *s = NULL;
	bool ok = !w->stop && w->queued < w->queue_max &&
		  (c = tally_get(&w->clients, who)) != NULL &&
		  (s = tally_get(&w->subjects, what)) != NULL && c->count < w->per_key_max &&
		  s->count < w->per_key_max;
	if (!ok) {
		if (c)
			tally_put(&w->clients, c);
		if (s)
			tally_put(&w->subjects, s);
		pthread_mutex_unlock(&w->lock);
		free(j);
		return false;
	}
	*j = (struct job){fn, arg, c, s, NULL};
	c->count++;
	s->count++;
	if (c->tail)
		c->tail->next = j;
	else
		c->head = j;
	c->tail = j;
	if (!c->in_ring)
		ring_insert(w, c);
	w->queued++;
	pthread_cond_signal(&w->ready);
	pthread_mutex_unlock(&w->lock);
	return true;
}

void workers_stop(struct workers *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_broadcast(&w->ready);
	pthread_mutex_unlock(&w->lock);
	for (int i = 0; i < w->nthreads; i++)
		pthread_join(w->threads[i], NULL);
	assert(!w->ring && !w->clients && !w->subjects);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->ready);
	free(w->threads);
	free(w);
}
