/*
 * workers.c - a fixed pool of threads over a bounded FIFO of jobs.
 */
#include "workers.h"

#include <pthread.h>
#include <stdlib.h>

struct job {
	void (*fn)(void *arg);
	void *arg;
	struct job *next;
};

struct workers {
	pthread_mutex_t lock;
	pthread_cond_t ready;
	struct job *head, *tail;
	int queued, queue_max;
	bool stop;
	int nthreads;
	pthread_t *threads;
};

static void *worker_main(void *arg)
{
	struct workers *w = arg;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->head && !w->stop)
			pthread_cond_wait(&w->ready, &w->lock);
		if (!w->head)
			break; /* stopping, and nothing left */
		struct job *j = w->head;
		w->head = j->next;
		if (!w->head)
			w->tail = NULL;
		w->queued--;
		pthread_mutex_unlock(&w->lock);
		j->fn(j->arg);
		free(j);
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct workers *workers_start(int threads, int queue_max)
{
	struct workers *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->threads = calloc((size_t)threads, sizeof *w->threads);
	if (!w->threads) {
		free(w);
		return NULL;
	}
	w->queue_max = queue_max;
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

bool workers_submit(struct workers *w, void (*fn)(void *arg), void *arg)
{
	struct job *j = malloc(sizeof *j);
	if (!j)
		return false;
	*j = (struct job){fn, arg, NULL};
	pthread_mutex_lock(&w->lock);
	if (w->stop || w->queued >= w->queue_max) {
		pthread_mutex_unlock(&w->lock);
		free(j);
		return false;
	}
	if (w->tail)
		w->tail->next = j;
	else
		w->head = j;
	w->tail = j;
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
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->ready);
	free(w->threads);
	free(w);
}
