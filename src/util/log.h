/*
 * log.h - the server's log: one line per request, and operator messages.
 *
 * Lines go to stderr. By rule they never hold a name, an id of a person or a
 * request body: requests are logged by route pattern only.
 */
#ifndef WM_LOG_H
#define WM_LOG_H

/* "2026-11-23T18:00:00Z GET /api/v1/survivors/{id} 200 1.23ms" */
void log_request(const char *method, const char *route, unsigned status, double ms);

/* A message for the operator, prefixed with the time and "waymark:". */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* An internal failure: a fixed description of the error kind only. */
void log_internal_error(const char *what);

#endif
