/*
 * schema.c - the one checker for every JSON record the API accepts.
 */
#include "schema.h"

#include <assert.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../util/jsonw.h"
#include "../util/text.h"
#include "date.h"

#define STRING_MAX_DEFAULT 200
#define TEXT_MAX_DEFAULT   20000
#define ARRAY_MAX_DEFAULT  50

/* Cuts a UTF-8 sequence left incomplete at the end of s by truncation. */
static void trim_partial_utf8(char *s)
{
	size_t n = strlen(s), i = n;
	while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
		i--; /* continuation bytes */
	if (i == 0 || (unsigned char)s[i - 1] < 0xC0)
		return; /* ends on ASCII or on a complete sequence's tail */
	unsigned char lead = (unsigned char)s[i - 1];
	size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
	if (n - (i - 1) < want)
		s[i - 1] = '\0';
}

void schema_fail(struct schema_error *err, const char *field, const char *fmt, ...)
{
	snprintf(err->field, sizeof err->field, "%s", field);
	trim_partial_utf8(err->field);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
	trim_partial_utf8(err->message);
	err->unknown_field = false;
}

const struct schema_field *schema_find(const struct schema *s, const char *name)
{
	for (size_t i = 0; i < s->count; i++)
		if (strcmp(s->fields[i].name, name) == 0)
			return &s->fields[i];
	return NULL;
}

bool schema_is_id(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return false;
	return n == 32;
}

/* Assigned ISO 3166-1 alpha-2 codes, two letters each, in order. */
static const char countries[] =
    "ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBEBFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBYBZCACCCDCFCGCH"
    "CICKCLCMCNCOCRCUCVCWCXCYCZDEDJDKDMDODZECEEEGEHERESETFIFJFKFMFOFRGAGBGDGEGFGGGHGIGLGMGN"
    "GPGQGRGSGTGUGWGYHKHMHNHRHTHUIDIEILIMINIOIQIRISITJEJMJOJPKEKGKHKIKMKNKPKRKWKYKZLALBLCLI"
    "LKLRLSLTLULVLYMAMCMDMEMFMGMHMKMLMMMNMOMPMQMRMSMTMUMVMWMXMYMZNANCNENFNGNINLNONPNRNUNZOM"
    "PAPEPFPGPHPKPLPMPNPRPSPTPWPYQARERORSRURWSASBSCSDSESGSHSISJSKSLSMSNSOSRSSSTSVSXSYSZTCTD"
    "TFTGTHTJTKTLTMTNTOTRTTTVTWTZUAUGUMUSUYUZVAVCVEVGVIVNVUWFWSYEYTZAZMZW";

bool schema_is_country(const char *s)
{
	if (strlen(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z')
		return false;
	for (const char *p = countries; *p; p += 2)
		if (p[0] == s[0] && p[1] == s[1])
			return true;
	return false;
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

bool schema_is_langtag(const char *s)
{
	/* language (2-3 letters) then subtags of 1-8 letters or digits; a
	 * singleton must be followed by something. Enough to refuse junk
	 * without a registry. */
	size_t n = strlen(s);
	if (n < 2 || n > 35)
		return false;
	const char *p = s;
	size_t len = 0;
	while (p[len] && p[len] != '-')
		len++;
	if (len < 2 || len > 3)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_alpha(p[i]))
			return false;
	p += len;
	while (*p == '-') {
		p++;
		len = 0;
		while (p[len] && p[len] != '-') {
			if (!is_alnum(p[len]))
				return false;
			len++;
		}
		if (len < 1 || len > 8)
			return false;
		p += len;
		if (len == 1 && *p == '\0')
			return false;
	}
	return *p == '\0';
}

static bool in_values(const char *const *values, const char *v)
{
	for (; *values; values++)
		if (strcmp(*values, v) == 0)
			return true;
	return false;
}

static void join(char *out, size_t cap, const char *prefix, const char *name)
{
	if (prefix[0])
		snprintf(out, cap, "%s.%s", prefix, name);
	else
		snprintf(out, cap, "%s", name);
}

static wm_err check_object(const struct schema *s, const json_t *obj, const char *path,
			   struct schema_error *err);

/* Checks one value (never null) of type t against field f. */
static wm_err check_value(const struct schema_field *f, enum schema_type t, const json_t *v,
			  const char *path, struct schema_error *err)
{
	switch (t) {
	case SCH_STRING:
	case SCH_TEXT: {
		if (!json_is_string(v)) {
			schema_fail(err, path, "%s must be a string", path);
			return WM_ERR_INVALID;
		}
		const char *str = json_string_value(v);
		size_t len = json_string_length(v);
		long long max =
		    f->max ? f->max : (t == SCH_TEXT ? TEXT_MAX_DEFAULT : STRING_MAX_DEFAULT);
		if (strlen(str) != len) {
			schema_fail(err, path, "%s must not contain NUL characters", path);
			return WM_ERR_INVALID;
		}
		if ((long long)len > max) {
			schema_fail(err, path, "%s is longer than %lld bytes", path, max);
			return WM_ERR_INVALID;
		}
		if (t == SCH_STRING ? text_has_newline_or_control(str) : text_has_control(str)) {
			schema_fail(err, path, "%s contains control characters", path);
			return WM_ERR_INVALID;
		}
		if ((f->flags & (SCH_REQUIRED | SCH_NONBLANK)) && text_trimmed_len(str) == 0) {
			schema_fail(err, path, "%s must not be blank", path);
			return WM_ERR_INVALID;
		}
		return WM_OK;
	}
	case SCH_INT: {
		if (!json_is_integer(v)) {
			schema_fail(err, path, "%s must be an integer", path);
			return WM_ERR_INVALID;
		}
		long long x = json_integer_value(v);
		long long lo = f->min, hi = f->max;
		if (lo == 0 && hi == 0) {
			lo = -2147483647LL;
			hi = 2147483647LL;
		}
		if (x < lo || x > hi) {
			schema_fail(err, path, "%s must be between %lld and %lld", path, lo, hi);
			return WM_ERR_INVALID;
		}
		return WM_OK;
	}
	case SCH_BOOL:
		if (!json_is_boolean(v)) {
			schema_fail(err, path, "%s must be true or false", path);
			return WM_ERR_INVALID;
		}
		return WM_OK;
	case SCH_DATE: {
		int day;
		if (!json_is_string(v) || !date_parse(json_string_value(v), &day)) {
			schema_fail(err, path, "%s is not a date (YYYY-MM-DD) that exists", path);
			return WM_ERR_INVALID;
		}
		return WM_OK;
	}
	case SCH_INSTANT: {
		int64_t t2;
		if (!json_is_string(v) || !instant_parse(json_string_value(v), &t2)) {
			schema_fail(err, path, "%s is not an RFC 3339 time", path);
			return WM_ERR_INVALID;
		}
		return WM_OK;
	}
	case SCH_ENUM:
		if (!json_is_string(v) || !in_values(f->values, json_string_value(v))) {
			char list[120] = "";
			size_t used = 0;
			for (const char *const *p = f->values; *p && used < sizeof list; p++) {
				int n = snprintf(list + used, sizeof list - used, "%s%s",
						 used ? ", " : "", *p);
				if (n < 0)
					break;
				used += (size_t)n;
			}
			schema_fail(err, path, "%s must be one of: %s", path, list);
			return WM_ERR_INVALID;
		}
		return WM_OK;
	case SCH_ID:
		if (!json_is_string(v) || !schema_is_id(json_string_value(v))) {
			schema_fail(err, path, "%s is not a valid id", path);
			return WM_ERR_INVALID;
		}
		return WM_OK;
	case SCH_COUNTRY:
		if (!json_is_string(v) || !schema_is_country(json_string_value(v))) {
			schema_fail(err, path, "%s must be an ISO 3166-1 alpha-2 country code",
				    path);
			return WM_ERR_INVALID;
		}
		return WM_OK;
	case SCH_LANGTAG:
		if (!json_is_string(v) || !schema_is_langtag(json_string_value(v))) {
			schema_fail(err, path, "%s must be a BCP 47 language tag", path);
			return WM_ERR_INVALID;
		}
		return WM_OK;
	case SCH_OBJECT:
		if (!json_is_object(v)) {
			schema_fail(err, path, "%s must be an object", path);
			return WM_ERR_INVALID;
		}
		return check_object(f->object, v, path, err);
	case SCH_ARRAY: {
		if (!json_is_array(v)) {
			schema_fail(err, path, "%s must be a list", path);
			return WM_ERR_INVALID;
		}
		long long max = f->max ? f->max : ARRAY_MAX_DEFAULT;
		if ((long long)json_array_size(v) > max) {
			schema_fail(err, path, "%s has more than %lld items", path, max);
			return WM_ERR_INVALID;
		}
		size_t i;
		const json_t *item;
		json_array_foreach(v, i, item)
		{
			char ipath[SCHEMA_PATH_MAX];
			snprintf(ipath, sizeof ipath, "%s[%zu]", path, i);
			if (json_is_null(item)) {
				schema_fail(err, ipath, "%s must not be null", ipath);
				return WM_ERR_INVALID;
			}
			enum schema_type it = f->object ? SCH_OBJECT : f->items;
			/* Lists of lists are not described by any schema: a table
			 * that declares one is a bug. */
			assert(it != SCH_ARRAY);
			if (it == SCH_ARRAY) {
				schema_fail(err, ipath, "%s is not a value this field takes",
					    ipath);
				return WM_ERR_INVALID;
			}
			wm_err e = check_value(f, it, item, ipath, err);
			if (e != WM_OK)
				return e;
			for (size_t k = 0; it != SCH_OBJECT && k < i; k++)
				if (json_equal(json_array_get(v, k), item)) {
					schema_fail(err, ipath, "%s repeats an earlier item",
						    ipath);
					return WM_ERR_INVALID;
				}
		}
		return WM_OK;
	}
	}
	assert(!"a schema field of an unknown type");
	schema_fail(err, path, "%s is not a value this field takes", path);
	return WM_ERR_INVALID;
}

static wm_err check_object(const struct schema *s, const json_t *obj, const char *path,
			   struct schema_error *err)
{
	const char *key;
	const json_t *v;
	char fpath[SCHEMA_PATH_MAX];
	json_object_foreach((json_t *)obj, key, v)
	{
		const struct schema_field *f = schema_find(s, key);
		join(fpath, sizeof fpath, path, key);
		if (!f || text_has_newline_or_control(key)) {
			/* The name of an unknown field is the client's text: it is
			 * named in `field` (bounded) but not echoed in the message. */
			schema_fail(err, fpath, "unknown field");
			err->unknown_field = true;
			return WM_ERR_INVALID;
		}
		if (f->flags & SCH_SERVER) {
			schema_fail(err, fpath, "%s is set by the server", fpath);
			return WM_ERR_INVALID;
		}
		if (json_is_null(v))
			continue;
		wm_err e = check_value(f, f->type, v, fpath, err);
		if (e != WM_OK)
			return e;
	}
	for (size_t i = 0; i < s->count; i++) {
		const struct schema_field *f = &s->fields[i];
		if (!(f->flags & SCH_REQUIRED))
			continue;
		const json_t *present = json_object_get(obj, f->name);
		if (!present || json_is_null(present)) {
			join(fpath, sizeof fpath, path, f->name);
			schema_fail(err, fpath, "%s is required", fpath);
			return WM_ERR_INVALID;
		}
	}
	return WM_OK;
}

wm_err schema_check(const struct schema *s, const json_t *obj, struct schema_error *err)
{
	assert(s && err);
	/* Whatever path returns, err is never left unfilled. */
	schema_fail(err, "", "the request is not valid");
	if (!json_is_object(obj)) {
		schema_fail(err, "", "the body must be a JSON object");
		return WM_ERR_INVALID;
	}
	return check_object(s, obj, "", err);
}

json_t *schema_merge(const struct schema *s, const json_t *stored, const json_t *patch)
{
	json_t *out = json_deep_copy(stored);
	if (!out)
		return NULL;
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)patch, key, v)
	{
		const struct schema_field *f = schema_find(s, key);
		if (json_is_null(v) && f && !(f->flags & SCH_SERVER)) {
			json_object_del(out, key);
			continue;
		}
		json_t *old = json_object_get(out, key);
		json_t *merged;
		if (f && f->type == SCH_OBJECT && json_is_object(v) && json_is_object(old))
			merged = schema_merge(f->object, old, v);
		else
			merged = json_deep_copy(v);
		if (!merged || json_object_set_new(out, key, merged) != 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

void schema_drop_nulls(const struct schema *s, json_t *obj)
{
	const char *key;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(obj, tmp, key, v)
	{
		const struct schema_field *f = schema_find(s, key);
		if (json_is_null(v) && f && !(f->flags & SCH_SERVER)) {
			json_object_del(obj, key);
			continue;
		}
		if (f && f->type == SCH_OBJECT && json_is_object(v))
			schema_drop_nulls(f->object, v);
		else if (f && f->type == SCH_ARRAY && f->object && json_is_array(v)) {
			size_t i;
			json_t *item;
			json_array_foreach(v, i, item)
			{
				if (json_is_object(item))
					schema_drop_nulls(f->object, item);
			}
		}
	}
}

/* The field of s named key, when view may see it; NULL otherwise. */
static const struct schema_field *view_field(const struct schema *s, const char *key,
					     enum schema_view view)
{
	const struct schema_field *f = schema_find(s, key);
	return f && !(view == VIEW_SHARED && (f->flags & SCH_CASE_TEAM)) ? f : NULL;
}

/* Whether schema_view shows v, the value of f, through f's own schema. */
static bool view_nested(const struct schema_field *f, const json_t *v)
{
	return f->type == SCH_OBJECT && f->object && json_is_object(v);
}

json_t *schema_view(const struct schema *s, const json_t *rec, enum schema_view view)
{
	assert(s && json_is_object(rec));
	json_t *out = json_object();
	if (!out)
		return NULL;
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)rec, key, v)
	{
		const struct schema_field *f = view_field(s, key, view);
		if (!f)
			continue;
		json_t *copy = view_nested(f, v) ? schema_view(f->object, v, view) : json_incref(v);
		if (!copy || json_object_set_new(out, key, copy) != 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

bool schema_view_members(struct buf *b, const struct schema *s, const json_t *rec,
			 enum schema_view view, bool *first)
{
	assert(s && json_is_object(rec));
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)rec, key, v)
	{
		const struct schema_field *f = view_field(s, key, view);
		if (!f)
			continue;
		if (!*first)
			buf_addc(b, ',');
		*first = false;
		jsonw_string(b, key, strlen(key));
		buf_addc(b, ':');
		bool ok;
		if (view_nested(f, v)) {
			bool inner = true;
			buf_addc(b, '{');
			ok = schema_view_members(b, f->object, v, view, &inner);
			buf_addc(b, '}');
		} else {
			ok = jsonw_value(b, v);
		}
		if (!ok)
			return false;
	}
	return !b->failed;
}
