/*
 * common.c - the checks the kinds' validators share.
 */
#include "kinds.h"

#include <assert.h>

#include "../date.h"

wm_err kind_check(const struct schema *s, json_t *item, struct schema_error *err)
{
	assert(s && err);
	if (json_is_object(item))
		schema_drop_nulls(s, item);
	return schema_check(s, item, err);
}

bool kind_has(const json_t *item, const char *key)
{
	const json_t *v = json_object_get(item, key);
	return v && !json_is_null(v);
}

bool kind_date(const json_t *item, const char *key, int *out)
{
	const json_t *v = json_object_get(item, key);
	return v && json_is_string(v) && date_parse(json_string_value(v), out);
}

const char *kind_str(const json_t *item, const char *key)
{
	return json_string_value(json_object_get(item, key));
}

bool kind_true(const json_t *item, const char *key)
{
	return json_is_true(json_object_get(item, key));
}

wm_err kind_not_future(const json_t *item, const char *key, int today, struct schema_error *err)
{
	int day;
	if (kind_date(item, key, &day) && day > today) {
		schema_fail(err, key, "%s is in the future", key);
		return WM_ERR_INVALID;
	}
	return WM_OK;
}

wm_err kind_not_before(const json_t *item, const char *later, const char *earlier,
		       struct schema_error *err)
{
	int a, b;
	if (kind_date(item, later, &a) && kind_date(item, earlier, &b) && a < b) {
		schema_fail(err, later, "%s is before %s", later, earlier);
		return WM_ERR_INVALID;
	}
	return WM_OK;
}

wm_err kind_needs(const json_t *item, const char *field, const char *needed,
		  struct schema_error *err)
{
	if (kind_has(item, field) && !kind_has(item, needed)) {
		schema_fail(err, needed, "%s is required with %s", needed, field);
		return WM_ERR_INVALID;
	}
	return WM_OK;
}

wm_err kind_default_str(json_t *item, const char *key, const char *value)
{
	if (kind_has(item, key))
		return WM_OK;
	return json_object_set_new(item, key, json_string(value)) == 0 ? WM_OK : WM_ERR_NOMEM;
}
