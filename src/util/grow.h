/*
 * grow.h - room for one more element at the end of a growing array.
 *
 *	struct item *p = grow(list->items, &list->cap, list->n, sizeof *p, 64);
 *	if (!p)
 *		return WM_ERR_NOMEM;
 *	list->items = p;
 *	list->items[list->n++] = item;
 */
#ifndef WAYMARK_UTIL_GROW_H
#define WAYMARK_UTIL_GROW_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* The array (of *cap elements of size bytes, n in use), moved if need be
 * so that it holds at least n + 1, its capacity doubling from first; NULL,
 * the array untouched, when memory or size_t runs out. */
static inline void *grow(void *array, size_t *cap, size_t n, size_t size, size_t first)
{
	if (n < *cap)
		return array;
	size_t want = *cap ? *cap * 2 : first;
	if (want <= n || want > SIZE_MAX / size)
		return NULL;
	void *p = realloc(array, want * size);
	if (p)
		*cap = want;
	return p;
}

#endif
