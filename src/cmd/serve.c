/*
 * serve.c - `waymark serve`: the API over HTTP until SIGTERM or SIGINT.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../api/call.h"
#include "../http/http.h"
#include "../util/log.h"
#include "cmd.h"

static bool parse_uint(const char *s, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (!s[0] || *end || v > max || s[0] == '-')
		return false;
	*out = (unsigned)v;
	return true;
}

int cmd_serve(int argc, char **argv)
{
	struct opt opts[] = {
	    {"db", "WAYMARK_DB", "PATH", "the database (a file path or a postgresql:// URI)", NULL},
	    {"listen", "WAYMARK_LISTEN", "ADDR", "address to serve on (default: 127.0.0.1:8080)",
	     NULL},
	    {"key-file", "WAYMARK_KEY_FILE", "FILE", "data-encryption key (default: PATH.key)",
	     NULL},
	    {"rate-limit", NULL, "N",
	     "requests per second per client address, bursts of 2N (default 1000; 0: off)", NULL},
	    {"threads", NULL, "N", "worker threads (default: four per core)", NULL},
	    {"trusted-proxy", NULL, "ADDR",
	     "take the client from X-Forwarded-For on connections from ADDR (an address or "
	     "range; repeatable)",
	     NULL},
	    {"max-connections", NULL, "N", "connections at once (default 1000)", NULL},
	    {"max-connections-per-client", NULL, "N",
	     "connections at once per client address (requests, behind a proxy; default 32)", NULL},
	    {"header-timeout", NULL, "SECONDS",
	     "for a request's line and headers, from the connection or previous answer "
	     "(default 10)",
	     NULL},
	    {"body-timeout", NULL, "SECONDS", "for a request's body after its headers (default 30)",
	     NULL},
	    {"login-queue", NULL, "N", "password checks that may wait (default 64)", NULL},
	    {"login-queue-per-client", NULL, "N",
	     "of those, per client address and per username (default 4)", NULL},
	};
	enum { O_TRUSTED = 5, O_MAXCONN, O_PERCLIENT, O_HEADER, O_BODY, O_LQUEUE, O_LPER, O_N };
	bool help;
	int rc = cmd_parse("serve",
			   "Serves the Waymark API. Logs one line per request to stderr (method, "
			   "route,\nstatus, duration); stops cleanly on SIGTERM or SIGINT.",
			   argc, argv, opts, O_N, &help);
	if (rc || help)
		return rc;
	const char *db = opts[0].value;
	if (!db) {
		fprintf(stderr, "waymark serve: --db is required (see --help)\n");
		return 2;
	}
	unsigned rate = 1000, threads = 0;
	if (opts[3].value && !parse_uint(opts[3].value, 1000000, &rate)) {
		fprintf(stderr, "waymark serve: --rate-limit must be a whole number\n");
		return 2;
	}
	if (opts[4].value && (!parse_uint(opts[4].value, 256, &threads) || threads == 0)) {
		fprintf(stderr, "waymark serve: --threads must be from 1 to 256\n");
		return 2;
	}
	/* The limits of the HTTP edge (docs/security.md). */
	static const struct {
		int opt;
		unsigned min, max;
	} limits[] = {
	    {O_MAXCONN, 1, 100000}, {O_PERCLIENT, 1, 100000}, {O_HEADER, 1, 3600},
	    {O_BODY, 1, 3600},	    {O_LQUEUE, 1, 100000},    {O_LPER, 1, 100000},
	};
	unsigned vals[O_N] = {0};
	for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
		const char *v = opts[limits[i].opt].value;
		if (v && (!parse_uint(v, limits[i].max, &vals[limits[i].opt]) ||
			  vals[limits[i].opt] < limits[i].min)) {
			fprintf(stderr, "waymark serve: --%s must be from %u to %u\n",
				opts[limits[i].opt].name, limits[i].min, limits[i].max);
			return 2;
		}
	}
	/* --trusted-proxy may be given more than once: every value counts
	 * (cmd_parse keeps the last); each is checked by the server. */
	const char *trusted[64];
	size_t ntrusted = 0;
	for (int i = 1; i < argc; i++) {
		const char *v = NULL;
		if (strcmp(argv[i], "--trusted-proxy") == 0 && i + 1 < argc)
			v = argv[++i];
		else if (strncmp(argv[i], "--trusted-proxy=", 16) == 0)
			v = argv[i] + 16;
		else if (strncmp(argv[i], "--", 2) == 0 && !strchr(argv[i], '='))
			i++; /* another flag's value (every serve flag takes one) */
		if (!v)
			continue;
		if (ntrusted == sizeof trusted / sizeof trusted[0]) {
			fprintf(stderr, "waymark serve: at most 64 --trusted-proxy\n");
			return 2;
		}
		trusted[ntrusted++] = v;
	}
	if (threads == 0) {
		/* More threads than cores: a thread waiting on a password hash
		 * or an fsync must not hold up the connections it serves. */
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = 4 * (n > 0 ? (unsigned)n : 1);
	}
	char key_path[4096];
	if (!cmd_key_path(db, opts[2].value, key_path, sizeof key_path))
		return 2;
	struct keyring *keys = cmd_load_keys(key_path);
	if (!keys)
		return 1;
	struct store *st;
	char msg[256];
	if (store_open(db, keys, STORE_OPEN, (int)threads + 1, &st, msg, sizeof msg) != WM_OK) {
		fprintf(stderr, "waymark serve: %s\n", msg);
		keyring_free(keys);
		return 1;
	}

	/* Block the stop signals before threads start so that only this
	 * thread receives them. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct app app = {.store = st, .keys = keys, .session_ttl = 12 * 3600};
	/* Password checks run on threads of their own: one on a machine with
	 * two cores (the other stays free for everything else), cores - 1 above. */
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	struct http_config cfg = {
	    .listen = opts[1].value ? opts[1].value : "127.0.0.1:8080",
	    .threads = (int)threads,
	    .rate_limit = rate,
	    .slow_threads = cores > 2 ? (int)cores - 1 : 1,
	    .slow_queue = (int)vals[O_LQUEUE],
	    .slow_per_key = (int)vals[O_LPER],
	    .header_timeout = vals[O_HEADER],
	    .body_timeout = vals[O_BODY],
	    .max_conns = vals[O_MAXCONN],
	    .max_conns_per_client = vals[O_PERCLIENT],
	    .trusted_proxies = trusted,
	    .ntrusted = ntrusted,
	};
	struct http_server *srv;
	if (http_server_start(&cfg, api_handle, &app, &srv, msg, sizeof msg) != 0) {
		fprintf(stderr, "waymark serve: %s\n", msg);
		store_close(st);
		keyring_free(keys);
		return 1;
	}
	char host[64];
	snprintf(host, sizeof host, "%.*s", (int)(strrchr(cfg.listen, ':') - cfg.listen),
		 cfg.listen);
	log_info("serving on http://%s:%u (schema version %d, %u threads)",
		 host[0] ? host : "0.0.0.0", http_server_port(srv), store_schema_version(st),
		 threads);
	int sig = 0;
	sigwait(&stop, &sig);
	log_info("stopping on signal %d; finishing requests in flight", sig);
	http_server_stop(srv, 10000);
	store_close(st);
	keyring_free(keys);
	log_info("stopped");
	return 0;
}
