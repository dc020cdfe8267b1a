/*
 * workers.h - a few threads, apart from the connection threads, for work
 * that takes long enough to hold up other clients (a password hash).
 *
 * The capacity is shared fairly. Each job names who asks (the client
 * address) and what it is about (the username). Jobs wait in one queue per
 * client, and the threads take from those queues in turn, so a client with
 * a hundred jobs waiting delays another client's job by at most one of its
 * own. No client, and no username, may have more than per_key_max jobs
 * waiting or running at once, and no more than queue_max wait in all: past
 * those, submitting fails at once and the caller answers "try again",
 * rather than letting a flood queue for ever or push out other people.
 */
#ifndef WM_WORKERS_H
#define WM_WORKERS_H

#include <stdbool.h>

#define WORKERS_KEY_MAX 257 /* keys longer than this are cut (still distinct enough) */

struct workers;

/* Starts `threads` workers with room for `queue_max` waiting jobs, at most
 * `per_key_max` of them (waiting or running) per client and per subject. */
struct workers *workers_start(int threads, int queue_max, int per_key_max);

/* Queues fn(arg) for client `who` about subject `what` (copied; wiped when
 * the job ends). False (nothing queued) when a limit is reached or the pool
 * is stopping. */
bool workers_submit(struct workers *w, const char *who, const char *what, void (*fn)(void *arg),
		    void *arg);

/* Runs what is queued, then joins the threads and frees the pool. */
void workers_stop(struct workers *w);

#endif
