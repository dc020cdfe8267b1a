/*
 * import.c - the pure parts of `waymark import`: see import.h.
 */
#include "import.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const struct import_column import_columns[] = {
    {"ref", IMPORT_REF, "", IMPORT_TEXT},
    {"known_as", IMPORT_SURVIVOR, "known_as", IMPORT_TEXT},
    {"legal_name", IMPORT_SURVIVOR, "legal_name", IMPORT_TEXT},
    {"birth_year", IMPORT_SURVIVOR, "birth_year", IMPORT_INT},
    {"gender", IMPORT_SURVIVOR, "gender", IMPORT_TEXT},
    {"nationality", IMPORT_SURVIVOR, "nationality", IMPORT_TEXT},
    {"nhs_number", IMPORT_SURVIVOR, "nhs_number", IMPORT_TEXT},
    {"phone", IMPORT_SURVIVOR, "contact.phone", IMPORT_TEXT},
    {"address", IMPORT_SURVIVOR, "contact.address", IMPORT_TEXT},
    {"safe_to_call", IMPORT_SURVIVOR, "contact.safe_to_call", IMPORT_BOOL},
    {"safe_voicemail", IMPORT_SURVIVOR, "contact.safe_voicemail", IMPORT_BOOL},
    {"safe_letters", IMPORT_SURVIVOR, "contact.safe_letters", IMPORT_BOOL},
    {"languages", IMPORT_SURVIVOR, "languages", IMPORT_LANGUAGES},
    {"entered_service_on", IMPORT_SURVIVOR, "entered_service_on", IMPORT_DATE},
    {"exploitation_types", IMPORT_SURVIVOR, "exploitation_types", IMPORT_LIST},
    {"pregnant", IMPORT_SURVIVOR, "pregnant", IMPORT_BOOL},
    {"due_on", IMPORT_SURVIVOR, "due_on", IMPORT_DATE},
    {"dependants", IMPORT_SURVIVOR, "dependants", IMPORT_DEPENDANTS},
    {"status", IMPORT_SURVIVOR, "status", IMPORT_TEXT},
    {"closed_on", IMPORT_SURVIVOR, "closed_on", IMPORT_DATE},
    {"clinician_gender", IMPORT_SURVIVOR, "care_needs.clinician_gender", IMPORT_TEXT},
    {"advocate_attends", IMPORT_SURVIVOR, "care_needs.advocate_attends", IMPORT_BOOL},
    {"approach_with_care", IMPORT_SURVIVOR, "care_needs.approach_with_care", IMPORT_TEXT},
    {"advocate", IMPORT_ADVOCATE, "", IMPORT_TEXT},
    {"gp_provider", IMPORT_GP, "provider", IMPORT_TEXT},
    {"gp_registered_on", IMPORT_GP, "registered_on", IMPORT_DATE},
    {"gp_refused_on", IMPORT_GP, "refused_on", IMPORT_DATE},
    {"gp_refusal_reason", IMPORT_GP, "refusal_reason", IMPORT_TEXT},
    {"nrm_referred_on", IMPORT_NRM, "referred_on", IMPORT_DATE},
    {"nrm_first_responder", IMPORT_NRM, "first_responder", IMPORT_TEXT},
    {"nrm_rg_decision_on", IMPORT_NRM, "rg_decision_on", IMPORT_DATE},
    {"nrm_rg_outcome", IMPORT_NRM, "rg_outcome", IMPORT_TEXT},
    {"nrm_cg_decision_on", IMPORT_NRM, "cg_decision_on", IMPORT_DATE},
    {"nrm_cg_outcome", IMPORT_NRM, "cg_outcome", IMPORT_TEXT},
    {"nrm_support", IMPORT_NRM, "support", IMPORT_TEXT},
    {"asylum_claimed_on", IMPORT_ASYLUM, "claimed_on", IMPORT_DATE},
    {"asylum_support", IMPORT_ASYLUM, "support", IMPORT_TEXT},
    {"asylum_decision_on", IMPORT_ASYLUM, "decision_on", IMPORT_DATE},
    {"asylum_outcome", IMPORT_ASYLUM, "outcome", IMPORT_TEXT},
    {"asylum_appeal_lodged_on", IMPORT_ASYLUM, "appeal_lodged_on", IMPORT_DATE},
    {"asylum_legal_representative", IMPORT_ASYLUM, "legal_representative", IMPORT_BOOL},
};
const size_t import_column_count = sizeof import_columns / sizeof import_columns[0];

/* s without the spaces around it, into out (cap bytes). */
static void trimmed(const char *s, char *out, size_t cap)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

const struct import_column *import_column_find(const char *name)
{
	char t[96];
	trimmed(name, t, sizeof t);
	for (size_t i = 0; i < import_column_count; i++)
		if (strcmp(import_columns[i].name, t) == 0)
			return &import_columns[i];
	return NULL;
}

const struct import_column *import_column_for(const json_t *map, const char *heading)
{
	char t[96];
	trimmed(heading, t, sizeof t);
	const char *ours = map ? json_string_value(json_object_get(map, t)) : NULL;
	return import_column_find(ours ? ours : t);
}

/* Reads exactly min to max digits at *p into *v, moving *p past them. */
static bool digits(const char **p, int min, int max, int *v)
{
	int n = 0, x = 0;
	while (n < max && isdigit((unsigned char)**p)) {
		x = x * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	*v = x;
	return n >= min;
}

/* Reads s along fmt: "dd" and "mm" one or two digits, "yyyy" four, any
 * other character itself. */
static bool by_format(const char *s, const char *fmt, int *y, int *m, int *d)
{
	*y = *m = *d = -1;
	while (*fmt) {
		if (strncmp(fmt, "yyyy", 4) == 0) {
			if (!digits(&s, 4, 4, y))
				return false;
			fmt += 4;
		} else if (strncmp(fmt, "dd", 2) == 0) {
			if (!digits(&s, 1, 2, d))
				return false;
			fmt += 2;
		} else if (strncmp(fmt, "mm", 2) == 0) {
			if (!digits(&s, 1, 2, m))
				return false;
			fmt += 2;
		} else if (*s++ != *fmt++) {
			return false;
		}
	}
	return *s == '\0' && *y >= 0 && *m >= 0 && *d >= 0;
}

bool import_date_format_ok(const char *fmt)
{
	const char *y = strstr(fmt, "yyyy"), *m = strstr(fmt, "mm"), *d = strstr(fmt, "dd");
	return y && m && d && strlen(fmt) <= 16;
}

bool import_date(const char *s, const char *fmt, char out[DATE_TEXT_LEN])
{
	char t[32];
	trimmed(s, t, sizeof t);
	int y, m, d, day;
	if (!by_format(t, "yyyy-mm-dd", &y, &m, &d) &&
	    !by_format(t, fmt ? fmt : "dd/mm/yyyy", &y, &m, &d))
		return false;
	char iso[DATE_TEXT_LEN + 8];
	snprintf(iso, sizeof iso, "%04d-%02d-%02d", y, m, d);
	if (!date_parse(iso, &day))
		return false;
	date_format(day, out);
	return true;
}

json_t *import_languages(const char *s)
{
	json_t *arr = json_array();
	const char *p = s;
	while (arr && p) {
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char one[64];
		if (len >= sizeof one)
			len = sizeof one - 1; /* the schema refuses the cut tag */
		memcpy(one, p, len);
		one[len] = '\0';
		char t[64];
		trimmed(one, t, sizeof t);
		size_t n = strlen(t);
		bool interpreter = n > 0 && t[n - 1] == '*';
		if (interpreter)
			t[--n] = '\0';
		if (n > 0 &&
		    json_array_append_new(arr, json_pack("{s:s, s:b}", "code", t,
							 "interpreter_needed", interpreter)) != 0) {
			json_decref(arr);
			return NULL;
		}
		p = end ? end + 1 : NULL;
	}
	return arr;
}

json_t *import_dependants(const char *s)
{
	json_t *arr = json_array();
	for (const char *p = s; arr && p;) {
		const char *end = strchr(p, ';');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char one[256];
		if (n >= sizeof one) {
			json_decref(arr);
			return NULL;
		}
		memcpy(one, p, n);
		one[n] = '\0';
		char name[256], year[16] = "";
		char *colon = strrchr(one, ':');
		if (colon) {
			*colon = '\0';
			trimmed(colon + 1, year, sizeof year);
		}
		trimmed(one, name, sizeof name);
		bool digits4 = strlen(year) == 4;
		for (size_t i = 0; i < 4 && digits4; i++)
			digits4 = isdigit((unsigned char)year[i]);
		if ((colon && !digits4) || (!*name && colon)) {
			json_decref(arr);
			return NULL;
		}
		if (*name) {
			json_t *d = json_pack("{s:s}", "known_as", name);
			if (d && colon)
				json_object_set_new(d, "birth_year", json_integer(atoi(year)));
			if (!d || json_array_append_new(arr, d) != 0) {
				json_decref(arr);
				return NULL;
			}
		}
		p = end ? end + 1 : NULL;
	}
	return arr;
}

/* Windows-1252's 0x80 to 0x9F, where it differs from Latin-1 (0: undefined). */
static const unsigned short cp1252_high[32] = {
    0x20ac, 0,	    0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,	    0x017d, 0,	    0,	    0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
    0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0,	    0x017e, 0x0178};

char *import_cp1252_to_utf8(const unsigned char *s, size_t n, size_t *out_len)
{
	if (n > (((size_t)-1) - 1) / 3)
		return NULL;
	char *out = malloc(n * 3 + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned cp = s[i];
		if (cp >= 0x80 && cp < 0xa0)
			cp = cp1252_high[cp - 0x80] ? cp1252_high[cp - 0x80] : 0xfffd;
		if (cp < 0x80) {
			out[o++] = (char)cp;
		} else if (cp < 0x800) {
			out[o++] = (char)(0xc0 | (cp >> 6));
			out[o++] = (char)(0x80 | (cp & 0x3f));
		} else {
			out[o++] = (char)(0xe0 | (cp >> 12));
			out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (cp & 0x3f));
		}
	}
	out[o] = '\0';
	*out_len = o;
	return out;
}

static void problem(struct import_problem *p, const char *heading, const char *msg)
{
	snprintf(p->column, sizeof p->column, "%s", heading);
	snprintf(p->message, sizeof p->message, "%s", msg);
}

/* The JSON value of a cell (its len bytes at cell, trimmed), or NULL with
 * *p filled. */
static json_t *cell_value(const struct import_column *col, const char *heading, const char *cell,
			  size_t len, const char *date_fmt, struct import_problem *p)
{
	if (col->type == IMPORT_TEXT) {
		/* As long as it is: the field's own rule says how long it may be. */
		json_t *v = json_stringn(cell, len);
		if (!v)
			problem(p, heading, "cannot be read as text");
		return v;
	}
	char t[1024];
	if (len >= sizeof t) {
		problem(p, heading, "is too long");
		return NULL;
	}
	memcpy(t, cell, len);
	t[len] = '\0';
	switch (col->type) {
	case IMPORT_INT: {
		char *end;
		long v = strtol(t, &end, 10);
		if (*end || end == t || v < -1000000 || v > 1000000) {
			problem(p, heading, "must be a whole number");
			return NULL;
		}
		return json_integer(v);
	}
	case IMPORT_DATE: {
		char iso[DATE_TEXT_LEN];
		if (!import_date(t, date_fmt, iso)) {
			char msg[96];
			snprintf(msg, sizeof msg, "must be a date, written %.24s",
				 date_fmt ? date_fmt : "dd/mm/yyyy");
			problem(p, heading, msg);
			return NULL;
		}
		return json_string(iso);
	}
	case IMPORT_BOOL:
		if (!strcasecmp(t, "yes") || !strcasecmp(t, "y") || !strcasecmp(t, "true") ||
		    !strcmp(t, "1"))
			return json_true();
		if (!strcasecmp(t, "no") || !strcasecmp(t, "n") || !strcasecmp(t, "false") ||
		    !strcmp(t, "0"))
			return json_false();
		problem(p, heading, "must be yes or no");
		return NULL;
	case IMPORT_LANGUAGES:
		return import_languages(t);
	case IMPORT_DEPENDANTS: {
		json_t *d = import_dependants(t);
		if (!d)
			problem(p, heading,
				"must be names, each with its birth year after a colon: "
				"Ana:2019;Luka:2021");
		return d;
	}
	case IMPORT_LIST: {
		json_t *arr = json_array();
		for (char *save = NULL, *tok = strtok_r(t, ";", &save); arr && tok;
		     tok = strtok_r(NULL, ";", &save)) {
			char one[64];
			trimmed(tok, one, sizeof one);
			if (*one)
				json_array_append_new(arr, json_string(one));
		}
		return arr;
	}
	case IMPORT_TEXT:
		break;
	}
	return NULL;
}

/* Sets path ("contact.phone": one level of nesting) in obj to v (taken). */
static void set_path(json_t *obj, const char *path, json_t *v)
{
	const char *dot = strchr(path, '.');
	if (!dot) {
		json_object_set_new(obj, path, v);
		return;
	}
	char outer[64];
	snprintf(outer, sizeof outer, "%.*s", (int)(dot - path), path);
	json_t *inner = json_object_get(obj, outer);
	if (!inner) {
		inner = json_object();
		json_object_set_new(obj, outer, inner);
	}
	json_object_set_new(inner, dot + 1, v);
}

bool import_row_build(const struct import_column *const *cols, const char *const *headings,
		      const char *const *cells, size_t n, const char *date_fmt,
		      struct import_row *row, struct import_problem *p)
{
	memset(row, 0, sizeof *row);
	row->ref = row->advocate = "";
	row->bodies[IMPORT_SURVIVOR] = json_object();
	for (size_t i = 0; i < n; i++) {
		const struct import_column *col = cols[i];
		if (!col || !cells[i])
			continue;
		const char *c = cells[i];
		while (*c == ' ' || *c == '\t')
			c++;
		if (!*c)
			continue;
		if (col->part == IMPORT_REF || col->part == IMPORT_ADVOCATE) {
			*(col->part == IMPORT_REF ? &row->ref : &row->advocate) = c;
			continue;
		}
		size_t len = strlen(c);
		while (len > 0 && (c[len - 1] == ' ' || c[len - 1] == '\t'))
			len--;
		json_t *v = cell_value(col, headings[i], c, len, date_fmt, p);
		if (!v) {
			import_row_clear(row);
			return false;
		}
		if (!row->bodies[col->part])
			row->bodies[col->part] = json_object();
		set_path(row->bodies[col->part], col->field, v);
	}
	if (row->bodies[IMPORT_GP])
		json_object_set_new(row->bodies[IMPORT_GP], "service", json_string("gp"));
	return true;
}

void import_row_clear(struct import_row *row)
{
	for (int i = 0; i < IMPORT_PARTS; i++) {
		json_decref(row->bodies[i]);
		row->bodies[i] = NULL;
	}
}

const char *import_column_of_field(enum import_part part, const char *field,
				   const struct import_column *const *cols,
				   const char *const *headings, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct import_column *c = cols[i];
		if (!c || c->part != part || !*c->field)
			continue;
		size_t len = strlen(c->field);
		if (strncmp(field, c->field, len) == 0 &&
		    (field[len] == '\0' || field[len] == '.' || field[len] == '['))
			return headings[i];
	}
	/* Not in the file (a required field left out): our own column's name. */
	for (size_t i = 0; i < import_column_count; i++)
		if (import_columns[i].part == part && strcmp(import_columns[i].field, field) == 0)
			return import_columns[i].name;
	return field;
}

bool import_excel_serial(const char *s, bool date1904, char out[DATE_TEXT_LEN])
{
	long whole = 0;
	const char *p = s;
	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		whole = whole * 10 + (*p - '0');
		if (whole > 2958465) /* 9999-12-31 */
			return false;
	}
	if (*p == '.') /* a time of day: the date is what is kept */
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (*p || whole < 1 || (date1904 && whole > 2957003))
		return false;
	int day;
	if (date1904)
		day = date_from_ymd(1904, 1, 1) + (int)whole;
	else if (whole >= 61) /* after Excel's 29 February 1900, which never was */
		day = date_from_ymd(1899, 12, 30) + (int)whole;
	else if (whole == 60)
		return false;
	else
		day = date_from_ymd(1899, 12, 31) + (int)whole;
	date_format(day, out);
	return true;
}
