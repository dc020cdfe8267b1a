/*
 * pg_maint.c - `waymark check` and key rotation on PostgreSQL: not built
 * yet. Each says so plainly and changes nothing, so an
 * operator is never told a check passed that did not run (docs/operations.md
 * gives the PostgreSQL tools to use meanwhile: pg_dump, pg_restore, amcheck).
 */
#include <stdio.h>

#include "backend.h"

wm_err pg_check(struct pg_store *st, void (*say)(void *ctx, bool ok, const char *line), void *ctx)
{
	(void)st;
	say(ctx, false, "waymark check does not run on PostgreSQL yet: nothing was checked");
	return WM_ERR_UNSUPPORTED;
}

wm_err pg_reseal(struct pg_store *st, void (*tell)(void *ctx, const char *line), void *ctx)
{
	(void)st;
	tell(ctx, "rotate-key does not re-seal on PostgreSQL yet: nothing was changed");
	return WM_ERR_UNSUPPORTED;
}

wm_err pg_key_use(struct pg_store *st, int key_id, long *count)
{
	(void)st;
	(void)key_id;
	*count = 0;
	return WM_ERR_UNSUPPORTED;
}
