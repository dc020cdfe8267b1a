/*
 * fuzz_api.c - libFuzzer target: whole requests, through the same entry
 * point the server calls (web_dispatch: the API and the pages), over a demo
 * database of the run's own, signed in as any role.
 *
 * An input is text:
 *
 *   WHO METHOD TARGET          who: admin manager advocate clinician
 *   Header: value              analyst anon; target: path?query
 *   ...
 *   (empty line)
 *   body
 *
 * In the target, headers and body, $S is a survivor's id, $A an
 * appointment of theirs, $O the advocate's organisation, $H the clinician's
 * (a health organisation), $U the advocate's id, $K a cursor the API gave
 * the advocate, $C the signed-in role's session cookie (wm_session=...) and
 * $F its forms' CSRF token, so that inputs reach past the checks they guard.
 * Each input gets a fresh session of its role.
 *
 * This covers, with the real router, percent-decoding, query parameters,
 * sealed cursors, every resource's body and validation, the store's SQL,
 * the pages' session cookie, CSRF, Origin and Accept handling and their
 * forms. Invariants: no answer is a 500; an API answer is JSON, and an
 * error is in the spec's shape; no answer repeats the bearer token; an
 * error's message never repeats a value that was sent (a marker, MARK).
 *
 * The requests are inner requests (http_inner_new) of a root request that
 * came from no connection: the two libmicrohttpd calls such a root reaches
 * are answered here (the headers of the input; no TLS).
 */
#define _GNU_SOURCE /* memmem */
#include <ctype.h>
#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "api/call.h"
#include "cmd/cmd.h"
#include "domain/date.h"
#include "fuzz.h"
#include "http/http.h"
#include "store/store.h"
#include "util/text.h"
#include "web/session.h"
#include "web/web.h"

#define MARK	    "Zq7Mark"
#define MAX_HEADERS 16
#define MAX_PARAMS  32

/* ---- the root request's headers, answered in place of libmicrohttpd ---- */

static struct {
	const char *name[MAX_HEADERS], *value[MAX_HEADERS];
	int n;
} hdrs;

const char *MHD_lookup_connection_value(struct MHD_Connection *connection, enum MHD_ValueKind kind,
					const char *key)
{
	FUZZ_CHECK(connection == NULL); /* no real connection in this process */
	if (kind != MHD_HEADER_KIND)
		return NULL;
	for (int i = 0; i < hdrs.n; i++)
		if (strcasecmp(hdrs.name[i], key) == 0)
			return hdrs.value[i];
	return NULL;
}

const union MHD_ConnectionInfo *MHD_get_connection_info(struct MHD_Connection *connection,
							enum MHD_ConnectionInfoType info_type, ...)
{
	(void)info_type;
	FUZZ_CHECK(connection == NULL);
	return NULL;
}

/* ---- the run's database and sessions ---- */

static const char *const roles[] = {"admin", "manager", "advocate", "clinician", "analyst"};
#define NROLES (sizeof roles / sizeof roles[0])

static struct {
	char dir[300], db[340];
	struct keyring *keys;
	struct store *st;
	struct app app;
	struct http_req *root;
	char survivor[STORE_ID_LEN], appointment[STORE_ID_LEN], org[STORE_ID_LEN],
	    advocate[STORE_ID_LEN], health[STORE_ID_LEN];
	char cursor[128];
} env;

/* A fresh session of role i: its token; "" when the account cannot sign in
 * now (an earlier input disabled it or changed its password). */
static void session_of(size_t i, char token[SECRET_TOKEN_LEN])
{
	struct store_user u;
	unsigned char digest[SECRET_DIGEST];
	token[0] = '\0';
	if (store_user_by_name(env.st, roles[i], &u) != WM_OK)
		return;
	char t[SECRET_TOKEN_LEN];
	secret_new_token(t, digest);
	int64_t now = (int64_t)time(NULL);
	if (store_session_create(env.st, digest, sizeof digest, u.id, u.version, now, now + 3600) ==
	    WM_OK)
		memcpy(token, t, sizeof t);
}

/* Waiting for a held answer (its read-audit entries committed). */
static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static bool done_flag;

static void on_done(struct http_req *r, void *arg)
{
	(void)r;
	(void)arg;
	pthread_mutex_lock(&done_lock);
	done_flag = true;
	pthread_cond_signal(&done_cond);
	pthread_mutex_unlock(&done_lock);
}

/* Runs one request to its answer; false when it was deferred (a password
 * check, dropped here: Argon2id is too slow to fuzz) and has none. */
static bool run(struct http_req *in)
{
	web_dispatch(in, &env.app);
	if (http_inner_deferred(in)) {
		http_inner_run_deferred(in, false);
		return false;
	}
	if (http_inner_held(in)) {
		pthread_mutex_lock(&done_lock);
		done_flag = false;
		pthread_mutex_unlock(&done_lock);
		http_inner_release(in, on_done, NULL);
		pthread_mutex_lock(&done_lock);
		while (!done_flag)
			pthread_cond_wait(&done_cond, &done_lock);
		pthread_mutex_unlock(&done_lock);
	}
	return true;
}

/* The JSON answer of GET path as roles[role], or NULL. */
static json_t *get_json(size_t role, const char *path, const char *const *params)
{
	char token[SECRET_TOKEN_LEN];
	session_of(role, token);
	struct http_req *in = http_inner_new(env.root, "GET", path, params, token, NULL, 0);
	FUZZ_CHECK(in != NULL);
	json_t *j = NULL;
	if (run(in) && http_inner_status(in) == 200) {
		size_t len;
		const char *a = http_inner_answer(in, &len);
		j = json_loadb(a, len, 0, NULL);
	}
	http_inner_free(in);
	return j;
}

static void copy_id(char *out, const json_t *obj, const char *key)
{
	const char *v = json_string_value(json_object_get(obj, key));
	snprintf(out, STORE_ID_LEN, "%s", v ? v : "0");
}

static void setup(void)
{
	char msg[256];
	FUZZ_CHECK(text_init() && secret_init() && date_zone_use("Europe/London"));
	FUZZ_CHECK(web_init(msg, sizeof msg));
	snprintf(env.dir, sizeof env.dir, "%s", fuzz_tempdir());
	snprintf(env.db, sizeof env.db, "%s/demo.db", env.dir);
	char *argv[] = {"demo", "--db", env.db, NULL};
	FUZZ_CHECK(cmd_demo(3, argv) == 0);
	char key[360];
	snprintf(key, sizeof key, "%s.key", env.db);
	FUZZ_CHECK(keyring_load(key, &env.keys, msg, sizeof msg) == WM_OK);
	FUZZ_CHECK(store_open(env.db, env.keys, STORE_OPEN, 2, &env.st, msg, sizeof msg) == WM_OK);
	env.app = (struct app){.store = env.st, .keys = env.keys, .session_ttl = 3600};
	/* A root that came from no connection: zeroed, as large as any
	 * struct http_req could be. */
	static _Alignas(max_align_t) unsigned char root[1 << 16];
	env.root = (struct http_req *)root;

	const char *const one[] = {"limit", "1", NULL};
	json_t *list = get_json(2, "/api/v1/survivors", one);
	FUZZ_CHECK(list != NULL);
	copy_id(env.survivor, json_array_get(json_object_get(list, "items"), 0), "id");
	snprintf(env.cursor, sizeof env.cursor, "%s",
		 json_string_value(json_object_get(list, "next_cursor"))
		     ? json_string_value(json_object_get(list, "next_cursor"))
		     : "");
	json_decref(list);
	json_t *me = get_json(2, "/api/v1/me", NULL);
	FUZZ_CHECK(me != NULL);
	copy_id(env.advocate, me, "id");
	copy_id(env.org, me, "org_id");
	json_decref(me);
	me = get_json(3, "/api/v1/me", NULL);
	FUZZ_CHECK(me != NULL);
	copy_id(env.health, me, "org_id");
	json_decref(me);
	char path[128];
	snprintf(path, sizeof path, "/api/v1/survivors/%s/appointments", env.survivor);
	json_t *apps = get_json(2, path, NULL);
	copy_id(env.appointment, json_array_get(json_object_get(apps, "items"), 0), "id");
	json_decref(apps);
}

static void cleanup(void)
{
	if (!env.st)
		return;
	store_close(env.st);
	keyring_free(env.keys);
	const char *const ext[] = {"", "-wal", "-shm", ".key"};
	for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
		char f[360];
		snprintf(f, sizeof f, "%s%s", env.db, ext[i]);
		unlink(f);
	}
	rmdir(env.dir);
}

/* ---- one input ---- */

/* s with every $X replaced from subs (X -> text); a new string. */
static char *expand(const char *s, size_t len, const char *const subs[128])
{
	size_t cap = len + 1;
	for (size_t i = 0; i + 1 < len; i++)
		if (s[i] == '$' && (unsigned char)s[i + 1] < 128 && subs[(unsigned char)s[i + 1]])
			cap += strlen(subs[(unsigned char)s[i + 1]]);
	char *out = malloc(cap);
	FUZZ_CHECK(out != NULL);
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		const char *sub = i + 1 < len && s[i] == '$' && (unsigned char)s[i + 1] < 128
				      ? subs[(unsigned char)s[i + 1]]
				      : NULL;
		if (sub) {
			memcpy(out + o, sub, strlen(sub));
			o += strlen(sub);
			i++;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return out;
}

/* Percent-decodes a query name or value in place, as libmicrohttpd does
 * ('+' is a space; a bad escape stays as it is; a NUL ends it). */
static void unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (*r == '+') {
			*w++ = ' ';
		} else if (r[0] == '%' && isxdigit((unsigned char)r[1]) &&
			   isxdigit((unsigned char)r[2])) {
			char hex[3] = {r[1], r[2], 0};
			*w++ = (char)strtol(hex, NULL, 16);
			r += 2;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

/* Checks the answer of an API request (JSON, error shape, nothing echoed). */
static void check_answer(struct http_req *in, bool api, const char *token, const char *body)
{
	unsigned status = http_inner_status(in);
	FUZZ_CHECK(status >= 200 && status <= 599);
	FUZZ_CHECK(status != 500);
	size_t len;
	const char *a = http_inner_answer(in, &len);
	if (token[0])
		FUZZ_CHECK(!memmem(a, len, token, strlen(token)));
	if (!api || len == 0)
		return;
	/* The report's CSV is the one API answer that is not JSON. */
	if (status < 300 && len > 0 && a[0] != '{' && a[0] != '[' && strstr(http_path(in), ".csv"))
		return;
	json_error_t jerr;
	json_t *j = json_loadb(a, len, 0, &jerr);
	FUZZ_CHECK(j != NULL);
	if (status >= 400) {
		json_t *e = json_object_get(j, "error");
		const char *msg = json_string_value(json_object_get(e, "message"));
		FUZZ_CHECK(json_is_string(json_object_get(e, "code")) && msg);
		/* A value sent is never repeated (a marker sent as a field's
		 * name may be: the field is named). */
		if (strstr(body, MARK) && !strstr(body, MARK "\""))
			FUZZ_CHECK(!strstr(msg, MARK));
	}
	json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!env.st) {
		setup();
		atexit(cleanup);
	}
	/* The first line; then headers up to an empty line; then the body. */
	const char *text = (const char *)data, *end = text + size;
	const char *nl = memchr(text, '\n', size);
	if (!nl)
		return 0;
	char line[1024];
	size_t llen = (size_t)(nl - text);
	if (llen >= sizeof line || memchr(text, '\0', llen))
		return 0;
	memcpy(line, text, llen);
	line[llen] = '\0';
	char who[16], method[16], *target = NULL;
	int used = 0;
	if (sscanf(line, "%15s %15s %n", who, method, &used) != 2 || !line[used])
		return 0;
	target = line + used;

	size_t role = NROLES;
	for (size_t i = 0; i < NROLES; i++)
		if (strcmp(who, roles[i]) == 0)
			role = i;
	char token[SECRET_TOKEN_LEN] = "", cookie[WEB_COOKIE_TEXT + 16] = "",
	     csrf[WEB_CSRF_TEXT] = "";
	if (role < NROLES)
		session_of(role, token);
	if (token[0]) {
		char sealed[WEB_COOKIE_TEXT];
		FUZZ_CHECK(web_cookie_seal(env.keys, token, (int64_t)time(NULL), sealed));
		snprintf(cookie, sizeof cookie, "wm_session=%s", sealed);
		web_csrf_token(env.keys, token, csrf);
	}
	const char *subs[128] = {0};
	subs['S'] = env.survivor;
	subs['A'] = env.appointment;
	subs['O'] = env.org;
	subs['H'] = env.health;
	subs['U'] = env.advocate;
	subs['K'] = env.cursor;
	subs['C'] = cookie;
	subs['F'] = csrf;

	/* Headers (NUL-free lines) up to an empty line. */
	char *owned[MAX_HEADERS] = {0};
	hdrs.n = 0;
	const char *p = nl + 1;
	while (p < end) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		size_t n = e ? (size_t)(e - p) : (size_t)(end - p);
		if (n == 0) {
			p++;
			break;
		}
		const char *colon = memchr(p, ':', n);
		if (colon && hdrs.n < MAX_HEADERS && !memchr(p, '\0', n)) {
			char *h = expand(p, n, subs);
			char *c = h + (colon - p);
			*c++ = '\0';
			while (*c == ' ')
				c++;
			owned[hdrs.n] = h;
			hdrs.name[hdrs.n] = h;
			hdrs.value[hdrs.n++] = c;
		}
		p = e ? e + 1 : end;
	}
	char *body = expand(p, (size_t)(end - p), subs);
	size_t blen = strlen(body); /* a NUL ends a body as a C string would */

	/* The target: the path, then the query as decoded names and values. */
	char *t = expand(target, strlen(target), subs);
	const char *params[2 * MAX_PARAMS + 1];
	int np = 0;
	char *q = strchr(t, '?');
	if (q) {
		*q++ = '\0';
		for (char *save = NULL, *kv = strtok_r(q, "&", &save); kv && np < 2 * MAX_PARAMS;
		     kv = strtok_r(NULL, "&", &save)) {
			char *eq = strchr(kv, '=');
			if (eq)
				*eq++ = '\0';
			unescape(kv);
			if (eq)
				unescape(eq);
			params[np++] = kv;
			params[np++] = eq ? eq : "";
		}
	}
	params[np] = NULL;

	bool api = strncmp(t, "/api/", 5) == 0 || strcmp(t, "/healthz") == 0;
	char *b = malloc(blen + 1);
	FUZZ_CHECK(b != NULL);
	memcpy(b, body, blen + 1);
	struct http_req *in = http_inner_new(env.root, method, t[0] ? t : "/", params,
					     api && token[0] ? token : NULL, b, blen);
	FUZZ_CHECK(in != NULL);
	if (run(in)) {
		if (getenv("FUZZ_TRACE")) { /* FUZZ_TRACE=1: what each input got */
			size_t alen;
			const char *a = http_inner_answer(in, &alen);
			fprintf(stderr, "%s %s %s -> %u %.160s\n", who, method, t,
				http_inner_status(in), a);
		}
		check_answer(in, api, token, body);
	}
	http_inner_free(in);
	free(t);
	free(body);
	for (int i = 0; i < hdrs.n; i++)
		free(owned[i]);
	hdrs.n = 0;
	return 0;
}
