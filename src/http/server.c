/*
 * server.c - libmicrohttpd glue: request lifecycle, the HTTP edge rules
 * (framing, raw paths, JSON bodies), body limit, rate limit, connection
 * limits and deadlines, the real client behind a trusted proxy, security
 * headers, the one log line per request, and graceful stop.
 *
 * What happens to a request, in order:
 *  1. The request line arrives: on_uri() keeps the raw target, before the
 *     library percent-decodes it (the router matches the raw path).
 *  2. The headers have arrived: the first call of on_request() checks the
 *     framing (RFC 9112 section 6), the raw target, the media type and the
 *     declared size, and answers at once when one is wrong.
 *  3. The body arrives (append_body), capped at HTTP_BODY_MAX.
 *  4. The last call: rate limit, then the handler; its answer goes out,
 *     or waits while the connection is suspended (http_hold, http_defer).
 * A reaper thread closes connections whose headers or body are late.
 */
#define _GNU_SOURCE /* RTLD_NEXT */
#include "http.h"

#include <arpa/inet.h>
#include <assert.h>
#include <dlfcn.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../util/buf.h"
#include "../util/jsonw.h"
#include "../util/log.h"
#include "netaddr.h"
#include "ratelimit.h"
#include "workers.h"

#define MAX_EXTRA_HEADERS 8
#define INNER_AUTH_MAX	  64

/* Every answer carries these, error answers included. */
static const char *const std_headers[][2] = {
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "no-referrer"},
    {"X-Frame-Options", "DENY"},
};
#define N_STD_HEADERS (sizeof std_headers / sizeof std_headers[0])

/* And these, by what the answer is. A page may load the styles, scripts,
 * fonts and images of its own origin and nothing else: no inline script or
 * style, no frame, forms posted back to us alone. */
static const char *const kind_csp[] = {
    [HTTP_KIND_API] = "default-src 'none'; frame-ancestors 'none'",
    [HTTP_KIND_PAGE] = "default-src 'none'; script-src 'self'; style-src 'self'; "
		       "img-src 'self'; font-src 'self'; connect-src 'self'; form-action "
		       "'self'; base-uri 'none'; frame-ancestors 'none'",
    [HTTP_KIND_ASSET] = "default-src 'none'; frame-ancestors 'none'",
};
static const char *const kind_cache[] = {
    [HTTP_KIND_API] = "no-store",
    [HTTP_KIND_PAGE] = "no-store",
    /* The design system's files change only with a new release. */
    [HTTP_KIND_ASSET] = "public, max-age=86400",
};

struct header {
	char name[32];
	char value[256]; /* a Set-Cookie with its attributes */
};

/* Where a connection is in its current request, for the deadlines. */
enum phase {
	PHASE_HEAD,   /* waiting for a request line and headers */
	PHASE_BODY,   /* headers in, body arriving */
	PHASE_UPLOAD, /* headers in, a file arriving (UPLOAD_TIMEOUT_TIMES the body's time) */
	PHASE_ANSWER, /* request complete: ours to answer, no deadline */
};

/* A file from a page may be megabytes over a slow line: its body has this
 * many times the time of another. */
#define UPLOAD_TIMEOUT_TIMES 4

/* One TCP connection (libmicrohttpd's "socket context"). */
struct conn {
	int fd;
	struct netaddr peer;
	bool peer_trusted; /* a trusted proxy */
	bool counted;	   /* in the per-address count (see on_accept) */
	enum phase phase;
	double since;	     /* when the phase began, seconds, monotonic */
	bool shed;	     /* closed by the reaper */
	unsigned lib_status; /* an error the library raised, answered by us */
	struct conn *prev, *next;
};

struct http_req {
	struct MHD_Connection *conn;
	struct conn *cn; /* NULL if it could not be tracked */
	char *target;	 /* the raw request target, as sent */
	char *path;	 /* its path part, still percent-encoded */
	const char *method;
	bool seen; /* the headers have been checked (first call done) */
	char *body;
	size_t body_len, body_cap;
	size_t drained; /* bytes of an over-limit body dropped so far */
	bool too_large;
	bool upload;	 /* a multipart body on an upload path: HTTP_UPLOAD_MAX */
	int upload_slot; /* 1 + its index in srv->upload_from (a body over HTTP_BODY_MAX); 0: none
			  */
	bool drop_body;	 /* refused at the headers: read and drop the body */
	bool answered;
	bool headers_overflow; /* http_add_header was called once too often (a bug) */
	bool queued;	       /* the response has been handed to libmicrohttpd */
	bool close;	       /* close the connection after the answer */
	bool proxied_counted;  /* in srv->proxied (requests per real client) */
	struct timespec started;
	struct netaddr client;
	char client_ip[NETADDR_TEXT];
	const char *route;
	unsigned status;
	const char *ctype;
	char *resp;
	size_t resp_len;
	/* Added headers: MAX_EXTRA_HEADERS of room, allocated by the first,
	 * so that a request without any stays small (one allocation from the
	 * thread's cache, not a search of the heap). */
	int nheaders;
	struct header *headers;
	/* Deferred work (http_defer): run elsewhere while the connection is
	 * suspended; the answer is sent when it resumes. */
	void (*defer_fn)(struct http_req *r, void *arg);
	void (*defer_drop)(void *arg);
	void *defer_arg;
	char defer_key[WORKERS_KEY_MAX];
	void (*hold_start)(struct http_req *r, void *arg);
	void (*hold_release)(void *arg); /* on this thread, when the request ends */
	void *hold_arg;
	bool suspended;
	atomic_bool defer_done;
	enum http_kind kind;
	/* An inner request (http_inner_new): made by a handler, answered by
	 * another, never on the wire. */
	struct http_req *outer;
	const char *const *params; /* name, value, ..., NULL */
	char auth[INNER_AUTH_MAX]; /* "Bearer TOKEN" */
	void (*on_resume)(struct http_req *r, void *arg);
	void *resume_arg;
};

/* Counts per address (connections, or requests in progress), in a small
 * chained hash table under the server's conns_lock. Entries exist only
 * while their count is above zero, so the table never holds more than
 * there are connections. */
#define COUNT_BUCKETS 1024
struct count {
	struct netaddr addr;
	unsigned n;
	struct count *next;
};
struct counts {
	unsigned char key[crypto_shorthash_KEYBYTES];
	struct count *buckets[COUNT_BUCKETS];
};

struct http_server {
	struct MHD_Daemon *daemon;
	http_handler handler;
	void *app;
	struct ratelimit *limiter;
	struct workers *slow;
	atomic_int in_flight;
	/* Limits (seconds, counts), the defaults filled in. */
	double header_timeout, body_timeout;
	unsigned max_conns, per_client;
	struct netmask *trusted;
	size_t ntrusted;
	const char *const *upload_paths;
	/* Who sends each body over HTTP_BODY_MAX being read (under conns_lock):
	 * HTTP_UPLOADS_AT_ONCE at most, one per client. */
	struct netaddr upload_from[HTTP_UPLOADS_AT_ONCE];
	bool upload_used[HTTP_UPLOADS_AT_ONCE];
	/* Connections, for the reaper; counts per address. */
	pthread_mutex_t conns_lock;
	struct conn *conns;
	struct counts peers;   /* connections per peer address */
	struct counts proxied; /* requests in progress per client behind a proxy */
	pthread_t reaper;
	bool reaper_running;
	pthread_cond_t reaper_wake;
	bool stopping;
};

/* libmicrohttpd's own MHD_queue_response (see the end of this file). */
static enum MHD_Result (*queue_real)(struct MHD_Connection *, unsigned int, struct MHD_Response *);

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- counts per address ---- */

static struct count **count_slot(struct counts *c, const struct netaddr *a)
{
	uint64_t h;
	crypto_shorthash((unsigned char *)&h, a->b, sizeof a->b, c->key);
	struct count **p = &c->buckets[h % COUNT_BUCKETS];
	while (*p && memcmp(&(*p)->addr, a, sizeof *a) != 0)
		p = &(*p)->next;
	return p;
}

static unsigned count_get(struct counts *c, const struct netaddr *a)
{
	struct count *e = *count_slot(c, a);
	return e ? e->n : 0;
}

/* Adds one (false when out of memory), or takes one away. */
static bool count_add(struct counts *c, const struct netaddr *a, int delta)
{
	struct count **p = count_slot(c, a);
	if (!*p) {
		assert(delta > 0);
		struct count *e = calloc(1, sizeof *e);
		if (!e)
			return false;
		e->addr = *a;
		*p = e;
	}
	struct count *e = *p;
	if (delta > 0) {
		e->n++;
	} else {
		assert(e->n > 0);
		if (--e->n == 0) {
			*p = e->next;
			free(e);
		}
	}
	return true;
}

static void counts_free(struct counts *c)
{
	for (size_t i = 0; i < COUNT_BUCKETS; i++)
		while (c->buckets[i]) {
			struct count *e = c->buckets[i];
			c->buckets[i] = e->next;
			free(e);
		}
}

/* ---- request accessors ---- */

static void body_free(char *body, size_t cap)
{
	if (body)
		sodium_memzero(body, cap);
	free(body);
}

const char *http_method(const struct http_req *r)
{
	return r->method;
}

const char *http_path(const struct http_req *r)
{
	return r->path;
}

const char *http_query(struct http_req *r, const char *name)
{
	if (r->outer) {
		for (const char *const *p = r->params; p && p[0]; p += 2)
			if (strcmp(p[0], name) == 0)
				return p[1];
		return NULL;
	}
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_header(struct http_req *r, const char *name)
{
	if (r->outer) {
		/* Its own credentials and JSON body; the rest is the outer's. */
		if (strcasecmp(name, "Authorization") == 0)
			return r->auth[0] ? r->auth : NULL;
		if (strcasecmp(name, "Content-Type") == 0)
			return "application/json";
		return http_header(r->outer, name);
	}
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *http_body(const struct http_req *r, size_t *len)
{
	*len = r->body_len;
	return r->body ? r->body : "";
}

bool http_is_multipart(struct http_req *r)
{
	return r->upload && !r->outer;
}

struct multipart {
	bool (*field)(void *ctx, const char *name, const char *filename, const char *data,
		      size_t off, size_t len);
	void *ctx;
	bool stopped;
	size_t pieces; /* a body with no part at all is no multipart body */
};

static enum MHD_Result multipart_piece(void *cls, enum MHD_ValueKind kind, const char *key,
				       const char *filename, const char *content_type,
				       const char *transfer_encoding, const char *data,
				       uint64_t off, size_t size)
{
	(void)kind;
	(void)content_type;
	(void)transfer_encoding;
	struct multipart *m = cls;
	m->pieces++;
	if (!key || off > SIZE_MAX || !m->field(m->ctx, key, filename, data, (size_t)off, size)) {
		m->stopped = true;
		return MHD_NO;
	}
	return MHD_YES;
}

bool http_multipart(struct http_req *r,
		    bool (*field)(void *ctx, const char *name, const char *filename,
				  const char *data, size_t off, size_t len),
		    void *ctx)
{
	if (!http_is_multipart(r) || !r->conn)
		return false;
	struct multipart m = {field, ctx, false, 0};
	struct MHD_PostProcessor *pp =
	    MHD_create_post_processor(r->conn, 4096, multipart_piece, &m);
	if (!pp)
		return false; /* no boundary, or not multipart */
	bool ok = MHD_post_process(pp, r->body ? r->body : "", r->body_len) == MHD_YES;
	/* MHD_NO here: the body ended before its closing boundary. */
	ok = MHD_destroy_post_processor(pp) == MHD_YES && ok;
	return ok && !m.stopped && m.pieces > 0;
}

void http_body_wipe(struct http_req *r)
{
	if (r->body)
		sodium_memzero(r->body, r->body_cap);
	r->body_len = 0;
}

const char *http_client_ip(const struct http_req *r)
{
	return r->client_ip;
}

void http_set_route(struct http_req *r, const char *pattern)
{
	r->route = pattern;
}

/* ---- responses ---- */

void http_respond(struct http_req *r, unsigned status, const char *ctype, char *body, size_t len)
{
	free(r->resp);
	r->status = status;
	r->ctype = ctype;
	r->resp = body;
	r->resp_len = len;
	r->answered = true;
}

void http_respond_json(struct http_req *r, unsigned status, json_t *j)
{
	struct buf b = BUF_INIT;
	size_t len = 0;
	char *text = jsonw_value(&b, j) ? buf_take(&b, &len) : NULL;
	buf_free(&b);
	json_decref(j);
	if (!text) {
		static const char oom[] =
		    "{\"error\":{\"code\":\"internal\",\"message\":\"internal error\"}}";
		char *copy = strdup(oom);
		http_respond(r, 500, "application/json", copy, copy ? strlen(copy) : 0);
		return;
	}
	http_respond(r, status, "application/json", text, len);
}

void http_error(struct http_req *r, unsigned status, const char *code, const char *message,
		const char *field)
{
	json_t *err = json_pack("{s:s, s:s}", "code", code, "message", message);
	if (err && field && field[0])
		json_object_set_new(err, "field", json_string(field));
	http_respond_json(r, status, err ? json_pack("{s:o}", "error", err) : NULL);
}

void http_defer(struct http_req *r, const char *key, void (*fn)(struct http_req *r, void *arg),
		void (*fn_drop)(void *arg), void *arg)
{
	r->defer_fn = fn;
	r->defer_drop = fn_drop;
	r->defer_arg = arg;
	snprintf(r->defer_key, sizeof r->defer_key, "%s", key ? key : "");
}

void http_hold(struct http_req *r, void (*start)(struct http_req *r, void *arg),
	       void (*release)(void *arg), void *arg)
{
	r->hold_start = start;
	r->hold_release = release;
	r->hold_arg = arg;
}

/* The hold's argument goes back on the thread that made it: freed on the
 * writer's thread, it would go into that thread's malloc cache and, past
 * it, lock the connection thread's arena against its own requests. */
static void hold_end(struct http_req *r)
{
	if (r->hold_release)
		r->hold_release(r->hold_arg);
	r->hold_release = NULL;
	r->hold_arg = NULL;
}

void http_resume(struct http_req *r)
{
	atomic_store(&r->defer_done, true);
	if (r->outer) {
		if (r->on_resume)
			r->on_resume(r, r->resume_arg);
		return;
	}
	MHD_resume_connection(r->conn);
}

void http_set_kind(struct http_req *r, enum http_kind kind)
{
	r->kind = kind;
}

bool http_is_tls(struct http_req *r)
{
	if (r->outer)
		return http_is_tls(r->outer);
	/* Behind a trusted proxy, its word (the connection is plain). */
	if (r->cn && r->cn->peer_trusted) {
		const char *p =
		    MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Forwarded-Proto");
		return p && strcasecmp(p, "https") == 0;
	}
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_PROTOCOL);
	return ci && ci->protocol != 0;
}

/* ---- inner requests ---- */

struct http_req *http_inner_new(struct http_req *outer, const char *method, const char *path,
				const char *const *params, const char *token, char *body,
				size_t len)
{
	struct http_req *r = calloc(1, sizeof *r);
	if (!r || !(r->path = strdup(path))) {
		free(r);
		body_free(body, len + 1);
		return NULL;
	}
	r->outer = outer;
	r->method = method;
	r->params = params;
	r->seen = true;
	if (token)
		snprintf(r->auth, sizeof r->auth, "Bearer %s", token);
	r->body = body;
	r->body_len = len;
	r->body_cap = body ? len + 1 : 0;
	r->client = outer->client;
	memcpy(r->client_ip, outer->client_ip, sizeof r->client_ip);
	return r;
}

unsigned http_inner_status(const struct http_req *r)
{
	return r->answered ? r->status : 500;
}

const char *http_inner_answer(const struct http_req *r, size_t *len)
{
	*len = r->answered ? r->resp_len : 0;
	return r->answered && r->resp ? r->resp : "";
}

const char *http_inner_answer_header(const struct http_req *r, const char *name)
{
	for (int i = 0; i < r->nheaders; i++)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

bool http_inner_held(const struct http_req *r)
{
	return r->hold_start != NULL;
}

void http_inner_release(struct http_req *r, void (*done)(struct http_req *r, void *arg), void *arg)
{
	assert(r->outer && r->hold_start);
	r->on_resume = done;
	r->resume_arg = arg;
	void (*start)(struct http_req *, void *) = r->hold_start;
	r->hold_start = NULL;
	start(r, r->hold_arg);
}

bool http_inner_deferred(const struct http_req *r)
{
	return r->defer_fn != NULL;
}

void http_inner_run_deferred(struct http_req *r, bool run)
{
	assert(r->outer && r->defer_fn);
	void (*fn)(struct http_req *, void *) = r->defer_fn;
	r->defer_fn = NULL;
	if (run)
		fn(r, r->defer_arg);
	else
		r->defer_drop(r->defer_arg);
	sodium_memzero(r->defer_key, sizeof r->defer_key);
}

const char *http_inner_defer_key(const struct http_req *r)
{
	return r->defer_key;
}

/* A Set-Cookie header holds a session's token: overwritten before it goes. */
static void headers_free(struct http_req *r)
{
	if (!r->headers)
		return;
	sodium_memzero(r->headers, MAX_EXTRA_HEADERS * sizeof *r->headers);
	free(r->headers);
	r->headers = NULL;
}

void http_inner_free(struct http_req *r)
{
	if (!r)
		return;
	assert(!r->hold_start && !r->defer_fn);
	hold_end(r);
	headers_free(r);
	free(r->path);
	body_free(r->body, r->body_cap);
	free(r->resp);
	free(r);
}

/* On a slow worker: the deferred work, then wake the connection. */
static void run_deferred(void *arg)
{
	struct http_req *r = arg;
	r->defer_fn(r, r->defer_arg);
	http_resume(r);
}

void http_add_header(struct http_req *r, const char *name, const char *value)
{
	/* Our own code adds a handful of short headers (Allow, Retry-After,
	 * Keep-Alive); more, or longer, is a bug to see, not to hide. */
	assert(r->nheaders < MAX_EXTRA_HEADERS);
	assert(strlen(name) < sizeof r->headers[0].name);
	assert(strlen(value) < sizeof r->headers[0].value);
	if (r->nheaders == MAX_EXTRA_HEADERS) {
		log_internal_error("too many response headers");
		r->headers_overflow = true;
		return;
	}
	if (!r->headers && !(r->headers = calloc(MAX_EXTRA_HEADERS, sizeof *r->headers))) {
		r->headers_overflow = true; /* out of memory: answered 500 */
		return;
	}
	struct header *h = &r->headers[r->nheaders++];
	snprintf(h->name, sizeof h->name, "%s", name);
	snprintf(h->value, sizeof h->value, "%s", value);
}

/* Frees a request body, overwriting it first: it may hold a password or a
 * person's details. */
/* ---- lifecycle ---- */

/* Bytes of an over-limit body read and dropped before the connection is
 * closed instead: enough for a client to read its 413, not a sink to
 * stream into for ever. */
#define DRAIN_MAX (8 * HTTP_BODY_MAX)

static bool append_body(struct http_req *r, const char *data, size_t len)
{
	if (r->too_large || r->drop_body) {
		r->drained += len;
		return r->drained <= DRAIN_MAX;
	}
	if (r->body_len + len > (r->upload ? HTTP_UPLOAD_MAX : HTTP_BODY_MAX)) {
		r->too_large = true;
		body_free(r->body, r->body_cap);
		r->body = NULL;
		r->body_len = r->body_cap = 0;
		return true;
	}
	if (r->body_len + len + 1 > r->body_cap) {
		size_t cap = r->body_cap ? r->body_cap : 4096;
		while (cap < r->body_len + len + 1)
			cap *= 2;
		size_t most = (r->upload ? HTTP_UPLOAD_MAX : HTTP_BODY_MAX) + 1;
		if (cap > most)
			cap = most;
		/* Not realloc: the old block is wiped before it is freed. */
		char *nb = malloc(cap);
		if (!nb)
			return false;
		if (r->body_len)
			memcpy(nb, r->body, r->body_len);
		body_free(r->body, r->body_cap);
		r->body = nb;
		r->body_cap = cap;
	}
	memcpy(r->body + r->body_len, data, len);
	r->body_len += len;
	r->body[r->body_len] = '\0';
	return true;
}

static enum MHD_Result send_response(struct http_server *srv, struct http_req *r)
{
	if (!r->answered || r->headers_overflow) {
		/* Never an answer short of what the handler meant to send. */
		r->nheaders = 0;
		r->headers_overflow = false;
		http_error(r, 500, "internal", "internal error", NULL);
	}
	/* Never MHD_create_response_from_buffer: see the end of the file. */
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer_with_free_callback(r->resp_len, r->resp, free);
	if (!resp)
		return MHD_NO;
	r->resp = NULL; /* now the response's */
	if (r->ctype)
		MHD_add_response_header(resp, "Content-Type", r->ctype);
	for (size_t i = 0; i < N_STD_HEADERS; i++)
		MHD_add_response_header(resp, std_headers[i][0], std_headers[i][1]);
	MHD_add_response_header(resp, "Content-Security-Policy", kind_csp[r->kind]);
	MHD_add_response_header(resp, "Cache-Control", kind_cache[r->kind]);
	for (int i = 0; i < r->nheaders; i++)
		MHD_add_response_header(resp, r->headers[i].name, r->headers[i].value);
	if (r->close) {
		MHD_add_response_header(resp, "Connection", "close");
	} else {
		/* Tells clients when an idle connection will be closed (the
		 * header deadline runs from this answer), so that they do not
		 * send on it just as it closes. */
		char ka[32];
		snprintf(ka, sizeof ka, "timeout=%u", (unsigned)srv->header_timeout);
		MHD_add_response_header(resp, "Keep-Alive", ka);
	}
	enum MHD_Result ret = queue_real(r->conn, r->status, resp);
	MHD_destroy_response(resp);
	r->queued = ret == MHD_YES;
	return ret;
}

static void set_phase(struct http_server *srv, struct conn *cn, enum phase ph)
{
	if (!cn)
		return;
	pthread_mutex_lock(&srv->conns_lock);
	cn->phase = ph;
	cn->since = now_s();
	pthread_mutex_unlock(&srv->conns_lock);
}

/* Request line in: keeps the raw target. Its return value becomes the
 * request's context (the con_cls of on_request and on_completed). */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct http_server *srv = cls;
	struct http_req *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->target = strdup(uri ? uri : "");
	if (!r->target) {
		free(r);
		return NULL;
	}
	r->path = strndup(r->target, strcspn(r->target, "?"));
	if (!r->path) {
		free(r->target);
		free(r);
		return NULL;
	}
	atomic_fetch_add(&srv->in_flight, 1);
	clock_gettime(CLOCK_MONOTONIC, &r->started);
	r->conn = conn;
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	r->cn = ci ? ci->socket_context : NULL;
	return r;
}

/* What the framing checks need from the headers. */
struct framing {
	unsigned n_cl, n_te, n_ct;
	const char *te, *ct;
	bool bad_name;
	bool want_xff; /* the peer is a trusted proxy */
	char *xff;     /* X-Forwarded-For values, joined by commas (malloc'd) */
	bool xff_oom;  /* could not be kept whole */
};

static bool is_token(const char *s)
{
	if (!s[0])
		return false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      strchr("!#$%&'*+-.^_`|~", c)))
			return false;
	}
	return true;
}

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	(void)kind;
	struct framing *f = cls;
	/* A name must be a token: libmicrohttpd keeps whitespace before the
	 * colon in the name ("Content-Length :"), which would hide the header
	 * from it while another server in front reads it. */
	if (!is_token(key))
		f->bad_name = true;
	if (strcasecmp(key, "Content-Length") == 0) {
		f->n_cl++;
	} else if (strcasecmp(key, "Transfer-Encoding") == 0) {
		f->n_te++;
		f->te = value;
	} else if (strcasecmp(key, "Content-Type") == 0) {
		f->n_ct++;
		f->ct = value;
	} else if (f->want_xff && value && strcasecmp(key, "X-Forwarded-For") == 0) {
		/* All of them, in order: the right end is what counts, and a
		 * client must not push it out by sending a long header. The
		 * library bounds the headers' size. */
		size_t used = f->xff ? strlen(f->xff) : 0, vlen = strlen(value);
		char *grown = realloc(f->xff, used + vlen + 2);
		if (!grown) {
			f->xff_oom = true;
		} else {
			f->xff = grown;
			if (used)
				f->xff[used++] = ',';
			memcpy(f->xff + used, value, vlen + 1);
		}
	}
	return MHD_YES;
}

/* Why the framing is ambiguous (RFC 9112 section 6), or NULL when it is
 * not. Two servers in a row must agree on where a request ends, or bytes
 * of one become another (request smuggling): anything one of them might
 * read otherwise is refused, and the connection closed. */
static const char *framing_error(const struct framing *f, const char *version)
{
	if (f->bad_name)
		return "a header name is not a token (whitespace before its colon?)";
	if (f->n_cl > 1)
		return "more than one Content-Length header";
	if (f->n_te) {
		if (f->n_cl)
			return "both Content-Length and Transfer-Encoding";
		if (f->n_te > 1 || !f->te || strcasecmp(f->te, "chunked") != 0)
			return "Transfer-Encoding other than exactly chunked";
		if (strcmp(version, MHD_HTTP_VERSION_1_0) == 0)
			return "Transfer-Encoding in an HTTP/1.0 request";
	}
	return NULL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The raw target is well-formed: every % starts an escape of two hex
 * digits, none of them %00 (which would cut a C string short wherever it
 * is decoded), and no control characters. */
static bool target_ok(const char *t)
{
	for (const char *p = t; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 || c == 0x7f)
			return false;
		if (c == '%') {
			int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return false;
			p += 2;
		}
	}
	return true;
}

/* Whether a Content-Type is the media type want, with or without
 * parameters ("application/json; charset=utf-8"), in any case. */
static bool is_media(const char *ct, const char *want)
{
	size_t n = strlen(want);
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, want, n) != 0)
		return false;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

/* The bodies a path takes: JSON under /api/ (and anywhere), forms
 * outside it (the web pages), and files on the upload paths. */
static bool media_ok(const char *path, const char *ct, bool upload_path)
{
	if (!ct)
		return false;
	if (is_media(ct, "application/json"))
		return true;
	if (upload_path && is_media(ct, "multipart/form-data"))
		return true;
	return strncmp(path, "/api/", 5) != 0 && strcmp(path, "/api") != 0 &&
	       is_media(ct, "application/x-www-form-urlencoded");
}

static bool is_upload_path(const struct http_server *srv, const char *path)
{
	if (strncmp(path, "/api/", 5) == 0)
		return false;
	for (const char *const *u = srv->upload_paths; u && *u; u++)
		if (strcmp(*u, path) == 0)
			return true;
	return false;
}

/* First call, headers in: who the client is, and the edge rules. */
static enum MHD_Result on_headers(struct http_server *srv, struct http_req *r, const char *method,
				  const char *version)
{
	r->seen = true;
	r->method = method;
	set_phase(srv, r->cn, PHASE_BODY);

	struct netaddr peer;
	memset(&peer, 0, sizeof peer);
	if (r->cn) {
		peer = r->cn->peer;
	} else {
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (ci)
			netaddr_from_sockaddr(ci->client_addr, &peer);
	}
	struct framing f;
	memset(&f, 0, sizeof f);
	f.want_xff = netmask_contains(srv->trusted, srv->ntrusted, &peer);
	MHD_get_connection_values(r->conn, MHD_HEADER_KIND, scan_header, &f);
	r->client = netaddr_client(&peer, f.xff_oom ? NULL : f.xff, srv->trusted, srv->ntrusted);
	free(f.xff);
	netaddr_format(&r->client, r->client_ip);

	const char *why = framing_error(&f, version);
	if (why) {
		r->close = true;
		http_error(r, 400, "bad_request", why, NULL);
		return send_response(srv, r);
	}
	if (!target_ok(r->target)) {
		http_error(r, 400, "bad_request",
			   "the path or query holds a NUL (%00), a bad escape or a control "
			   "character",
			   NULL);
		return send_response(srv, r);
	}
	const char *cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Length");
	const char *expect = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Expect");
	unsigned long long declared = cl ? strtoull(cl, NULL, 10) : 0;
	/* A refused body is read and dropped (up to DRAIN_MAX), so that a
	 * client that sends before it listens still reads its answer; but
	 * when the client waits for our word (Expect: 100-continue) or
	 * declares more than we drain, the answer goes at once, before any
	 * of it is read, and the connection closes. */
	bool now = expect || declared > DRAIN_MAX;
	bool upload_path = is_upload_path(srv, r->path);
	r->upload = upload_path && f.n_ct == 1 && f.ct && is_media(f.ct, "multipart/form-data");
	if (r->upload && declared > HTTP_BODY_MAX && declared <= HTTP_UPLOAD_MAX) {
		/* A large file: one of few read at once, one per client, so
		 * nobody can hold every slot. It alone has the longer time. */
		pthread_mutex_lock(&srv->conns_lock);
		int free_slot = -1;
		bool theirs = false;
		for (int i = 0; i < HTTP_UPLOADS_AT_ONCE; i++) {
			if (!srv->upload_used[i])
				free_slot = free_slot < 0 ? i : free_slot;
			else if (memcmp(&srv->upload_from[i], &r->client, sizeof r->client) == 0)
				theirs = true;
		}
		if (free_slot >= 0 && !theirs) {
			srv->upload_used[free_slot] = true;
			srv->upload_from[free_slot] = r->client;
			r->upload_slot = free_slot + 1;
		}
		pthread_mutex_unlock(&srv->conns_lock);
		if (r->upload_slot) {
			set_phase(srv, r->cn, PHASE_UPLOAD);
		} else {
			r->drop_body = true;
			now = true;
			http_add_header(r, "Retry-After", "5");
			http_error(r, 503, "busy",
				   "too many files are being sent at once; try again shortly",
				   NULL);
		}
	}
	if (r->answered) {
		/* refused above */
	} else if (r->upload && f.n_te) {
		/* A file's size is known before it is sent: browsers say it. */
		r->drop_body = true;
		now = true;
		http_error(r, 411, "length_required", "a file must be sent with a Content-Length",
			   NULL);
	} else if (declared > (r->upload ? HTTP_UPLOAD_MAX : HTTP_BODY_MAX)) {
		r->too_large = true;
		http_error(r, 413, "payload_too_large",
			   r->upload ? "the file is over 16 MiB" : "the request body is over 1 MiB",
			   NULL);
	} else if ((f.n_te || declared > 0) &&
		   (f.n_ct != 1 || !media_ok(r->path, f.ct, upload_path))) {
		/* A body that is not JSON is refused before it is parsed: a
		 * form or text/plain post is what any web page may send
		 * cross-site without a CORS preflight. The pages' own forms
		 * post outside /api/, where each carries its CSRF token. */
		r->drop_body = true;
		http_error(r, 415, "unsupported_media_type",
			   "the body must be JSON, sent as Content-Type: application/json", NULL);
	}
	if (r->answered && now) {
		r->close = true;
		return send_response(srv, r);
	}
	if (r->cn && r->cn->peer_trusted && memcmp(&r->client, &peer, sizeof peer) != 0) {
		/* Through a proxy, the per-address connection limit sees the
		 * proxy: the same limit applies here to the requests each real
		 * client has in progress. */
		pthread_mutex_lock(&srv->conns_lock);
		bool over = count_get(&srv->proxied, &r->client) >= srv->per_client;
		if (!over)
			r->proxied_counted = count_add(&srv->proxied, &r->client, 1);
		pthread_mutex_unlock(&srv->conns_lock);
		if (over) {
			r->close = true;
			http_add_header(r, "Retry-After", "1");
			http_error(r, 429, "rate_limited",
				   "too many requests at once from this client; try again shortly",
				   NULL);
			return send_response(srv, r);
		}
	}
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	(void)url; /* decoded: the raw target from on_uri is used instead */
	struct http_server *srv = cls;
	struct http_req *r = *con_cls;
	if (!r)
		return MHD_NO; /* out of memory in on_uri */
	if (!r->seen)
		return on_headers(srv, r, method, version);
	if (*upload_size) {
		if (!append_body(r, upload, *upload_size))
			return MHD_NO;
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->queued)
		return MHD_YES; /* answered early (413); nothing more to say */
	if (r->suspended) {
		/* Resumed: the deferred work has set the answer. */
		if (!atomic_load(&r->defer_done))
			return MHD_YES;
		return send_response(srv, r);
	}
	set_phase(srv, r->cn, PHASE_ANSWER);
	if (r->answered) {
		/* Refused when the headers came (415, 413); the body is gone. */
	} else if (r->too_large) {
		http_error(r, 413, "payload_too_large",
			   r->upload ? "the file is over 16 MiB" : "the request body is over 1 MiB",
			   NULL);
	} else if (srv->limiter && !ratelimit_take(srv->limiter, &r->client)) {
		http_add_header(r, "Retry-After", "1");
		http_error(r, 429, "rate_limited", "too many requests; try again shortly", NULL);
	} else {
		srv->handler(r, srv->app);
	}
	if (r->hold_start) {
		MHD_suspend_connection(conn);
		r->suspended = true;
		r->hold_start(r, r->hold_arg);
		return MHD_YES;
	}
	if (r->defer_fn) {
		MHD_suspend_connection(conn);
		r->suspended = true;
		bool queued =
		    workers_submit(srv->slow, r->client_ip, r->defer_key, run_deferred, r);
		sodium_memzero(r->defer_key, sizeof r->defer_key);
		if (queued)
			return MHD_YES;
		/* Too much waiting already: answer now instead. */
		r->defer_drop(r->defer_arg);
		http_add_header(r, "Retry-After", "1");
		http_error(r, 429, "rate_limited", "the server is busy; try again shortly", NULL);
		http_resume(r);
		return MHD_YES;
	}
	return send_response(srv, r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)conn;
	(void)toe;
	struct http_server *srv = cls;
	struct http_req *r = *con_cls;
	if (!r)
		return;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	double ms = (double)(now.tv_sec - r->started.tv_sec) * 1e3 +
		    (double)(now.tv_nsec - r->started.tv_nsec) / 1e6;
	unsigned status = r->answered ? r->status : r->cn ? r->cn->lib_status : 0;
	/* The route pattern, never the path: paths carry ids of people. */
	log_request(r->method ? r->method : "-", r->route ? r->route : "-", status, ms);
	if (r->upload_slot) {
		pthread_mutex_lock(&srv->conns_lock);
		srv->upload_used[r->upload_slot - 1] = false;
		pthread_mutex_unlock(&srv->conns_lock);
	}
	if (r->proxied_counted) {
		pthread_mutex_lock(&srv->conns_lock);
		count_add(&srv->proxied, &r->client, -1);
		pthread_mutex_unlock(&srv->conns_lock);
	}
	/* The next request's header deadline runs from this answer. */
	set_phase(srv, r->cn, PHASE_HEAD);
	hold_end(r);
	free(r->target);
	free(r->path);
	body_free(r->body, r->body_cap);
	free(r->resp);
	headers_free(r);
	free(r);
	*con_cls = NULL;
	atomic_fetch_sub(&srv->in_flight, 1);
}

/* ---- connections: limits per address, deadlines ---- */

/* Before a connection is set up: at most per_client at once from one
 * address. Trusted proxies are exempt (they carry many clients; the limit
 * applies per real client to their requests instead, in on_headers). The
 * count is taken here, so that concurrent accepts cannot overshoot, and
 * given back when the connection closes (should the library fail to set
 * the connection up after this, out of memory, the count stays taken: an
 * address can lose a slot that way, never gain one). */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	(void)addrlen;
	struct http_server *srv = cls;
	struct netaddr a;
	if (!netaddr_from_sockaddr(addr, &a))
		return MHD_NO;
	if (netmask_contains(srv->trusted, srv->ntrusted, &a))
		return MHD_YES;
	pthread_mutex_lock(&srv->conns_lock);
	bool ok = count_get(&srv->peers, &a) < srv->per_client && count_add(&srv->peers, &a, 1);
	pthread_mutex_unlock(&srv->conns_lock);
	return ok ? MHD_YES : MHD_NO;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct http_server *srv = cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		struct conn *cn = calloc(1, sizeof *cn);
		const union MHD_ConnectionInfo *fd =
		    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		const union MHD_ConnectionInfo *ca =
		    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		struct netaddr peer;
		if (!ca || !netaddr_from_sockaddr(ca->client_addr, &peer))
			memset(&peer, 0, sizeof peer);
		bool trusted = netmask_contains(srv->trusted, srv->ntrusted, &peer);
		if (!cn || !fd) {
			/* Untracked (no memory): no deadline, but the count
			 * taken in on_accept is given back now. */
			free(cn);
			*socket_context = NULL;
			if (!trusted) {
				pthread_mutex_lock(&srv->conns_lock);
				count_add(&srv->peers, &peer, -1);
				pthread_mutex_unlock(&srv->conns_lock);
			}
			return;
		}
		cn->fd = fd->connect_fd;
		cn->peer = peer;
		cn->peer_trusted = trusted;
		cn->counted = !trusted;
		cn->phase = PHASE_HEAD;
		cn->since = now_s();
		pthread_mutex_lock(&srv->conns_lock);
		cn->next = srv->conns;
		if (srv->conns)
			srv->conns->prev = cn;
		srv->conns = cn;
		pthread_mutex_unlock(&srv->conns_lock);
		*socket_context = cn;
		return;
	}
	struct conn *cn = *socket_context;
	if (!cn)
		return;
	/* Removed before libmicrohttpd closes the descriptor: the reaper,
	 * which works under the same lock, never touches a reused one. */
	pthread_mutex_lock(&srv->conns_lock);
	if (cn->prev)
		cn->prev->next = cn->next;
	else
		srv->conns = cn->next;
	if (cn->next)
		cn->next->prev = cn->prev;
	if (cn->counted)
		count_add(&srv->peers, &cn->peer, -1);
	pthread_mutex_unlock(&srv->conns_lock);
	free(cn);
	*socket_context = NULL;
}

/* A connection at least this old (seconds) may be closed to make room. */
#define SHED_MIN_AGE 1.0

/* The connection to close first under pressure: the one waiting longest
 * for a request (idle, or sending its headers slowly), else the one waiting
 * longest for a body; none younger than SHED_MIN_AGE. */
static struct conn *shed_candidate(struct http_server *srv, double now)
{
	struct conn *best = NULL;
	for (struct conn *cn = srv->conns; cn; cn = cn->next) {
		if (cn->shed || cn->phase == PHASE_ANSWER || now - cn->since < SHED_MIN_AGE)
			continue;
		if (!best || (cn->phase == PHASE_HEAD && best->phase != PHASE_HEAD) ||
		    (cn->phase == best->phase && cn->since < best->since))
			best = cn;
	}
	return best;
}

/* Closes connections whose request line and headers, or body, are late;
 * and, when the connections open come within a tenth of the limit, the
 * ones waiting longest for a request, so that room stays for newcomers
 * (a slow-loris from many addresses then holds each connection for about
 * a second instead of the whole deadline). The lock is held. shutdown()
 * wakes the connection's thread, which sees the end of the stream and
 * closes it as usual. */
static void reap(struct http_server *srv)
{
	double now = now_s();
	unsigned live = 0;
	for (struct conn *cn = srv->conns; cn; cn = cn->next) {
		double limit = cn->phase == PHASE_HEAD	 ? srv->header_timeout
			       : cn->phase == PHASE_BODY ? srv->body_timeout
			       : cn->phase == PHASE_UPLOAD
				   ? srv->body_timeout * UPLOAD_TIMEOUT_TIMES
				   : 0;
		if (limit > 0 && !cn->shed && now - cn->since > limit) {
			shutdown(cn->fd, SHUT_RDWR);
			cn->shed = true;
		}
		live += !cn->shed;
	}
	unsigned reserve = srv->max_conns / 10 ? srv->max_conns / 10 : 1;
	while (live + reserve > srv->max_conns) {
		struct conn *cn = shed_candidate(srv, now);
		if (!cn)
			break;
		shutdown(cn->fd, SHUT_RDWR);
		cn->shed = true;
		live--;
	}
}

static void *reaper_main(void *arg)
{
	struct http_server *srv = arg;
	/* An eighth of the shorter deadline, from 50 to 250 ms. */
	double tick =
	    srv->header_timeout < srv->body_timeout ? srv->header_timeout : srv->body_timeout;
	tick = tick / 8 < 0.05 ? 0.05 : tick / 8 > 0.25 ? 0.25 : tick / 8;
	pthread_mutex_lock(&srv->conns_lock);
	while (!srv->stopping) {
		reap(srv);
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		long ns = until.tv_nsec + (long)(tick * 1e9);
		until.tv_sec += ns / 1000000000L;
		until.tv_nsec = ns % 1000000000L;
		pthread_cond_timedwait(&srv->reaper_wake, &srv->conns_lock, &until);
	}
	pthread_mutex_unlock(&srv->conns_lock);
	return NULL;
}

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	(void)fmt;
	(void)ap;
	/* libmicrohttpd's own messages can quote request lines (and so ids);
	 * they are dropped. Failures surface as statuses in the request log. */
}

static bool parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	const char *colon = strrchr(listen, ':');
	if (!colon || strlen(colon + 1) == 0 || strlen(colon + 1) > 5)
		return false;
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (*end || port < 0 || port > 65535)
		return false;
	size_t hlen = (size_t)(colon - listen);
	if (hlen >= sizeof host)
		return false;
	memcpy(host, listen, hlen);
	host[hlen] = '\0';
	memset(ss, 0, sizeof *ss);
	if (host[0] == '[' && hlen > 2 && host[hlen - 1] == ']') {
		host[hlen - 1] = '\0';
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof *a6;
		return inet_pton(AF_INET6, host + 1, &a6->sin6_addr) == 1;
	}
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	a4->sin_family = AF_INET;
	a4->sin_port = htons((uint16_t)port);
	*len = sizeof *a4;
	if (hlen == 0) {
		a4->sin_addr.s_addr = htonl(INADDR_ANY);
		return true;
	}
	if (strcmp(host, "localhost") == 0)
		return inet_pton(AF_INET, "127.0.0.1", &a4->sin_addr) == 1;
	return inet_pton(AF_INET, host, &a4->sin_addr) == 1;
}

/* Frees what http_server_start set up; the daemon is stopped already. */
static void server_free(struct http_server *srv)
{
	if (srv->reaper_running) {
		pthread_mutex_lock(&srv->conns_lock);
		srv->stopping = true;
		pthread_cond_signal(&srv->reaper_wake);
		pthread_mutex_unlock(&srv->conns_lock);
		pthread_join(srv->reaper, NULL);
	}
	pthread_cond_destroy(&srv->reaper_wake);
	pthread_mutex_destroy(&srv->conns_lock);
	counts_free(&srv->peers);
	counts_free(&srv->proxied);
	ratelimit_free(srv->limiter);
	free(srv->trusted);
	free(srv);
}

/* The limits, defaults filled in; false with msg set on a bad value. */
static bool configure(struct http_server *srv, const struct http_config *cfg, char *msg,
		      size_t msgcap)
{
	srv->header_timeout = cfg->header_timeout ? cfg->header_timeout : HTTP_HEADER_TIMEOUT;
	srv->body_timeout = cfg->body_timeout ? cfg->body_timeout : HTTP_BODY_TIMEOUT;
	srv->max_conns = cfg->max_conns ? cfg->max_conns : HTTP_MAX_CONNS;
	srv->per_client =
	    cfg->max_conns_per_client ? cfg->max_conns_per_client : HTTP_MAX_CONNS_CLIENT;
	if (cfg->ntrusted) {
		srv->trusted = calloc(cfg->ntrusted, sizeof *srv->trusted);
		if (!srv->trusted) {
			snprintf(msg, msgcap, "out of memory");
			return false;
		}
	}
	for (size_t i = 0; i < cfg->ntrusted; i++) {
		if (!netmask_parse(cfg->trusted_proxies[i], &srv->trusted[i])) {
			snprintf(msg, msgcap,
				 "--trusted-proxy takes an address or a range (10.0.0.0/8), "
				 "not '%.64s'",
				 cfg->trusted_proxies[i]);
			return false;
		}
		srv->ntrusted++;
	}
	srv->upload_paths = cfg->upload_paths;
	crypto_shorthash_keygen(srv->peers.key);
	crypto_shorthash_keygen(srv->proxied.key);
	return true;
}

int http_server_start(const struct http_config *cfg, http_handler handler, void *app,
		      struct http_server **out, char *msg, size_t msgcap)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	if (!parse_listen(cfg->listen, &ss, &sslen)) {
		snprintf(msg, msgcap, "--listen must be HOST:PORT, e.g. 127.0.0.1:8080");
		return -1;
	}
	/* The library's error answers are replaced by ours (see the end of
	 * this file); that works only if its calls reach our definition. */
	queue_real =
	    (enum MHD_Result(*)(struct MHD_Connection *, unsigned int, struct MHD_Response *))dlsym(
		RTLD_NEXT, "MHD_queue_response");
	if (!queue_real ||
	    dlsym(RTLD_DEFAULT, "MHD_queue_response") != (void *)MHD_queue_response) {
		snprintf(msg, msgcap,
			 "cannot take over libmicrohttpd's error answers (link it dynamically)");
		return -1;
	}
	if (sodium_init() < 0) {
		snprintf(msg, msgcap, "cannot initialise libsodium");
		return -1;
	}
	struct http_server *srv = calloc(1, sizeof *srv);
	if (!srv)
		return -1;
	pthread_mutex_init(&srv->conns_lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&srv->reaper_wake, &ca);
	pthread_condattr_destroy(&ca);
	srv->handler = handler;
	srv->app = app;
	if (!configure(srv, cfg, msg, msgcap)) {
		server_free(srv);
		return -1;
	}
	if (cfg->rate_limit)
		srv->limiter = ratelimit_new(cfg->rate_limit, 2 * cfg->rate_limit);
	int threads = cfg->threads > 0 ? cfg->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (threads < 1)
		threads = 1;
	if ((unsigned)threads > srv->max_conns)
		threads = (int)srv->max_conns; /* each thread gets a share of the limit */
	if (pthread_create(&srv->reaper, NULL, reaper_main, srv) != 0) {
		snprintf(msg, msgcap, "cannot start threads");
		server_free(srv);
		return -1;
	}
	srv->reaper_running = true;
	srv->slow = workers_start(cfg->slow_threads > 0 ? cfg->slow_threads : 1,
				  cfg->slow_queue > 0 ? cfg->slow_queue : HTTP_SLOW_QUEUE,
				  cfg->slow_per_key > 0 ? cfg->slow_per_key : HTTP_SLOW_PER_KEY);
	if (!srv->slow) {
		snprintf(msg, msgcap, "cannot start worker threads");
		server_free(srv);
		return -1;
	}
	/* poll(), not epoll: an audited read suspends its connection until its
	 * entry is committed, and in epoll mode every suspend and resume is an
	 * epoll_ctl (two a request), besides the read that finds nothing more
	 * on a connection epoll reports by edge. A thread polls only its own
	 * share of the connections (at most max_conns / threads), so the set
	 * it passes stays small (docs/performance.md, tenth round). */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG |
			 MHD_ALLOW_SUSPEND_RESUME;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* Strict client mode: a Host header is required of HTTP/1.1, and
	 * whitespace inside the request target is refused. The idle timeout
	 * (30 s without a byte either way) still applies besides the
	 * deadlines, to answers a client is slow to read. */
	srv->daemon = MHD_start_daemon(
	    flags, 0, on_accept, srv, on_request, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads, MHD_OPTION_URI_LOG_CALLBACK, on_uri,
	    srv, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_NOTIFY_CONNECTION,
	    on_connection, srv, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
	    MHD_OPTION_CONNECTION_LIMIT, srv->max_conns, MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, NULL, MHD_OPTION_END);
	if (!srv->daemon) {
		snprintf(msg, msgcap, "cannot listen on %s (in use, or not an address here)",
			 cfg->listen);
		workers_stop(srv->slow);
		server_free(srv);
		return -1;
	}
	*out = srv;
	return 0;
}

unsigned http_server_port(const struct http_server *s)
{
	const union MHD_DaemonInfo *info =
	    MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	return info ? info->port : 0;
}

void http_server_stop(struct http_server *s, int grace_ms, void (*drain)(void *arg), void *arg)
{
	if (!s)
		return;
	MHD_quiesce_daemon(s->daemon);
	struct timespec tick = {0, 10 * 1000 * 1000};
	for (int waited = 0; atomic_load(&s->in_flight) > 0 && waited < grace_ms; waited += 10)
		nanosleep(&tick, NULL);
	/* Finish deferred work and held answers, so that no connection stays
	 * suspended (the daemon frees connections as it stops, and a later
	 * resume would touch freed memory), and let their answers go out. */
	workers_stop(s->slow);
	if (drain)
		drain(arg);
	for (int waited = 0; atomic_load(&s->in_flight) > 0 && waited < 1000; waited += 10)
		nanosleep(&tick, NULL);
	MHD_stop_daemon(s->daemon);
	server_free(s);
}

/* ---- the library's own error answers ----
 *
 * libmicrohttpd answers some requests by itself, before our handler sees
 * them: a request line or headers too large for its buffer (414, 431), a
 * malformed request line or header line (400), an HTTP version other than
 * 1.0 and 1.1 (505), a bad chunk (400, 413), a malformed or too large
 * Content-Length (400, 413), a missing Host in strict mode (400). Left to
 * itself it sends an HTML page that names it, without our headers, and for
 * the last three (raised in parse_connection_headers() in 0.9.75) the state
 * machine goes on to build the status line and headers a second time.
 *
 * Every one of those answers goes through one internal function
 * (transmit_error_response_len()), whose only way out is a call of
 * MHD_queue_response() through the library's PLT; the library calls the
 * public MHD_queue_response() nowhere else but in the HTTP authentication
 * helpers, which we never use (checked with objdump on libmicrohttpd.so.12
 * of Debian 12, 0.9.75). So this program defines MHD_queue_response()
 * itself: the dynamic linker binds the library's call to this definition,
 * and our own answers go to the library's through queue_real (found with
 * dlsym(RTLD_NEXT); http_server_start() refuses to start when the
 * interposition does not hold). Nothing here ever calls
 * MHD_queue_response() by name for that reason.
 *
 * Called, it writes a complete JSON answer in the spec's shape, with the
 * security headers and "Connection: close", straight to the socket, and
 * returns MHD_NO: the library then closes the connection without sending
 * anything of its own, so the status line goes out once. The answer is a
 * few hundred bytes on a connection that has nothing else in flight, so a
 * single non-blocking write takes it. tests/api/edge-errors.test.mjs
 * drives every path above over a raw socket and checks that exactly one
 * status line and a JSON body come back, so a library built differently
 * (another PLT layout, other messages) is caught by the tests.
 */

/* The spec's code and a plain message for a status the library raises. */
static void lib_error_kind(unsigned status, const char **code, const char **message)
{
	switch (status) {
	case 413:
		*code = "payload_too_large";
		*message = "the request body is too large";
		return;
	case 414:
		*code = "uri_too_long";
		*message = "the request line is too long";
		return;
	case 431:
		*code = "header_too_large";
		*message = "the request headers are too large";
		return;
	case 505:
		*code = "http_version_not_supported";
		*message = "only HTTP/1.0 and HTTP/1.1 are served";
		return;
	default:
		if (status >= 500) {
			*code = "internal";
			*message = "internal error";
		} else {
			*code = "bad_request";
			*message = "the request is malformed";
		}
	}
}

enum MHD_Result MHD_queue_response(struct MHD_Connection *connection, unsigned int status_code,
				   struct MHD_Response *response)
{
	(void)response; /* the library's page; it destroys it itself */
	const union MHD_ConnectionInfo *fdi =
	    MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
	const union MHD_ConnectionInfo *sci =
	    MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn *cn = sci ? sci->socket_context : NULL;
	if (cn)
		cn->lib_status = status_code; /* for the log line */
	if (!fdi)
		return MHD_NO;
	const char *code, *message;
	lib_error_kind(status_code, &code, &message);
	char body[160], head[768];
	int blen = snprintf(body, sizeof body, "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}",
			    code, message);
	const char *reason = MHD_get_reason_phrase_for(status_code);
	int hlen = snprintf(head, sizeof head,
			    "HTTP/1.1 %u %s\r\nContent-Type: application/json\r\n"
			    "Content-Length: %d\r\nConnection: close\r\n",
			    status_code, reason && reason[0] ? reason : "Error", blen);
	for (size_t i = 0; i < N_STD_HEADERS && hlen > 0 && (size_t)hlen < sizeof head; i++)
		hlen += snprintf(head + hlen, sizeof head - (size_t)hlen, "%s: %s\r\n",
				 std_headers[i][0], std_headers[i][1]);
	if (hlen > 0 && (size_t)hlen < sizeof head)
		hlen += snprintf(head + hlen, sizeof head - (size_t)hlen,
				 "Content-Security-Policy: %s\r\nCache-Control: %s\r\n",
				 kind_csp[HTTP_KIND_API], kind_cache[HTTP_KIND_API]);
	if (blen < 0 || (size_t)blen >= sizeof body || hlen < 0 || (size_t)hlen + 2 >= sizeof head)
		return MHD_NO;
	memcpy(head + hlen, "\r\n", 2);
	hlen += 2;
	int fd = fdi->connect_fd;
	struct iovec iov[2] = {{head, (size_t)hlen}, {body, (size_t)blen}};
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
	(void)sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	/* Read and drop what the client has sent already (up to 64 KiB):
	 * closing a socket with unread input resets the connection, and the
	 * client could lose the answer before reading it. */
	char sink[4096];
	for (int i = 0; i < 16 && recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0; i++)
		;
	shutdown(fd, SHUT_WR);
	return MHD_NO;
}
