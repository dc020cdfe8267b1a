/*
 * log.c - line-buffered, one write per line so threads never interleave.
 */
#define _POSIX_C_SOURCE 200809L
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The current second as text, worked out once a second by each thread:
 * with a line for every request, gmtime_r and strftime each time were a
 * cost of their own. */
static void stamp(char out[32])
{
	static _Thread_local time_t last = (time_t)-1;
	static _Thread_local char text[32];
	time_t t = time(NULL);
	if (t != last) {
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
		last = t;
	}
	memcpy(out, text, sizeof text);
}

static void emit(const char *line, int len)
{
	if (len <= 0)
		return;
	ssize_t w = write(STDERR_FILENO, line, (size_t)len);
	(void)w;
}

/* A method is logged only when it looks like one: it is the client's text. */
static const char *safe_method(const char *m)
{
	size_t n = 0;
	for (; m && m[n]; n++)
		if (m[n] < 'A' || m[n] > 'Z' || n > 10)
			return "?";
	return n ? m : "?";
}

void log_request(const char *method, const char *route, unsigned status, double ms)
{
	char ts[32], line[256];
	method = safe_method(method);
	stamp(ts);
	/* Hundredths of a millisecond, in whole numbers: no floating-point
	 * formatting on every request. */
	long long h = ms > 0 && ms < 1e15 ? (long long)(ms * 100 + 0.5) : 0;
	int n = snprintf(line, sizeof line, "%s %s %s %u %lld.%02lldms\n", ts, method, route,
			 status, h / 100, h % 100);
	if (n >= (int)sizeof line)
		n = (int)sizeof line - 1;
	emit(line, n);
}

void log_info(const char *fmt, ...)
{
	char ts[32], msg[512], line[600];
	stamp(ts);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	int n = snprintf(line, sizeof line, "%s waymark: %s\n", ts, msg);
	if (n >= (int)sizeof line)
		n = (int)sizeof line - 1;
	emit(line, n);
}

void log_internal_error(const char *what)
{
	log_info("internal error: %s", what);
}
