/*
 * ics.h - writing iCalendar (RFC 5545) text: escaping, line folding, UTC
 * times, and a person's initials for a calendar that must never carry a
 * name.
 *
 * Pure functions over a growable buffer; no clock, no I/O. What they
 * guarantee whatever text they are handed (a place name typed by anyone):
 * a TEXT value never ends its property or starts another - every CR, LF,
 * other control character and Unicode line break is escaped or dropped -
 * every line is at most 75 octets before its CRLF, folds never split a
 * UTF-8 character, and the output is valid UTF-8.
 */
#ifndef WM_ICS_H
#define WM_ICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/buf.h"

#define ICS_LINE_MAX	 75 /* octets of a content line, not counting its CRLF (§3.1) */
#define ICS_UTC_LEN	 17 /* "20261210T093000Z" and its NUL */
#define ICS_INITIALS_MAX 32 /* room for three initials of four bytes, their dots and NUL */

/* Appends s escaped as a TEXT value (§3.3.11): backslash, semicolon and
 * comma escaped; CR LF, CR, LF, NEL and the line and paragraph separators
 * (U+2028, U+2029) written as \n; other control characters (C0 but tab,
 * DEL, C1) dropped; each byte of malformed UTF-8 replaced by U+FFFD. */
void ics_escape_text(struct buf *out, const char *s);

/* Appends one content line, name ":" value, folded (§3.1): at most 75
 * octets a line, a continuation line starting with one space, never
 * inside a UTF-8 character; then CRLF. value is already in its type's
 * syntax (escaped when TEXT): use ics_text for text. */
void ics_line(struct buf *out, const char *name, const char *value);

/* Appends a TEXT property: value escaped (ics_escape_text), then folded. */
void ics_text(struct buf *out, const char *name, const char *value);

/* The instant t (seconds since the epoch) as a UTC DATE-TIME (§3.3.5,
 * form 2): "YYYYMMDDTHHMMSSZ". */
void ics_utc(int64_t t, char out[ICS_UTC_LEN]);

/* The initials of a name as "A.B." into out: the first letter or digit of
 * each of its first three words (words split at white space), upper-cased
 * where the script has case. "" when the name has none. */
void ics_initials(const char *name, char out[ICS_INITIALS_MAX]);

#endif
