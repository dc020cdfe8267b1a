/*
 * pages_import.c - the manager's upload page: a caseload from a CSV file or
 * an Excel workbook (docs/import.md), checked first, then stored.
 *
 * POST /import checks the file with the engine `waymark import` runs
 * (import/caseload.c) and stores nothing. When there is something to
 * store, the answer's confirm form carries the file back, sealed under the
 * data key and bound to the session and to a deadline: the server keeps
 * nothing between the two steps, and no other session can replay it.
 * POST /import/confirm opens it, checks every row again (someone may have
 * imported meanwhile) and stores them, all or nothing, in durable batches
 * on a connection of its own.
 */
#define _POSIX_C_SOURCE 200809L
#include <malloc.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../import/caseload.h"
#include "../util/log.h"
#include "pages.h"

#define PAGE_FILE_MAX	  (8u * 1024 * 1024) /* its sealed copy must fit an upload */
#define SEAL_SECONDS	  (60 * 60)
#define SHOWN_MAX	  500 /* rows of each list shown; the rest are counted */
#define IMPORT_PAGE_ROUTE "/import"

#define MAP_TEXT_MAX 8192 /* bytes of "their heading = our column" lines */

/* What the form asks besides the file. */
struct choices {
	bool month_first, cp1252, skip_invalid;
	char map[MAP_TEXT_MAX + 1]; /* the agency's headings, one "theirs = ours" a line */
};

static void read_choices(const struct page *p, struct choices *c)
{
	c->month_first = strcmp(page_field(p, "date_format"), "mm/dd/yyyy") == 0;
	c->cp1252 = strcmp(page_field(p, "encoding"), "cp1252") == 0;
	c->skip_invalid = strcmp(page_field(p, "skip_invalid"), "yes") == 0;
	snprintf(c->map, sizeof c->map, "%s", page_field(p, "map"));
}

static json_t *choices_json(const struct choices *c)
{
	return json_pack("{s:b, s:b, s:b, s:s}", "month_first", c->month_first, "cp1252", c->cp1252,
			 "skip_invalid", c->skip_invalid, "map", c->map);
}

/* s[0..n) without the spaces around it, as a new string. */
static json_t *trimmed_string(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	return json_stringn(s, n);
}

/* The agency's headings as --map takes them (an object of theirs to ours),
 * from lines "Case no = ref"; NULL for none. false, with the line's number
 * in *bad, when a line is not "heading = column" with a column of ours. */
static bool read_map(const char *text, json_t **map, size_t *bad)
{
	*map = NULL;
	*bad = 0;
	size_t line = 0;
	for (const char *p = text; *p;) {
		const char *end = strchr(p, '\n');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		line++;
		const char *eq = memchr(p, '=', n);
		json_t *theirs = eq ? trimmed_string(p, (size_t)(eq - p)) : trimmed_string(p, n);
		json_t *ours = eq ? trimmed_string(eq + 1, n - (size_t)(eq + 1 - p)) : NULL;
		bool blank = !eq && theirs && json_string_length(theirs) == 0;
		bool ok = blank || (theirs && ours && json_string_length(theirs) > 0 &&
				    import_column_find(json_string_value(ours)));
		if (ok && !blank) {
			if (!*map)
				*map = json_object();
			ok = *map && json_object_set(*map, json_string_value(theirs), ours) == 0;
		}
		json_decref(theirs);
		json_decref(ours);
		if (!ok) {
			json_decref(*map);
			*map = NULL;
			*bad = line;
			return false;
		}
		p = end ? end + 1 : p + n;
	}
	return true;
}

/* The signed-in account, when it may import into its organisation. */
static bool importer(struct page *p, struct store_user *u)
{
	const char *id = json_string_value(json_object_get(p->me, "id"));
	return id && store_user_get(p->app->store, id, u) == WM_OK &&
	       caseload_may_import(u, u->org_id);
}

static void refuse(struct page *p)
{
	page_error(p, 403, "You cannot import a caseload",
		   "Only a manager brings a caseload into their organisation.");
}

/* The form's data with one error above it, about field ("file", "map"). */
static void error_data(struct page *p, const struct choices *c, const char *field,
		       const char *message)
{
	char href[16], key[16];
	snprintf(href, sizeof href, "#%s", field);
	snprintf(key, sizeof key, "error_%s", field);
	json_decref(p->data);
	p->data = json_pack("{s:o, s:b, s:s, s:[{s:s, s:s}]}", "choices", choices_json(c),
			    "has_errors", 1, key, message, "errors", "href", href, "text", message);
}

/* The form again, with an error about the file. */
static void form_error(struct page *p, unsigned status, const struct choices *c,
		       const char *message)
{
	error_data(p, c, "file", message);
	page_render(p, status, "import", "Import a caseload");
}

void page_import(struct page *p)
{
	struct store_user u;
	if (!importer(p, &u)) {
		refuse(p);
		return;
	}
	struct choices c = {0};
	p->data = json_pack("{s:o}", "choices", choices_json(&c));
	page_render(p, 200, "import", "Import a caseload");
}

/* ---- the file, sealed between the check and the import ---- */

static void ad_for(const struct page *p, char *ad, size_t cap)
{
	snprintf(ad, cap, "waymark-import:%s", p->token);
}

/* The file and the choices, sealed for this session until an hour from
 * now, as text; NULL when memory runs out. */
static char *seal(const struct page *p, const char *file, size_t len, const struct choices *c)
{
	size_t mlen = strlen(c->map);
	size_t plen = 11 + mlen + len, slen = 4 + plen + KEYRING_OVERHEAD;
	unsigned char *plain = malloc(plen), *sealed = malloc(slen);
	size_t tcap = sodium_base64_encoded_len(slen, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *text = malloc(tcap), ad[128];
	bool ok = plain && sealed && text;
	if (ok) {
		uint64_t until = (uint64_t)(p->now + SEAL_SECONDS);
		for (int i = 7; i >= 0; i--, until >>= 8)
			plain[i] = (unsigned char)(until & 0xff);
		plain[8] = (unsigned char)(c->month_first | c->cp1252 << 1 | c->skip_invalid << 2);
		plain[9] = (unsigned char)(mlen >> 8);
		plain[10] = (unsigned char)mlen;
		memcpy(plain + 11, c->map, mlen);
		memcpy(plain + 11 + mlen, file, len);
		ad_for(p, ad, sizeof ad);
		int key_id;
		ok = keyring_seal(p->app->keys, plain, plen, ad, sealed + 4, &key_id) == WM_OK;
		sealed[0] = (unsigned char)(key_id >> 24);
		sealed[1] = (unsigned char)(key_id >> 16);
		sealed[2] = (unsigned char)(key_id >> 8);
		sealed[3] = (unsigned char)key_id;
		sodium_memzero(plain, plen);
	}
	if (ok)
		sodium_bin2base64(text, tcap, sealed, slen,
				  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	free(plain);
	free(sealed);
	if (!ok)
		free(text);
	return ok ? text : NULL;
}

/* Opens what seal made: the file (malloc'd, *len bytes; the caller wipes
 * and frees it) and the choices. NULL when it is not this session's, has
 * been changed, or its hour is over. */
static unsigned char *unseal(const struct page *p, const char *text, size_t *len, struct choices *c)
{
	size_t n = strlen(text), blen = 0;
	unsigned char *sealed = malloc(n / 4 * 3 + 3), *plain = NULL;
	char ad[128];
	bool ok = sealed &&
		  sodium_base642bin(sealed, n / 4 * 3 + 3, text, n, NULL, &blen, NULL,
				    sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0 &&
		  blen >= 4 + 11 + KEYRING_OVERHEAD;
	if (ok) {
		int key_id = (int)((unsigned)sealed[0] << 24 | (unsigned)sealed[1] << 16 |
				   (unsigned)sealed[2] << 8 | sealed[3]);
		plain = malloc(blen - 4 - KEYRING_OVERHEAD);
		ad_for(p, ad, sizeof ad);
		ok = plain &&
		     keyring_open(p->app->keys, key_id, sealed + 4, blen - 4, ad, plain) == WM_OK;
	}
	free(sealed);
	size_t plen = ok ? blen - 4 - KEYRING_OVERHEAD : 0;
	uint64_t until = 0;
	size_t mlen = 0;
	if (ok && plain) {
		for (size_t i = 0; i < 8; i++)
			until = until << 8 | plain[i];
		mlen = (size_t)plain[9] << 8 | plain[10];
	}
	if (!ok || !plain || (int64_t)until < p->now || mlen > MAP_TEXT_MAX || 11 + mlen > plen) {
		if (plain)
			sodium_memzero(plain, plen);
		free(plain);
		return NULL;
	}
	c->month_first = plain[8] & 1;
	c->cp1252 = plain[8] & 2;
	c->skip_invalid = plain[8] & 4;
	memcpy(c->map, plain + 11, mlen);
	c->map[mlen] = '\0';
	*len = plen - 11 - mlen;
	memmove(plain, plain + 11 + mlen, *len);
	return plain;
}

/* ---- what the import found, for the page ---- */

static void add_lists(json_t *d, const struct caseload_result *res)
{
	json_t *problems = json_array(), *fresh = json_array(), *present = json_array();
	size_t shown = res->nproblems < SHOWN_MAX ? res->nproblems : SHOWN_MAX;
	for (size_t i = 0; i < shown; i++) {
		const struct caseload_problem *pr = &res->problems[i];
		json_array_append_new(problems,
				      json_pack("{s:I, s:s, s:s}", "row", (json_int_t)pr->row,
						"column", pr->column, "message", pr->message));
	}
	size_t nfresh = 0, npresent = 0;
	for (size_t i = 0; i < res->nrows; i++) {
		const struct caseload_row *r = &res->rows[i];
		if (r->verdict == CASELOAD_NEW && nfresh++ < SHOWN_MAX) {
			char parts[96];
			snprintf(parts, sizeof parts, "A survivor%s%s%s",
				 r->gp ? ", a GP registration" : "",
				 r->nrm ? ", an NRM referral" : "",
				 r->asylum ? ", an asylum claim" : "");
			json_array_append_new(fresh, json_pack("{s:I, s:s}", "row",
							       (json_int_t)r->row, "parts", parts));
		} else if (r->verdict == CASELOAD_PRESENT && npresent++ < SHOWN_MAX) {
			char why[96];
			if (r->same_as)
				snprintf(why, sizeof why, "The same ref as row %zu", r->same_as);
			else
				snprintf(why, sizeof why, "Imported before");
			json_array_append_new(present, json_pack("{s:I, s:s}", "row",
								 (json_int_t)r->row, "why", why));
		}
	}
	json_object_set_new(d, "problems", problems);
	json_object_set_new(d, "has_problems", json_boolean(res->nproblems > 0));
	json_object_set_new(d, "more_problems", json_integer((json_int_t)(res->nproblems - shown)));
	json_object_set_new(d, "fresh_rows", fresh);
	json_object_set_new(d, "has_fresh", json_boolean(nfresh > 0));
	json_object_set_new(
	    d, "more_fresh",
	    json_integer(nfresh > SHOWN_MAX ? (json_int_t)(nfresh - SHOWN_MAX) : 0));
	json_object_set_new(d, "present_rows", present);
	json_object_set_new(d, "has_present", json_boolean(npresent > 0));
	json_object_set_new(d, "counts",
			    json_pack("{s:I, s:I, s:I, s:I}", "fresh", (json_int_t)res->fresh,
				      "present", (json_int_t)res->present, "invalid",
				      (json_int_t)res->invalid, "stored", (json_int_t)res->stored));
	char t[256];
	snprintf(t, sizeof t, "%zu new survivor%s, %zu already here, %zu row%s with problems.",
		 res->fresh, res->fresh == 1 ? "" : "s", res->present, res->invalid,
		 res->invalid == 1 ? "" : "s");
	json_object_set_new(d, "summary_text", json_string(t));
	snprintf(t, sizeof t, "Import %zu survivor%s", res->fresh, res->fresh == 1 ? "" : "s");
	json_object_set_new(d, "confirm_text", json_string(t));
	snprintf(t, sizeof t, "%zu survivor%s added to your organisation's caseload.", res->stored,
		 res->stored == 1 ? " was" : "s were");
	json_object_set_new(d, "stored_text", json_string(t));
	snprintf(t, sizeof t, "%zu row%s already here and left as %s.", res->present,
		 res->present == 1 ? " was" : "s were", res->present == 1 ? "it was" : "they were");
	json_object_set_new(d, "present_text", json_string(t));
}

/* Runs the engine on file for the signed-in manager u: a check (store
 * NULL: the server's own store, read only) or the import (store: one of
 * its own). */
static void run(struct page *p, const struct store_user *u, struct store *st,
		const unsigned char *file, size_t len, const struct choices *c, const json_t *map,
		struct caseload_result *res)
{
	struct run r = {.st = st ? st : p->app->store,
			.keys = p->app->keys,
			.org_id = u->org_id,
			.actor = u,
			.today = call_today(p->app, p->now),
			.route = IMPORT_PAGE_ROUTE,
			.batches = st != NULL};
	struct caseload_opts o = {.date_fmt = c->month_first ? "mm/dd/yyyy" : "dd/mm/yyyy",
				  .cp1252 = c->cp1252,
				  .map = map,
				  .dry_run = st == NULL,
				  .skip_invalid = c->skip_invalid};
	caseload_import(&r, file, len, &o, res);
}

/* A result that stores nothing and needs the file fixed: said above the
 * form. true when it was one (and the page is rendered). */
static bool unusable(struct page *p, const struct choices *c, const struct caseload_result *res)
{
	switch (res->outcome) {
	case CASELOAD_UNREADABLE: {
		char msg[sizeof res->why + 32];
		snprintf(msg, sizeof msg, "The file cannot be read: %s", res->why);
		form_error(p, 422, c, msg);
		return true;
	}
	case CASELOAD_EXPORT:
		form_error(p, 422, c,
			   "This file is an export of Waymark's. Bring it in with the waymark "
			   "import command on the server (docs/export.md), not here.");
		return true;
	case CASELOAD_BAD_HEADER:
		error_data(p, c, "file",
			   "The heading row has problems: each heading must be a column of the "
			   "template, or be given one under \"Your own headings\". Nothing was "
			   "stored.");
		if (p->data)
			add_lists(p->data, res);
		page_render(p, 422, "import", "Import a caseload");
		return true;
	default:
		return false;
	}
}

void page_import_check(struct page *p)
{
	struct store_user u;
	struct choices c;
	read_choices(p, &c);
	if (!importer(p, &u)) {
		refuse(p);
		return;
	}
	if (!p->form.has_file || p->form.file_len == 0) {
		form_error(p, 422, &c, "Choose a CSV file or an Excel workbook (.xlsx)");
		return;
	}
	if (p->form.file_len > PAGE_FILE_MAX) {
		form_error(p, 413, &c,
			   "The file is over 8 MB: split it, or bring it in with the waymark "
			   "import command on the server");
		return;
	}
	json_t *map = NULL;
	size_t bad = 0;
	if (strlen(page_field(p, "map")) > MAP_TEXT_MAX || !read_map(c.map, &map, &bad)) {
		char msg[160];
		snprintf(msg, sizeof msg,
			 bad ? "Line %zu of your own headings must be your heading, then =, then a "
			       "column of the template: Case no = ref"
			     : "Your own headings are too long",
			 bad);
		error_data(p, &c, "map", msg);
		page_render(p, 422, "import", "Import a caseload");
		return;
	}
	struct caseload_result res;
	run(p, &u, NULL, (const unsigned char *)p->form.file, p->form.file_len, &c, map, &res);
	json_decref(map);
	if (!unusable(p, &c, &res)) {
		bool may = res.outcome == CASELOAD_CHECKED && res.fresh > 0;
		p->data = json_pack("{s:o, s:b, s:b, s:b}", "choices", choices_json(&c), "checked",
				    1, "refused", res.outcome == CASELOAD_REFUSED, "nothing_new",
				    res.outcome == CASELOAD_CHECKED && res.fresh == 0);
		if (p->data)
			add_lists(p->data, &res);
		char *sealed = may ? seal(p, p->form.file, p->form.file_len, &c) : NULL;
		bool unsealed = may && !sealed; /* out of memory */
		if (p->data && sealed)
			json_object_set_new(p->data, "sealed", json_string(sealed));
		free(sealed);
		if (res.outcome == CASELOAD_FAILED || unsealed) {
			page_error(p, 500, "Sorry, there is a problem with the service",
				   "The file could not be checked. Try again later.");
		} else {
			page_render(p, res.outcome == CASELOAD_REFUSED ? 422 : 200, "import",
				    "Check the caseload");
		}
	}
	caseload_result_free(&res);
	/* A caseload's rows took megabytes: given back, not kept by this
	 * thread's heap. */
	malloc_trim(0);
}

void page_import_confirm(struct page *p)
{
	struct store_user u;
	struct choices c = {0};
	if (!importer(p, &u)) {
		refuse(p);
		return;
	}
	size_t len = 0;
	unsigned char *file = unseal(p, page_field(p, "sealed"), &len, &c);
	if (!file) {
		form_error(p, 422, &c,
			   "The check of the file has expired, or was made in another session. "
			   "Choose the file again.");
		return;
	}
	struct store *st = NULL;
	char msg[256];
	struct caseload_result res;
	memset(&res, 0, sizeof res);
	if (!p->app->db ||
	    store_open(p->app->db, p->app->keys, STORE_OPEN, 1, &st, msg, sizeof msg) != WM_OK) {
		/* The reason names the database, never a person. */
		log_info("import page: the database does not open: %s",
			 p->app->db ? msg : "no database");
		res.outcome = CASELOAD_FAILED;
	} else {
		json_t *map = NULL;
		size_t bad = 0;
		if (read_map(c.map, &map, &bad))
			run(p, &u, st, file, len, &c, map, &res);
		else
			res.outcome = CASELOAD_FAILED; /* checked when sealed: cannot happen */
		json_decref(map);
		store_close(st);
	}
	sodium_memzero(file, len);
	free(file);
	if (!unusable(p, &c, &res)) {
		p->data = json_pack("{s:o, s:b, s:b, s:b}", "choices", choices_json(&c), "stored",
				    res.outcome == CASELOAD_STORED, "refused",
				    res.outcome == CASELOAD_REFUSED, "failed",
				    res.outcome == CASELOAD_FAILED);
		if (p->data)
			add_lists(p->data, &res);
		unsigned status = res.outcome == CASELOAD_STORED    ? 200
				  : res.outcome == CASELOAD_REFUSED ? 422
								    : 500;
		page_render(p, status, "import",
			    res.outcome == CASELOAD_STORED ? "Caseload imported"
							   : "Import a caseload");
	}
	caseload_result_free(&res);
	/* A caseload's rows took megabytes: given back, not kept by this
	 * thread's heap. */
	malloc_trim(0);
}
