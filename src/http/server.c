/*
 * server.c - libmicrohttpd glue: request lifecycle, body limit, rate limit,
 * security headers, the one log line per request, and graceful stop.
 */
#define _POSIX_C_SOURCE 200809L
#include "http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../util/log.h"
#include "ratelimit.h"
#include "workers.h"

#define MAX_EXTRA_HEADERS 4

struct header {
	char name[32];
	char value[96];
};

struct http_req {
	struct MHD_Connection *conn;
	const char *method;
	const char *path;
	char *body;
	size_t body_len, body_cap;
	size_t drained; /* bytes of an over-limit body dropped so far */
	bool too_large;
	bool answered;
	bool queued; /* the response has been handed to libmicrohttpd */
	struct timespec started;
	char client_ip[INET6_ADDRSTRLEN];
	const char *route;
	unsigned status;
	const char *ctype;
	char *resp;
	size_t resp_len;
	int nheaders;
	struct header headers[MAX_EXTRA_HEADERS];
	/* Deferred work (http_defer): run elsewhere while the connection is
	 * suspended; the answer is sent when it resumes. */
	void (*defer_fn)(struct http_req *r, void *arg);
	void (*defer_drop)(void *arg);
	void *defer_arg;
	void (*hold_start)(struct http_req *r, void *arg);
	void *hold_arg;
	bool suspended;
	atomic_bool defer_done;
};

struct http_server {
	struct MHD_Daemon *daemon;
	http_handler handler;
	void *app;
	struct ratelimit *limiter;
	struct workers *slow;
	atomic_int in_flight;
};

/* ---- request accessors ---- */

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
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_header(struct http_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *http_body(const struct http_req *r, size_t *len)
{
	*len = r->body_len;
	return r->body ? r->body : "";
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
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!text) {
		static const char oom[] =
		    "{\"error\":{\"code\":\"internal\",\"message\":\"internal error\"}}";
		char *copy = strdup(oom);
		http_respond(r, 500, "application/json", copy, copy ? strlen(copy) : 0);
		return;
	}
	http_respond(r, status, "application/json", text, strlen(text));
}

void http_error(struct http_req *r, unsigned status, const char *code, const char *message,
		const char *field)
{
	json_t *err = json_pack("{s:s, s:s}", "code", code, "message", message);
	if (err && field && field[0])
		json_object_set_new(err, "field", json_string(field));
	http_respond_json(r, status, err ? json_pack("{s:o}", "error", err) : NULL);
}

void http_defer(struct http_req *r, void (*fn)(struct http_req *r, void *arg),
		void (*fn_drop)(void *arg), void *arg)
{
	r->defer_fn = fn;
	r->defer_drop = fn_drop;
	r->defer_arg = arg;
}

void http_hold(struct http_req *r, void (*start)(struct http_req *r, void *arg), void *arg)
{
	r->hold_start = start;
	r->hold_arg = arg;
}

void http_resume(struct http_req *r)
{
	atomic_store(&r->defer_done, true);
	MHD_resume_connection(r->conn);
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
	if (r->nheaders == MAX_EXTRA_HEADERS)
		return;
	struct header *h = &r->headers[r->nheaders++];
	snprintf(h->name, sizeof h->name, "%s", name);
	snprintf(h->value, sizeof h->value, "%s", value);
}

/* ---- lifecycle ---- */

static void client_address(struct MHD_Connection *conn, char *out, size_t cap)
{
	const union MHD_ConnectionInfo *info =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(out, cap, "unknown");
	if (!info || !info->client_addr)
		return;
	const struct sockaddr *sa = info->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
			  (socklen_t)cap);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
			  out, (socklen_t)cap);
}

/* Bytes of an over-limit body read and dropped before the connection is
 * closed instead: enough for a client to read its 413, not a sink to
 * stream into for ever. */
#define DRAIN_MAX (8 * HTTP_BODY_MAX)

static bool append_body(struct http_req *r, const char *data, size_t len)
{
	if (r->too_large) {
		r->drained += len;
		return r->drained <= DRAIN_MAX;
	}
	if (r->body_len + len > HTTP_BODY_MAX) {
		r->too_large = true;
		free(r->body);
		r->body = NULL;
		r->body_len = r->body_cap = 0;
		return true;
	}
	if (r->body_len + len + 1 > r->body_cap) {
		size_t cap = r->body_cap ? r->body_cap : 4096;
		while (cap < r->body_len + len + 1)
			cap *= 2;
		if (cap > HTTP_BODY_MAX + 1)
			cap = HTTP_BODY_MAX + 1;
		char *nb = realloc(r->body, cap);
		if (!nb)
			return false;
		r->body = nb;
		r->body_cap = cap;
	}
	memcpy(r->body + r->body_len, data, len);
	r->body_len += len;
	r->body[r->body_len] = '\0';
	return true;
}

static void add_std_headers(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Content-Security-Policy",
				"default-src 'none'; frame-ancestors 'none'");
}

static enum MHD_Result send_response(struct http_req *r)
{
	if (!r->answered)
		http_error(r, 500, "internal", "internal error", NULL);
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(r->resp_len, r->resp, MHD_RESPMEM_MUST_FREE);
	if (!resp)
		return MHD_NO;
	r->resp = NULL; /* now the response's */
	if (r->ctype)
		MHD_add_response_header(resp, "Content-Type", r->ctype);
	add_std_headers(resp);
	for (int i = 0; i < r->nheaders; i++)
		MHD_add_response_header(resp, r->headers[i].name, r->headers[i].value);
	enum MHD_Result ret = MHD_queue_response(r->conn, r->status, resp);
	MHD_destroy_response(resp);
	r->queued = ret == MHD_YES;
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	(void)version;
	struct http_server *srv = cls;
	struct http_req *r = *con_cls;
	if (!r) {
		r = calloc(1, sizeof *r);
		if (!r)
			return MHD_NO;
		atomic_fetch_add(&srv->in_flight, 1);
		clock_gettime(CLOCK_MONOTONIC, &r->started);
		r->conn = conn;
		r->method = method;
		r->path = url;
		client_address(conn, r->client_ip, sizeof r->client_ip);
		*con_cls = r;
		const char *cl =
		    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
		const char *expect = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Expect");
		unsigned long long declared = cl ? strtoull(cl, NULL, 10) : 0;
		if (declared > HTTP_BODY_MAX && (expect || declared > DRAIN_MAX)) {
			/* Declared too large, and the client is waiting for our
			 * word (Expect) or would send more than we drain: answer at
			 * once, before any of it is read; the connection closes.
			 * Otherwise the body is read and dropped, so that a client
			 * that sends before it listens still reads its 413. */
			r->too_large = true;
			http_error(r, 413, "payload_too_large", "the request body is over 1 MiB",
				   NULL);
			return send_response(r);
		}
		return MHD_YES;
	}
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
		return send_response(r);
	}
	if (r->too_large) {
		http_error(r, 413, "payload_too_large", "the request body is over 1 MiB", NULL);
	} else if (srv->limiter && !ratelimit_take(srv->limiter, r->client_ip)) {
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
		if (workers_submit(srv->slow, run_deferred, r))
			return MHD_YES;
		/* Too much waiting already: answer now instead. */
		r->defer_drop(r->defer_arg);
		http_add_header(r, "Retry-After", "1");
		http_error(r, 429, "rate_limited", "the server is busy; try again shortly", NULL);
		http_resume(r);
		return MHD_YES;
	}
	return send_response(r);
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
	/* The route pattern, never the path: paths carry ids of people. */
	log_request(r->method, r->route ? r->route : "-", r->answered ? r->status : 0, ms);
	free(r->body);
	free(r->resp);
	free(r);
	*con_cls = NULL;
	atomic_fetch_sub(&srv->in_flight, 1);
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

int http_server_start(const struct http_config *cfg, http_handler handler, void *app,
		      struct http_server **out, char *msg, size_t msgcap)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	if (!parse_listen(cfg->listen, &ss, &sslen)) {
		snprintf(msg, msgcap, "--listen must be HOST:PORT, e.g. 127.0.0.1:8080");
		return -1;
	}
	struct http_server *srv = calloc(1, sizeof *srv);
	if (!srv)
		return -1;
	srv->handler = handler;
	srv->app = app;
	if (cfg->rate_limit)
		srv->limiter = ratelimit_new(cfg->rate_limit, 2 * cfg->rate_limit);
	int threads = cfg->threads > 0 ? cfg->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (threads < 1)
		threads = 1;
	srv->slow = workers_start(cfg->slow_threads > 0 ? cfg->slow_threads : 1,
				  cfg->slow_queue > 0 ? cfg->slow_queue : 64);
	if (!srv->slow) {
		snprintf(msg, msgcap, "cannot start worker threads");
		ratelimit_free(srv->limiter);
		free(srv);
		return -1;
	}
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
			 MHD_ALLOW_SUSPEND_RESUME;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	srv->daemon = MHD_start_daemon(
	    flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads, MHD_OPTION_NOTIFY_COMPLETED,
	    on_completed, srv, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned)128, MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, NULL, MHD_OPTION_END);
	if (!srv->daemon) {
		snprintf(msg, msgcap, "cannot listen on %s (in use, or not an address here)",
			 cfg->listen);
		workers_stop(srv->slow);
		ratelimit_free(srv->limiter);
		free(srv);
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
	ratelimit_free(s->limiter);
	free(s);
}
