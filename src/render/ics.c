/*
 * ics.c - iCalendar text (see ics.h).
 *
 * The escaping is the guard against injection: a place name is text
 * anyone with write access to a record typed, and in iCalendar a line
 * break starts a new property. So every character that any reader could
 * take for a line break - CR and LF in any combination, but also NEL and
 * U+2028/U+2029, which some libraries split lines on - becomes the two
 * characters \n, and the other control characters are dropped. Folding
 * comes after escaping, on whole UTF-8 characters, so a fold never makes
 * a character or an escape that was not there.
 */
#define _POSIX_C_SOURCE 200809L
#include "ics.h"

#include <locale.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <wctype.h>

/* Decodes one UTF-8 character at s (n bytes left): its length, and the
 * code point in *cp; 0 when the bytes there are not well-formed UTF-8
 * (overlong, a surrogate, beyond U+10FFFF, cut short). */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	if (n == 0)
		return 0;
	unsigned char c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	size_t len;
	uint32_t v, min;
	if ((c & 0xe0) == 0xc0) {
		len = 2, v = c & 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3, v = c & 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

/* Appends code point cp as UTF-8. */
static void utf8_put(struct buf *out, uint32_t cp)
{
	char e[4];
	size_t n;
	if (cp < 0x80) {
		e[0] = (char)cp, n = 1;
	} else if (cp < 0x800) {
		e[0] = (char)(0xc0 | cp >> 6), e[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
	} else if (cp < 0x10000) {
		e[0] = (char)(0xe0 | cp >> 12), e[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		e[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
	} else {
		e[0] = (char)(0xf0 | cp >> 18), e[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		e[2] = (char)(0x80 | (cp >> 6 & 0x3f)), e[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
	}
	buf_add(out, e, n);
}

void ics_escape_text(struct buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	while (n > 0) {
		uint32_t cp;
		size_t len = utf8_next(p, n, &cp);
		if (len == 0) {
			utf8_put(out, 0xfffd); /* one malformed byte at a time */
			p++, n--;
			continue;
		}
		if (cp == '\r' && len < n && p[1] == '\n')
			len = 2; /* CR LF is one line break */
		if (cp == '\\' || cp == ';' || cp == ',') {
			buf_addc(out, '\\');
			buf_addc(out, (char)cp);
		} else if (cp == '\r' || cp == '\n' || cp == 0x85 || cp == 0x2028 || cp == 0x2029) {
			buf_adds(out, "\\n");
		} else if ((cp < 0x20 && cp != '\t') || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
			/* dropped: no reader may take it for anything */
		} else {
			buf_add(out, (const char *)p, len);
		}
		p += len, n -= len;
	}
}

/* The length of the UTF-8 character whose first byte is c, as folding
 * needs it: the escaped text is valid UTF-8, so a lead byte's own count. */
static size_t lead_len(unsigned char c)
{
	if ((c & 0xe0) == 0xc0)
		return 2;
	if ((c & 0xf0) == 0xe0)
		return 3;
	if ((c & 0xf8) == 0xf0)
		return 4;
	return 1;
}

/* Appends text (n bytes) folded, continuing a line that holds *used octets. */
static void fold(struct buf *out, const char *text, size_t n, size_t *used)
{
	size_t i = 0;
	while (i < n) {
		size_t len = lead_len((unsigned char)text[i]);
		if (len > n - i)
			len = n - i;
		if (*used + len > ICS_LINE_MAX) {
			buf_adds(out, "\r\n ");
			*used = 1;
		}
		buf_add(out, text + i, len);
		*used += len;
		i += len;
	}
}

void ics_line(struct buf *out, const char *name, const char *value)
{
	size_t used = 0;
	fold(out, name, strlen(name), &used);
	fold(out, ":", 1, &used);
	fold(out, value, strlen(value), &used);
	buf_adds(out, "\r\n");
}

void ics_text(struct buf *out, const char *name, const char *value)
{
	struct buf v = BUF_INIT;
	ics_escape_text(&v, value);
	if (v.failed) {
		out->failed = true; /* the caller checks once, at the end */
		buf_free(&v);
		return;
	}
	ics_line(out, name, v.p ? v.p : "");
	buf_free(&v);
}

void ics_utc(int64_t t, char out[ICS_UTC_LEN])
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) ||
	    strftime(out, ICS_UTC_LEN, "%Y%m%dT%H%M%SZ", &tm) != ICS_UTC_LEN - 1)
		strcpy(out, "19700101T000000Z");
}

/* glibc's built-in C.UTF-8, for upper-casing an initial whatever the
 * process's own locale (as util/text.c does for folding). */
static locale_t utf8_locale;
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;

static void utf8_locale_open(void)
{
	utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

void ics_initials(const char *name, char out[ICS_INITIALS_MAX])
{
	pthread_once(&utf8_once, utf8_locale_open);
	struct buf b = BUF_INIT;
	const unsigned char *p = (const unsigned char *)name;
	size_t n = strlen(name);
	int words = 0;
	bool in_word = false, taken = false;
	while (n > 0 && words < 3) {
		uint32_t cp;
		size_t len = utf8_next(p, n, &cp);
		if (len == 0)
			len = 1, cp = 0xfffd;
		bool space = cp == ' ' || cp == '\t' || cp == 0xa0 || cp == 0x3000;
		if (space) {
			in_word = false;
		} else {
			if (!in_word)
				taken = false;
			in_word = true;
			bool alnum = utf8_locale
					 ? iswalnum_l((wint_t)cp, utf8_locale)
					 : (cp < 0x80 && ((cp | 0x20) - 'a' < 26 || cp - '0' < 10));
			if (!taken && alnum) {
				uint32_t up = utf8_locale
						  ? (uint32_t)towupper_l((wint_t)cp, utf8_locale)
						  : cp;
				utf8_put(&b, up);
				buf_addc(&b, '.');
				taken = true;
				words++;
			}
		}
		p += len, n -= len;
	}
	size_t len = b.failed || !b.p ? 0 : b.len;
	if (len >= ICS_INITIALS_MAX)
		len = 0; /* cannot happen: three characters of four bytes and dots */
	memcpy(out, b.p ? b.p : "", len);
	out[len] = '\0';
	buf_free(&b);
}
