/*
 * err.h - the one error enum every layer returns.
 *
 * Functions return a wm_err and write results through out-parameters; only
 * the HTTP layer turns an error into a status code and the spec's JSON shape.
 */
#ifndef WM_ERR_H
#define WM_ERR_H

typedef enum wm_err {
	WM_OK = 0,
	WM_ERR_INVALID,	     /* input breaks a rule: 422 */
	WM_ERR_NOT_FOUND,    /* no such record (or not visible): 404 */
	WM_ERR_CONFLICT,     /* stale version or duplicate: 409 */
	WM_ERR_FORBIDDEN,    /* the role may never do this: 403 */
	WM_ERR_UNAUTH,	     /* bad credentials or token: 401 */
	WM_ERR_LOCKED,	     /* too many failed logins: 429 */
	WM_ERR_NOMEM,	     /* out of memory */
	WM_ERR_IO,	     /* storage or file failure */
	WM_ERR_CRYPTO,	     /* decryption failed: wrong key or tampered data */
	WM_ERR_SCHEMA_NEWER, /* the database was made by a newer waymark */
	WM_ERR_EXISTS,	     /* init on a database that already holds waymark */
	WM_ERR_UNSUPPORTED,  /* a feature this build does not have */
} wm_err;

/* A short, fixed English description of an error; never NULL, never personal. */
const char *wm_err_str(wm_err e);

#endif
