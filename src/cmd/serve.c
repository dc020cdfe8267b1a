/*
 * serve.c - `waymark serve`: the API over HTTP until SIGTERM or SIGINT.
 */
#define _POSIX_C_SOURCE 200809L
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../api/call.h"
#include "../http/http.h"
#include "../domain/date.h"
#include "../util/log.h"
#include "../web/web.h"
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

/* Lets the reads held for their audit entries go before the server frees
 * their connections (see http_server_stop). */
static void drain_audit(void *st)
{
	store_audit_drain(st);
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
	     "connections at once per client address (requests, behind a proxy; default 64)", NULL},
	    {"header-timeout", NULL, "SECONDS",
	     "for a request's line and headers, from the connection or previous answer "
	     "(default 10)",
	     NULL},
	    {"body-timeout", NULL, "SECONDS", "for a request's body after its headers (default 30)",
	     NULL},
	    {"login-queue", NULL, "N", "password checks that may wait (default 64)", NULL},
	    {"login-queue-per-client", NULL, "N",
	     "of those, per client address and per username (default 8)", NULL},
	    {"bulk-read-threshold", NULL, "N",
	     "flag an account that reads more than N distinct survivors within an hour "
	     "(default: three times its caseload, at least 100)",
	     NULL},
	    {"time-zone", "WAYMARK_TIME_ZONE", "ZONE",
	     "the zone whose date is \"today\" (an IANA name; default Europe/London)", NULL},
	    {"today-at", NULL, "INSTANT",
	     "tests only: take \"today\" from this RFC 3339 instant, not the clock", NULL},
	    {"clock-offset", NULL, "SECONDS",
	     "tests only: run the API's clock this many seconds ahead (expiry of sessions and "
	     "shares)",
	     NULL},
	};
	/* The rows above, by name. */
	enum {
		O_DB,
		O_LISTEN,
		O_KEY,
		O_RATE,
		O_THREADS,
		O_TRUSTED,
		O_MAXCONN,
		O_PERCLIENT,
		O_HEADER,
		O_BODY,
		O_LQUEUE,
		O_LPER,
		O_BULK,
		O_ZONE,
		O_TODAY,
		O_CLOCK,
		O_N
	};
	_Static_assert(O_N == sizeof opts / sizeof opts[0], "one name per option");
	bool help;
	int rc = cmd_parse("serve",
			   "Serves the Waymark API. Logs one line per request to stderr (method, "
			   "route,\nstatus, duration); stops cleanly on SIGTERM or SIGINT.",
			   argc, argv, opts, O_N, &help);
	if (rc || help)
		return rc;
	const char *db = opts[O_DB].value;
	if (!db) {
		fprintf(stderr, "waymark serve: --db is required (see --help)\n");
		return 2;
	}
	unsigned rate = 1000, threads = 0;
	if (opts[O_RATE].value && !parse_uint(opts[O_RATE].value, 1000000, &rate)) {
		fprintf(stderr, "waymark serve: --rate-limit must be a whole number\n");
		return 2;
	}
	if (opts[O_THREADS].value &&
	    (!parse_uint(opts[O_THREADS].value, 256, &threads) || threads == 0)) {
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
	    {O_BULK, 1, 1000000},
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
	/* Dates people enter ("not in the future") are judged by the day it
	 * is where they work, not in UTC: before 1 a.m. in British Summer Time
	 * the UTC date is still yesterday's. */
	const char *zone = opts[O_ZONE].value ? opts[O_ZONE].value : "Europe/London";
	if (!date_zone_use(zone)) {
		fprintf(stderr,
			"waymark serve: --time-zone: unknown time zone '%s' (an IANA name "
			"such as Europe/London, from the tz database)\n",
			date_zone_name_ok(zone) ? zone : "(not a zone name)");
		return 2;
	}
	unsigned clock_offset = 0;
	if (opts[O_CLOCK].value &&
	    !parse_uint(opts[O_CLOCK].value, 10u * 366 * 86400, &clock_offset)) {
		fprintf(stderr,
			"waymark serve: --clock-offset must be a whole number of seconds\n");
		return 2;
	}
	int64_t today_at = 0;
	if (opts[O_TODAY].value && !instant_parse(opts[O_TODAY].value, &today_at)) {
		fprintf(stderr, "waymark serve: --today-at must be an RFC 3339 instant\n");
		return 2;
	}
	if (threads == 0) {
		/* More threads than cores: a thread waiting on a password hash
		 * or an fsync must not hold up the connections it serves. */
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = 4 * (n > 0 ? (unsigned)n : 1);
	}
	/* glibc gives each thread that allocates at once a heap of its own,
	 * up to eight a core, and a heap keeps what it once held: with the
	 * organisation-wide alerts (megabytes each) served by every thread in
	 * turn, the server's resident set reached 140 MB where two heaps keep
	 * it under 95 (docs/performance.md, "Sixth round"). */
	mallopt(M_ARENA_MAX, 2);
	char key_path[4096];
	if (!cmd_key_path(db, opts[O_KEY].value, key_path, sizeof key_path))
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
	store_set_bulk_threshold(st, (int)vals[O_BULK]);

	/* Block the stop signals before threads start so that only this
	 * thread receives them. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct app app = {
	    .store = st,
	    .db = db,
	    .keys = keys,
	    .session_ttl = 12 * 3600,
	    .today_at = today_at,
	    .clock_offset = clock_offset,
	};
	/* Password checks run on threads of their own: one on a machine with
	 * two cores (the other stays free for everything else), cores - 1 above. */
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	struct http_config cfg = {
	    .listen = opts[O_LISTEN].value ? opts[O_LISTEN].value : "127.0.0.1:8080",
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
	    .upload_paths = web_upload_paths,
	};
	struct http_server *srv;
	if (!web_init(msg, sizeof msg)) {
		fprintf(stderr, "waymark serve: the web pages: %s\n", msg);
		store_close(st);
		keyring_free(keys);
		return 1;
	}
	if (http_server_start(&cfg, web_dispatch, &app, &srv, msg, sizeof msg) != 0) {
		fprintf(stderr, "waymark serve: %s\n", msg);
		store_close(st);
		keyring_free(keys);
		return 1;
	}
	char host[64];
	snprintf(host, sizeof host, "%.*s", (int)(strrchr(cfg.listen, ':') - cfg.listen),
		 cfg.listen);
	log_info("serving on http://%s:%u (schema version %d, %u threads, time zone %s)",
		 host[0] ? host : "0.0.0.0", http_server_port(srv), store_schema_version(st),
		 threads, zone);
	if (today_at)
		log_info("--today-at: \"today\" is fixed (tests only)");
	if (clock_offset)
		log_info("--clock-offset: the clock runs %u seconds ahead (tests only)",
			 clock_offset);
	int sig = 0;
	sigwait(&stop, &sig);
	log_info("stopping on signal %d; finishing requests in flight", sig);
	http_server_stop(srv, 10000, drain_audit, st);
	store_close(st);
	keyring_free(keys);
	log_info("stopped");
	return 0;
}
