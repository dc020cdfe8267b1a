/*
 * http.h - one HTTP request and its response, over libmicrohttpd.
 *
 * The server owns a request from its first byte to the end of its response;
 * the handler reads the method, path, query, headers and body from it and
 * sets exactly one response. Nothing in a request outlives it.
 *
 * Before a handler runs, the server has applied the HTTP edge rules
 * (docs/security.md): unambiguous framing, a well-formed target, a JSON
 * media type for any body, the size, rate and connection limits. Every
 * answer, the server's own included, is JSON with the security headers.
 */
#ifndef WM_HTTP_H
#define WM_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_BODY_MAX (1024 * 1024) /* bodies over 1 MiB answer 413 */

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
 * free meanwhile. */
void http_hold(struct http_req *r, void (*start)(struct http_req *r, void *arg), void *arg);

/* Sends the answer of a held or deferred request. */
void http_resume(struct http_req *r);

/* Adds a response header (name and value copied). */
void http_add_header(struct http_req *r, const char *name, const char *value);

#endif
