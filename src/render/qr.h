/*
 * qr.h - a QR code drawn as SVG markup (libqrencode), for the two-factor
 * enrolment page: the otpauth:// URI an authenticator app scans.
 *
 * One <svg> element with role="img", a <title>, and the dark modules as
 * one path with presentation attributes (no style attribute: the pages'
 * Content-Security-Policy forbids inline styles), on a white square with
 * the quiet zone of four modules the standard asks for.
 */
#ifndef WM_QR_H
#define WM_QR_H

/* The QR code of text (error correction level M) as SVG markup, malloc'd:
 * the caller wipes (it may hold a secret) and frees it. title is the
 * picture's accessible name (plain text, escaped here). NULL when text is
 * too long for a QR code or memory runs out. */
char *qr_svg(const char *text, const char *title);

#endif
