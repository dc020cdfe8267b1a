/*
 * workers.h - a few threads, apart from the connection threads, for work
 * that takes long enough to hold up other clients (a password hash).
 *
 * The queue is bounded: when it is full, submitting fails at once, and the
 * caller answers "try again" rather than letting a flood queue for ever.
 */
#ifndef WM_WORKERS_H
#define WM_WORKERS_H

#include <stdbool.h>

struct workers;

/* Starts `threads` workers with room for `queue_max` waiting jobs. */
struct workers *workers_start(int threads, int queue_max);

/* Queues fn(arg); false (nothing queued) when the queue is full or stopping. */
bool workers_submit(struct workers *w, void (*fn)(void *arg), void *arg);

/* Runs what is queued, then joins the threads and frees the pool. */
void workers_stop(struct workers *w);

#endif
