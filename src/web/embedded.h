/*
 * embedded.h - files built into the binary (scripts/embed-files): the
 * page templates, and the design system's styles, script and images.
 */
#ifndef WM_WEB_EMBEDDED_H
#define WM_WEB_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
	const char *name;	   /* "layout" for a template; "/assets/x.css" for a file */
	const unsigned char *data; /* NUL-terminated, for the text ones */
	size_t len;		   /* without that NUL */
};

extern const struct embedded_file web_templates[];
extern const size_t web_templates_count;
extern const struct embedded_file web_assets[];
extern const size_t web_assets_count;

#endif
