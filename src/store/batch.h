/*
 * batch.h - group commit: many threads append records, one writer thread
 * commits whatever has gathered in one transaction.
 *
 * Every read of a survivor's record leaves an audit entry, and the read is
 * answered only once its entry is durable. Committing each entry on its own
 * would put one fsync on every read; here, while one batch commits, the next
 * gathers, so under load a single fsync covers many reads, and at rest an
 * entry is committed at once with no added wait. Backend-independent: the
 * commit function is the backend's.
 */
#ifndef WM_BATCH_H
#define WM_BATCH_H

#include <stddef.h>

#include "../domain/err.h"

struct store_audit;
struct batch;

/* Commits n entries in one transaction (called on the writer thread). */
typedef wm_err (*batch_commit_fn)(void *ctx, const struct store_audit *entries, size_t n);

/* Starts the writer thread. NULL when out of memory or threads. */
struct batch *batch_start(batch_commit_fn commit, void *ctx);

/* Copies n entries into the next batch and waits until that batch is
 * committed; returns the commit's result. Safe from any thread. */
wm_err batch_append(struct batch *b, const struct store_audit *entries, size_t n);

/* Copies n entries into the next batch and returns at once; notify(ctx,
 * result) is called on the writer thread once that batch is committed (at
 * once, on this thread, when n is 0; on this thread, after the commit, once
 * batch_drain was called). On an error return nothing was queued
 * and notify will not be called. */
wm_err batch_append_async(struct batch *b, const struct store_audit *entries, size_t n,
			  void (*notify)(void *ctx, wm_err result), void *ctx);

/* Blocks until every asynchronous append made before the call is committed
 * and its notify has returned. Appends after it wait for their commit on
 * the caller's thread and call notify there before returning, so once this
 * returns nobody waits on the writer: what was waiting (a suspended
 * connection) can be freed safely. */
void batch_drain(struct batch *b);

/* Commits what is pending (telling every appender), stops the writer and
 * frees the queue. */
void batch_stop(struct batch *b);

#endif
