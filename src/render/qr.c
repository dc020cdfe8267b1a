/*
 * qr.c - QR codes as SVG (see qr.h).
 */
#include "qr.h"

#include <qrencode.h>
#include <sodium.h>
#include <stdlib.h>

#include "../util/buf.h"
#include "svg.h"

#define QUIET 4 /* modules of white around the code */

char *qr_svg(const char *text, const char *title)
{
	QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!q)
		return NULL;
	int side = q->width + 2 * QUIET;
	struct buf b = BUF_INIT;
	buf_addf(&b,
		 "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"wm-qr\" role=\"img\" "
		 "aria-labelledby=\"wm-qr-title\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
		 "shape-rendering=\"crispEdges\"><title id=\"wm-qr-title\">",
		 side, side, side * 5, side * 5);
	svg_escape(&b, title);
	buf_addf(&b,
		 "</title><rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>"
		 "<path fill=\"#000000\" d=\"",
		 side, side);
	/* Bit 0 of each module is 1 when it is dark. */
	for (int y = 0; y < q->width; y++)
		for (int x = 0; x < q->width; x++)
			if (q->data[y * q->width + x] & 1)
				buf_addf(&b, "M%d %dh1v1h-1z", x + QUIET, y + QUIET);
	buf_adds(&b, "\"/></svg>");
	/* The modules encode the secret too. */
	sodium_memzero(q->data, (size_t)q->width * (size_t)q->width);
	QRcode_free(q);
	size_t len;
	char *out = buf_take(&b, &len);
	return out;
}
