/*
 * case_cache.c - what the dashboard shows of each survivor (case_cache.h).
 *
 * A hash table of entries by survivor and view, and a list of them from the
 * most to the least recently used, under one mutex. Lookups copy the entry
 * out (a few kilobytes), so no entry is ever in use outside the lock and
 * eviction needs no reference counts. An entry unused for CASE_CACHE_IDLE
 * seconds is dropped by a sweeper thread (started with the first entry),
 * so that what the server showed of someone leaves its memory soon after,
 * even if nobody looks again (an erasure, say, by `waymark erase`).
 */
#include "case_cache.h"

#include <pthread.h>
#include <sodium.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BUCKETS 4096 /* a power of two */

struct node {
	struct node *hnext;	  /* the bucket's next */
	struct node *prev, *next; /* the use list, most recent first */
	struct case_view *v;
	time_t used; /* last put or found (CLOCK_MONOTONIC seconds) */
};

static struct {
	pthread_mutex_t lock;
	struct node *bucket[BUCKETS];
	struct node *head, *tail;
	size_t entries, bytes;
} cache = {.lock = PTHREAD_MUTEX_INITIALIZER};

static time_t now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static size_t round_up(size_t n)
{
	size_t a = alignof(max_align_t);
	return (n + a - 1) / a * a;
}

/* Where p, a pointer into the block at from, points in the block at to. */
static const void *rebase(const void *p, const void *from, void *to)
{
	return p ? (char *)to + ((const char *)p - (const char *)from) : NULL;
}

struct case_view *case_view_make(const struct case_key *key, const struct alert *alerts,
				 const struct case_text *alert_texts, size_t nalerts,
				 const struct case_appt *appts, size_t nappts, const char *text,
				 size_t len)
{
	size_t head = round_up(sizeof(struct case_view));
	size_t at_alerts = head;
	size_t at_atexts = round_up(at_alerts + nalerts * sizeof *alerts);
	size_t at_appts = round_up(at_atexts + nalerts * sizeof *alert_texts);
	size_t at_text = at_appts + nappts * sizeof *appts;
	size_t size = at_text + len + 1;
	for (size_t i = 0; i < nappts; i++)
		size += appts[i].len + 1;
	for (size_t i = 0; i < nalerts; i++)
		size += alert_texts[i].len + 1;
	char *block = malloc(size);
	if (!block)
		return NULL;
	struct case_view *v = (struct case_view *)(void *)block;
	memset(v, 0, sizeof *v);
	v->key = *key;
	v->size = size;
	struct alert *va = (struct alert *)(void *)(block + at_alerts);
	for (size_t i = 0; i < nalerts; i++) {
		va[i] = alerts[i];
		va[i].survivor_id = NULL;
	}
	v->alerts = nalerts ? va : NULL;
	v->nalerts = nalerts;
	struct case_text *vt = (struct case_text *)(void *)(block + at_atexts);
	v->alert_texts = nalerts ? vt : NULL;
	struct case_appt *vp = (struct case_appt *)(void *)(block + at_appts);
	char *t = block + at_text;
	memcpy(t, text, len);
	t[len] = '\0';
	v->text = t;
	v->len = len;
	t += len + 1;
	for (size_t i = 0; i < nappts; i++) {
		vp[i] = appts[i];
		memcpy(t, appts[i].text, appts[i].len);
		t[appts[i].len] = '\0';
		vp[i].text = t;
		t += appts[i].len + 1;
	}
	v->appts = nappts ? vp : NULL;
	v->nappts = nappts;
	for (size_t i = 0; i < nalerts; i++) {
		memcpy(t, alert_texts[i].text, alert_texts[i].len);
		t[alert_texts[i].len] = '\0';
		vt[i].text = t;
		vt[i].len = alert_texts[i].len;
		t += alert_texts[i].len + 1;
	}
	return v;
}

void case_view_free(struct case_view *v)
{
	if (!v)
		return;
	sodium_memzero(v, v->size);
	free(v);
}

static struct case_view *copy_of(const struct case_view *v)
{
	struct case_view *c = malloc(v->size);
	if (!c)
		return NULL;
	memcpy(c, v, v->size);
	c->alerts = rebase(v->alerts, v, c);
	c->appts = rebase(v->appts, v, c);
	c->text = rebase(v->text, v, c);
	c->alert_texts = rebase(v->alert_texts, v, c);
	struct case_appt *ap = (struct case_appt *)(uintptr_t)c->appts;
	for (size_t i = 0; i < c->nappts; i++)
		ap[i].text = rebase(v->appts[i].text, v, c);
	struct case_text *at = (struct case_text *)(uintptr_t)c->alert_texts;
	for (size_t i = 0; i < c->nalerts; i++)
		at[i].text = rebase(v->alert_texts[i].text, v, c);
	return c;
}

static size_t bucket_of(const char *survivor_id, int view)
{
	uint64_t h = 1469598103934665603u;
	for (const unsigned char *p = (const unsigned char *)survivor_id; *p; p++)
		h = (h ^ *p) * 1099511628211u;
	h = (h ^ (unsigned)view) * 1099511628211u;
	return (size_t)(h & (BUCKETS - 1));
}

static bool same_entry(const struct case_key *a, const struct case_key *b)
{
	return a->view == b->view && strcmp(a->survivor_id, b->survivor_id) == 0;
}

static bool same_key(const struct case_key *a, const struct case_key *b)
{
	return same_entry(a, b) && a->stamp == b->stamp && a->day == b->day &&
	       a->calendar == b->calendar;
}

static void unlink_use(struct node *n)
{
	if (n->prev)
		n->prev->next = n->next;
	else
		cache.head = n->next;
	if (n->next)
		n->next->prev = n->prev;
	else
		cache.tail = n->prev;
	n->prev = n->next = NULL;
}

static void push_use(struct node *n)
{
	n->prev = NULL;
	n->next = cache.head;
	if (cache.head)
		cache.head->prev = n;
	cache.head = n;
	if (!cache.tail)
		cache.tail = n;
}

/* Takes n out of its bucket and the use list, and frees it. */
static void drop(struct node *n)
{
	struct node **p = &cache.bucket[bucket_of(n->v->key.survivor_id, n->v->key.view)];
	while (*p != n)
		p = &(*p)->hnext;
	*p = n->hnext;
	unlink_use(n);
	cache.entries--;
	cache.bytes -= n->v->size;
	case_view_free(n->v);
	free(n);
}

static struct node *find(const struct case_key *key)
{
	struct node *n = cache.bucket[bucket_of(key->survivor_id, key->view)];
	while (n && !same_entry(&n->v->key, key))
		n = n->hnext;
	return n;
}

struct case_view *case_cache_get(const struct case_key *key)
{
	struct case_view *out = NULL;
	pthread_mutex_lock(&cache.lock);
	struct node *n = find(key);
	if (n && same_key(&n->v->key, key)) {
		unlink_use(n);
		push_use(n);
		n->used = now_s();
		out = copy_of(n->v);
	}
	pthread_mutex_unlock(&cache.lock);
	return out;
}

/* Drops the entries unused for CASE_CACHE_IDLE seconds (the list's tail). */
static void sweep(void)
{
	time_t before = now_s() - CASE_CACHE_IDLE;
	pthread_mutex_lock(&cache.lock);
	while (cache.tail && cache.tail->used < before)
		drop(cache.tail);
	pthread_mutex_unlock(&cache.lock);
}

static void *sweeper_main(void *arg)
{
	(void)arg;
	for (;;) {
		sleep(CASE_CACHE_IDLE / 10 + 1);
		sweep();
	}
	return NULL;
}

static pthread_once_t sweeper_once = PTHREAD_ONCE_INIT;

static void sweeper_start(void)
{
	pthread_t t;
	if (pthread_create(&t, NULL, sweeper_main, NULL) == 0)
		pthread_detach(t);
}

void case_cache_put(const struct case_view *v)
{
	pthread_once(&sweeper_once, sweeper_start);
	if (v->size > CASE_CACHE_BYTES / 16)
		return; /* one huge record would push out everyone else's */
	struct node *fresh = malloc(sizeof *fresh);
	struct case_view *c = fresh ? copy_of(v) : NULL;
	if (!c) {
		free(fresh);
		return;
	}
	fresh->v = c;
	fresh->used = now_s();
	pthread_mutex_lock(&cache.lock);
	struct node *old = find(&v->key);
	if (old)
		drop(old);
	while (cache.tail && cache.bytes + c->size > CASE_CACHE_BYTES)
		drop(cache.tail);
	size_t b = bucket_of(c->key.survivor_id, c->key.view);
	fresh->hnext = cache.bucket[b];
	cache.bucket[b] = fresh;
	push_use(fresh);
	cache.entries++;
	cache.bytes += c->size;
	pthread_mutex_unlock(&cache.lock);
}

void case_cache_clear(void)
{
	pthread_mutex_lock(&cache.lock);
	while (cache.tail)
		drop(cache.tail);
	pthread_mutex_unlock(&cache.lock);
}

void case_cache_usage(size_t *entries, size_t *bytes)
{
	pthread_mutex_lock(&cache.lock);
	*entries = cache.entries;
	*bytes = cache.bytes;
	pthread_mutex_unlock(&cache.lock);
}

uint64_t case_calendar_hash(const int *days, size_t n)
{
	uint64_t h = 1469598103934665603u;
	for (size_t i = 0; i < n; i++) {
		uint32_t d = (uint32_t)days[i];
		for (int k = 0; k < 4; k++)
			h = (h ^ ((d >> (8 * k)) & 0xffu)) * 1099511628211u;
	}
	return h ^ n;
}
