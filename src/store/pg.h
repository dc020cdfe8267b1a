/*
 * pg.h - what the PostgreSQL backend's files share (pg.c, pg_report.c):
 * nothing above the store includes this.
 */
#ifndef WM_STORE_PG_H
#define WM_STORE_PG_H

#include "backend.h"
#include "pgq.h"

/* A pooled connection: acquire waits for a free one and answers its
 * statements' handle, *c what to give back to release. The caller leaves
 * no transaction open on it and finalises its own statements before
 * release (the persistent ones belong to pg.c). */
struct conn;
struct pq_db *pg_acquire(struct pg_store *st, struct conn **c);
void pg_release(struct pg_store *st, struct conn *c);

#endif
