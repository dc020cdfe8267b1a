/*
 * pg_backup.c - `waymark backup` and `waymark restore` on PostgreSQL: not
 * built yet. Each says so plainly and changes nothing.
 */
#include <stdio.h>

#include "backend.h"

wm_err pg_backup(struct pg_store *st, const char *to, char *msg, size_t cap)
{
	(void)st;
	(void)to;
	snprintf(msg, cap, "on PostgreSQL, back up with pg_dump (docs/operations.md)");
	return WM_ERR_UNSUPPORTED;
}

wm_err pg_restore(const char *from, const char *to, char *msg, size_t cap)
{
	(void)from;
	(void)to;
	snprintf(msg, cap, "on PostgreSQL, restore with pg_restore (docs/operations.md)");
	return WM_ERR_UNSUPPORTED;
}
