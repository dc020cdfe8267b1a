/*
 * http.h - one HTTP request and its response, over libmicrohttpd.
 *
 * The server owns a request from its first byte to the end of its response;
 * the handler reads the method, path, query, headers and body from it and
 * sets exactly one response. Nothing in a request outlives it.
 *
 * Before a handler runs, the server has applied the HTTP edge rules
 * (docs/security.md): unambiguous framing, a well-formed target, a JSON
 * media type for any body (or a form, outside /api/), the size, rate and
 * connection limits. Every answer carries the security headers.
 */
#ifndef WM_HTTP_H
#define WM_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_BODY_MAX (1024 * 1024) /* bodies over 1 MiB answer 413 */
/* A file sent from a page (multipart/form-data, on a path of
 * http_config.upload_paths alone) may be larger; so few of those larger
 * than HTTP_BODY_MAX are read at once that they cannot exhaust memory. */
#define HTTP_UPLOAD_MAX	     (16 * 1024 * 1024)
#define HTTP_UPLOADS_AT_ONCE 4

struct http_req;

/* Called once per complete request, on a worker thread. */
typedef void (*http_handler)(struct http_req *r, void *app);

/* Defaults of the limits below, documented in docs/security.md. */
#define HTTP_HEADER_TIMEOUT   10   /* seconds */
#define HTTP_BODY_TIMEOUT     30   /* seconds */
#define HTTP_MAX_CONNS	      1000 /* connections at once */
#define HTTP_MAX_CONNS_CLIENT 64   /* connections (or requests, via a proxy) per client */
#define HTTP_SLOW_QUEUE	      64   /* deferred jobs waiting */
#define HTTP_SLOW_PER_KEY     8	   /* deferred jobs per client and per key */

struct http_config {
	const char *listen;  /* "127.0.0.1:8080", "[::1]:8080"; port 0 picks one */
	int threads;	     /* connection threads (0: one per core) */
	unsigned rate_limit; /* requests per second per client address; 0: off */
	int slow_threads;    /* threads for deferred work (0: one) */
	int slow_queue;	     /* deferred jobs that may wait (0: HTTP_SLOW_QUEUE) */
	int slow_per_key;    /* of those, per client and per key (0: HTTP_SLOW_PER_KEY) */
	/* A request's line and headers must arrive within header_timeout
	 * seconds of the connection opening or of the previous answer on it,
	 * and its body within body_timeout seconds after them; else the
	 * connection is closed. 0: the defaults above. */
	unsigned header_timeout, body_timeout;
	unsigned max_conns;	       /* 0: HTTP_MAX_CONNS */
	unsigned max_conns_per_client; /* 0: HTTP_MAX_CONNS_CLIENT */
	/* Proxies whose X-Forwarded-For names the client: addresses or
	 * ranges ("10.0.0.0/8"), ntrusted of them. */
	const char *const *trusted_proxies;
	size_t ntrusted;
	/* Paths (exact, outside /api/) that take a multipart/form-data body
	 * of up to HTTP_UPLOAD_MAX bytes, with a Content-Length: the pages'
	 * file uploads. NULL-terminated, outliving the server; NULL for none. */
	const char *const *upload_paths;
};

struct http_server;

/* Starts serving on a thread pool. Writes a plain reason into msg on error. */
int http_server_start(const struct http_config *cfg, http_handler handler, void *app,
		      struct http_server **out, char *msg, size_t msgcap);

/* The port actually bound (useful with port 0). */
unsigned http_server_port(const struct http_server *s);

/* Stops accepting, waits up to grace_ms for requests in flight, calls
 * drain(arg) (if not NULL) to release every held answer (see http_hold) and
 * have later ones answered without suspending, then stops. */
void http_server_stop(struct http_server *s, int grace_ms, void (*drain)(void *arg), void *arg);

/* ---- reading the request ---- */

const char *http_method(const struct http_req *r);
/* The path as sent, still percent-encoded (the router decodes parameters);
 * it holds no %00, bad escape or control character (those answer 400). */
const char *http_path(const struct http_req *r);
const char *http_query(struct http_req *r, const char *name); /* decoded; NULL when absent */
const char *http_header(struct http_req *r, const char *name);
const char *http_body(const struct http_req *r, size_t *len); /* NUL-terminated */

/* Whether the body is multipart/form-data (a page's upload form). */
bool http_is_multipart(struct http_req *r);

/* Reads a multipart/form-data body through libmicrohttpd's own parser:
 * field(ctx, name, filename (NULL for a plain field), data, off, len) is
 * called for each piece of each part's value, in order (off: where the
 * piece starts in the value; a value may come in several pieces, an empty
 * one in none), and returns false to stop. false when the body is not
 * well-formed multipart (no boundary, cut short) or field stopped it. */
bool http_multipart(struct http_req *r,
		    bool (*field)(void *ctx, const char *name, const char *filename,
				  const char *data, size_t off, size_t len),
		    void *ctx);

/* Overwrites the request body with zeros (it held a password) and empties
 * it; http_body answers "" afterwards. */
void http_body_wipe(struct http_req *r);
const char *http_client_ip(const struct http_req *r); /* behind a trusted proxy: the real one */

/* Records the route pattern that matched, for the log line. */
void http_set_route(struct http_req *r, const char *pattern);

/* ---- answering ---- */

/* Sets the response: status, content type, and a body the response takes
 * ownership of (malloc'd, may be NULL with len 0). */
void http_respond(struct http_req *r, unsigned status, const char *ctype, char *body, size_t len);

/* Sets a JSON response; steals the reference to j. */
void http_respond_json(struct http_req *r, unsigned status, json_t *j);

/* Sets an error response in the spec's shape:
 * {"error": {"code", "message", "field"?}}. field may be NULL. */
void http_error(struct http_req *r, unsigned status, const char *code, const char *message,
		const char *field);

/* Hands slow work (a password hash) to a thread apart from the connection
 * threads, so the other connections this thread serves are not held up:
 * fn(r, arg) runs there and sets the response; the handler must return at
 * once and not touch r again. fn owns arg. The threads are shared fairly
 * between client addresses and between keys (key: what the work is about,
 * such as the username; copied, wiped after): when too much work is
 * waiting already in all, or for this client, or for this key, fn is not
 * run and the request answers 429 with Retry-After (arg is then passed to
 * fn_drop, which frees it). */
void http_defer(struct http_req *r, const char *key, void (*fn)(struct http_req *r, void *arg),
		void (*fn_drop)(void *arg), void *arg);

/* Holds the answer already set until an event elsewhere: once the handler
 * returns, the connection is suspended and start(r, arg) is called; start,
 * or what it sets going, must call http_resume(r) exactly once, from any
 * thread, after changing the answer if it must. The connection thread is
 * free meanwhile. When the request ends, release(arg) is called (if not
 * NULL) on the connection's thread: arg is freed there, not where it was
 * resumed. */
void http_hold(struct http_req *r, void (*start)(struct http_req *r, void *arg),
	       void (*release)(void *arg), void *arg);

/* Sends the answer of a held or deferred request. */
void http_resume(struct http_req *r);

/* Adds a response header (name and value copied; at most 8 of them, a
 * value under 256 bytes). */
void http_add_header(struct http_req *r, const char *name, const char *value);

/* What an answer is, for its Content-Security-Policy and Cache-Control:
 * the API's JSON (the default: nothing may load, nothing is kept), a web
 * page (its own origin's styles, scripts, fonts and images only; not
 * kept), or a static file of the design system (kept a day). */
enum http_kind { HTTP_KIND_API, HTTP_KIND_PAGE, HTTP_KIND_ASSET };
void http_set_kind(struct http_req *r, enum http_kind kind);

/* Whether the client reached us over TLS: a trusted proxy's
 * X-Forwarded-Proto: https, or TLS on the connection itself. */
bool http_is_tls(struct http_req *r);

/* ---- inner requests: the web pages answered by the API's handlers ----
 *
 * A page handler makes an inner request, hands it to the API's entry point
 * as if it had come on the wire, and reads the answer: the same policy,
 * validation, store calls and audit as the API, written once. An inner
 * request reads its own method, path, query (params) and body, an
 * Authorization header from token, and the outer request's other headers
 * and client address. */

/* A new inner request of outer. params is a NULL-terminated list of
 * decoded query names and values (name, value, ..., NULL) that must outlive
 * the request (may be NULL). token: the session's bearer token, or NULL.
 * body: malloc'd, NUL-terminated, len bytes, taken (wiped when freed); may
 * be NULL. NULL when out of memory (body freed). */
struct http_req *http_inner_new(struct http_req *outer, const char *method, const char *path,
				const char *const *params, const char *token, char *body,
				size_t len);

/* The answer's status (500 when the handler set none) and body (JSON, or
 * "" when none), and one of its headers (NULL when not set). */
unsigned http_inner_status(const struct http_req *r);
const char *http_inner_answer(const struct http_req *r, size_t *len);
const char *http_inner_answer_header(const struct http_req *r, const char *name);

/* The handler held its answer (http_hold: read-audit entries waiting to
 * be committed). http_inner_release starts what it waits for; done(r, arg)
 * is called, on any thread, once it is over (the answer may have changed,
 * to a 500). The outer request must be held meanwhile. */
bool http_inner_held(const struct http_req *r);
void http_inner_release(struct http_req *r, void (*done)(struct http_req *r, void *arg), void *arg);

/* The handler deferred slow work (http_defer: a password check), keyed by
 * http_inner_defer_key. http_inner_run_deferred runs it here and now (call
 * it from the outer request's own deferred work) or, when run is false,
 * drops it. */
bool http_inner_deferred(const struct http_req *r);
const char *http_inner_defer_key(const struct http_req *r);
void http_inner_run_deferred(struct http_req *r, bool run);

/* Frees an inner request that has nothing held or deferred. NULL is fine. */
void http_inner_free(struct http_req *r);

#endif
