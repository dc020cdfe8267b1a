/*
 * text.h - UTF-8 text helpers: validation, trimming and case folding.
 *
 * Pure functions over caller-owned buffers; nothing here allocates.
 */
#ifndef WM_TEXT_H
#define WM_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates). */
bool text_utf8_valid(const char *s, size_t len);

/* Writes code point cp (at most U+10FFFF, not a surrogate) as UTF-8 to out;
 * answers its length, 1 to 4 bytes. */
size_t text_utf8_encode(uint32_t cp, char out[4]);

/* True when s holds a C0 control character other than tab, CR or LF, or DEL. */
bool text_has_control(const char *s);

/* True when s holds what a one-line field refuses: any C0 control (tab, CR
 * and LF included) or DEL; a C1 control (U+0080-U+009F); a line or
 * paragraph separator (U+2028, U+2029); a bidirectional embedding,
 * override (U+202A-U+202E) or isolate (U+2066-U+2069); or malformed UTF-8. */
bool text_has_newline_or_control(const char *s);

/* Length in bytes of s without leading and trailing white space. */
size_t text_trimmed_len(const char *s);

/* Writes into out (cap bytes) the key under which a name is matched: white
 * space trimmed from both ends and every letter lower-cased (full Unicode
 * simple case mapping). False when it does not fit or s is not UTF-8. */
bool text_fold(const char *s, char *out, size_t cap);

/* Copies src into dst (cap bytes), cut to fit and NUL-terminated, as
 * snprintf(dst, cap, "%s", src) does, without its formatting machinery. */
void text_copy(char *dst, size_t cap, const char *src);

#define TEXT_INT_LEN 21 /* "-9223372036854775808" and its NUL */

/* Writes v in decimal, as "%lld" does, into out; returns its length. */
size_t text_int(char out[TEXT_INT_LEN], int64_t v);

/* Must be called once before threads start (sets up the case-mapping
 * locale); false when the C.UTF-8 locale is missing. */
bool text_init(void);

#endif
