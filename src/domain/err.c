/* err.c - descriptions of wm_err codes. */
#include "err.h"

const char *wm_err_str(wm_err e)
{
	switch (e) {
	case WM_OK:
		return "ok";
	case WM_ERR_INVALID:
		return "invalid input";
	case WM_ERR_NOT_FOUND:
		return "not found";
	case WM_ERR_CONFLICT:
		return "conflict";
	case WM_ERR_FORBIDDEN:
		return "forbidden";
	case WM_ERR_UNAUTH:
		return "not authenticated";
	case WM_ERR_LOCKED:
		return "locked";
	case WM_ERR_NOMEM:
		return "out of memory";
	case WM_ERR_IO:
		return "storage error";
	case WM_ERR_CRYPTO:
		return "decryption failed (wrong key or damaged data)";
	case WM_ERR_SCHEMA_NEWER:
		return "the database was made by a newer version of waymark";
	case WM_ERR_EXISTS:
		return "the database already holds waymark data";
	case WM_ERR_UNSUPPORTED:
		return "not supported by this build";
	}
	return "unknown error";
}
