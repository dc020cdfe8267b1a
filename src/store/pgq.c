/*
 * pgq.c - the statement interface of pgq.h over libpq.
 */
#define _POSIX_C_SOURCE 200809L
#include "pgq.h"

#include <assert.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INT8_OID  20
#define BYTEA_OID 17
#define TEXT_OID  25

struct pq_stmt {
	struct pq_db *db;
	char *sql;     /* rewritten: parameters as $1, $2, ... */
	char name[24]; /* "" when not persistent */
	bool prepared;
	int nparams;
	char *names[PQ_MAX_PARAMS]; /* a named parameter's name, else NULL */
	bool used[PQ_MAX_PARAMS];   /* whether the SQL names it (?2 without ?1 leaves $1 unused) */
	const char *val[PQ_MAX_PARAMS];
	int len[PQ_MAX_PARAMS];
	int fmt[PQ_MAX_PARAMS];
	unsigned type[PQ_MAX_PARAMS];
	char num[PQ_MAX_PARAMS][24];
	char *copy[PQ_MAX_PARAMS]; /* PQ_TRANSIENT values */
	PGresult *res;
	int row, nrows;
	unsigned char *blob[PQ_MAX_COLS]; /* decoded bytea of the current row */
	size_t bloblen[PQ_MAX_COLS];
};

/* Rewrites ?N and $name into $N (outside quoted text), recording names. */
static bool rewrite(pq_stmt *s, const char *sql)
{
	size_t n = strlen(sql);
	char *out = malloc(2 * n + 1); /* "?1" -> "$1", "$a" -> "$1": never longer */
	if (!out)
		return false;
	size_t o = 0;
	bool quoted = false;
	for (size_t i = 0; i < n;) {
		char ch = sql[i];
		if (ch == '\'') {
			quoted = !quoted;
			out[o++] = sql[i++];
			continue;
		}
		if (!quoted && (ch == '?' || ch == '$') && i + 1 < n &&
		    isdigit((unsigned char)sql[i + 1])) {
			int v = 0;
			i++;
			while (i < n && isdigit((unsigned char)sql[i]))
				v = v * 10 + (sql[i++] - '0');
			if (v < 1 || v > PQ_MAX_PARAMS) {
				free(out);
				return false;
			}
			if (v > s->nparams)
				s->nparams = v;
			s->used[v - 1] = true;
			o += (size_t)sprintf(out + o, "$%d", v);
			continue;
		}
		if (!quoted && ch == '$' && i + 1 < n &&
		    (isalpha((unsigned char)sql[i + 1]) || sql[i + 1] == '_')) {
			size_t j = i + 1;
			while (j < n && (isalnum((unsigned char)sql[j]) || sql[j] == '_'))
				j++;
			int v = 0;
			for (int k = 0; k < s->nparams && !v; k++)
				if (s->names[k] && strlen(s->names[k]) == j - i &&
				    strncmp(s->names[k], sql + i, j - i) == 0)
					v = k + 1;
			if (!v) {
				if (s->nparams == PQ_MAX_PARAMS) {
					free(out);
					return false;
				}
				s->names[s->nparams] = strndup(sql + i, j - i);
				v = ++s->nparams;
			}
			s->used[v - 1] = true;
			o += (size_t)sprintf(out + o, "$%d", v);
			i = j;
			continue;
		}
		out[o++] = sql[i++];
	}
	out[o] = '\0';
	s->sql = out;
	return true;
}

pq_stmt *pq_prepare(struct pq_db *db, const char *sql, bool persistent)
{
	pq_stmt *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->db = db;
	if (!rewrite(s, sql)) {
		pq_finalize(s);
		return NULL;
	}
	if (persistent)
		snprintf(s->name, sizeof s->name, "wm%u", ++db->names);
	pq_clear_bindings(s);
	return s;
}

static void free_blobs(pq_stmt *s)
{
	for (int i = 0; i < PQ_MAX_COLS; i++) {
		if (s->blob[i])
			PQfreemem(s->blob[i]);
		s->blob[i] = NULL;
	}
}

int pq_reset(pq_stmt *s)
{
	if (!s)
		return PQ_OK;
	free_blobs(s);
	PQclear(s->res);
	s->res = NULL;
	s->row = s->nrows = 0;
	return PQ_OK;
}

int pq_clear_bindings(pq_stmt *s)
{
	for (int i = 0; i < PQ_MAX_PARAMS; i++) {
		free(s->copy[i]);
		s->copy[i] = NULL;
		s->val[i] = NULL;
		s->len[i] = 0;
		s->fmt[i] = 0;
		s->type[i] = 0;
	}
	return PQ_OK;
}

void pq_finalize(pq_stmt *s)
{
	if (!s)
		return;
	pq_reset(s);
	pq_clear_bindings(s);
	if (s->prepared && s->db->pg && PQstatus(s->db->pg) == CONNECTION_OK) {
		char sql[48];
		snprintf(sql, sizeof sql, "DEALLOCATE %s", s->name);
		PQclear(PQexec(s->db->pg, sql));
	}
	for (int i = 0; i < PQ_MAX_PARAMS; i++)
		free(s->names[i]);
	free(s->sql);
	free(s);
}

static bool slot(pq_stmt *s, int i)
{
	if (i < 1 || i > s->nparams)
		return false;
	free(s->copy[i - 1]);
	s->copy[i - 1] = NULL;
	return true;
}

int pq_bind_int64(pq_stmt *s, int i, int64_t v)
{
	if (!slot(s, i))
		return PQ_ERROR;
	snprintf(s->num[i - 1], sizeof s->num[i - 1], "%" PRId64, v);
	s->val[i - 1] = s->num[i - 1];
	s->fmt[i - 1] = 0;
	s->type[i - 1] = INT8_OID;
	return PQ_OK;
}

int pq_bind_int(pq_stmt *s, int i, int v)
{
	return pq_bind_int64(s, i, v);
}

static int bind_bytes(pq_stmt *s, int i, const void *v, int len, void (*keep)(void *), int fmt,
		      unsigned type)
{
	if (!slot(s, i))
		return PQ_ERROR;
	if (!v)
		return pq_bind_null(s, i);
	size_t n = len < 0 ? strlen(v) : (size_t)len;
	if (keep == PQ_TRANSIENT) {
		s->copy[i - 1] = malloc(n + 1);
		if (!s->copy[i - 1])
			return PQ_ERROR;
		memcpy(s->copy[i - 1], v, n);
		s->copy[i - 1][n] = '\0';
		v = s->copy[i - 1];
	}
	s->val[i - 1] = v;
	s->len[i - 1] = (int)n;
	s->fmt[i - 1] = fmt;
	s->type[i - 1] = type;
	return PQ_OK;
}

int pq_bind_text(pq_stmt *s, int i, const char *v, int len, void (*keep)(void *))
{
	/* Text goes as text, its type inferred from where it is used. */
	return bind_bytes(s, i, v, len, keep, 0, 0);
}

int pq_bind_blob(pq_stmt *s, int i, const void *v, int len, void (*keep)(void *))
{
	/* As SQLite: no pointer is NULL; a pointer and no bytes an empty value. */
	return bind_bytes(s, i, v, len, keep, 1, BYTEA_OID);
}

int pq_bind_null(pq_stmt *s, int i)
{
	if (!slot(s, i))
		return PQ_ERROR;
	s->val[i - 1] = NULL;
	s->len[i - 1] = 0;
	s->fmt[i - 1] = 0;
	return PQ_OK;
}

int pq_bind_parameter_index(pq_stmt *s, const char *name)
{
	for (int k = 0; k < s->nparams; k++)
		if (s->names[k] && strcmp(s->names[k], name) == 0)
			return k + 1;
	return 0;
}

int pq_bind_parameter_count(pq_stmt *s)
{
	return s->nparams;
}

/* The outcome of a finished command or query. */
static int outcome(pq_stmt *s)
{
	ExecStatusType st = PQresultStatus(s->res);
	s->db->sqlstate[0] = '\0';
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		const char *n = PQcmdTuples(s->res);
		s->db->changes = n && n[0] ? strtol(n, NULL, 10) : 0;
		s->nrows = st == PGRES_TUPLES_OK ? PQntuples(s->res) : 0;
		s->row = -1;
		return PQ_OK;
	}
	const char *state = PQresultErrorField(s->res, PG_DIAG_SQLSTATE);
	snprintf(s->db->sqlstate, sizeof s->db->sqlstate, "%s", state ? state : "");
	return state && strncmp(state, "23", 2) == 0 ? PQ_CONSTRAINT : PQ_ERROR;
}

int pq_step(pq_stmt *s)
{
	if (!s->res) {
		PGconn *pg = s->db->pg;
		/* A parameter the SQL never names has no type PostgreSQL could
		 * infer (SQLite does not mind): give it one; its value is never read. */
		for (int k = 0; k < s->nparams; k++)
			if (!s->used[k] && !s->type[k])
				s->type[k] = TEXT_OID;
		if (s->name[0] && !s->prepared) {
			PGresult *r = PQprepare(pg, s->name, s->sql, s->nparams, s->type);
			bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
			if (!ok) {
				const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
				snprintf(s->db->sqlstate, sizeof s->db->sqlstate, "%s",
					 state ? state : "");
			}
			PQclear(r);
			if (!ok)
				return PQ_ERROR;
			s->prepared = true;
		}
		s->res =
		    s->name[0]
			? PQexecPrepared(pg, s->name, s->nparams, s->val, s->len, s->fmt, 0)
			: PQexecParams(pg, s->sql, s->nparams, s->type, s->val, s->len, s->fmt, 0);
		if (!s->res)
			return PQ_ERROR;
		int rc = outcome(s);
		if (rc != PQ_OK)
			return rc;
	}
	free_blobs(s);
	if (s->row + 1 < s->nrows) {
		s->row++;
		return PQ_ROW;
	}
	s->row = s->nrows;
	return PQ_DONE;
}

static bool has(pq_stmt *s, int i)
{
	return s->res && s->row >= 0 && s->row < s->nrows && i >= 0 && i < PQnfields(s->res) &&
	       !PQgetisnull(s->res, s->row, i);
}

int64_t pq_column_int64(pq_stmt *s, int i)
{
	return has(s, i) ? strtoll(PQgetvalue(s->res, s->row, i), NULL, 10) : 0;
}

int pq_column_int(pq_stmt *s, int i)
{
	return (int)pq_column_int64(s, i);
}

double pq_column_double(pq_stmt *s, int i)
{
	return has(s, i) ? strtod(PQgetvalue(s->res, s->row, i), NULL) : 0;
}

const unsigned char *pq_column_text(pq_stmt *s, int i)
{
	return has(s, i) ? (const unsigned char *)PQgetvalue(s->res, s->row, i) : NULL;
}

static bool is_bytea(pq_stmt *s, int i)
{
	return PQftype(s->res, i) == BYTEA_OID;
}

const void *pq_column_blob(pq_stmt *s, int i)
{
	if (!has(s, i))
		return NULL;
	if (!is_bytea(s, i) || i >= PQ_MAX_COLS)
		return PQgetvalue(s->res, s->row, i);
	if (!s->blob[i]) {
		s->blob[i] = PQunescapeBytea((const unsigned char *)PQgetvalue(s->res, s->row, i),
					     &s->bloblen[i]);
	}
	return s->blob[i];
}

int pq_column_bytes(pq_stmt *s, int i)
{
	if (!has(s, i))
		return 0;
	if (!is_bytea(s, i) || i >= PQ_MAX_COLS)
		return PQgetlength(s->res, s->row, i);
	return pq_column_blob(s, i) ? (int)s->bloblen[i] : 0;
}

int pq_column_type(pq_stmt *s, int i)
{
	if (!has(s, i))
		return PQ_NULL;
	switch (PQftype(s->res, i)) {
	case 20: /* int8 */
	case 21: /* int2 */
	case 23: /* int4 */
		return PQ_INTEGER;
	default:
		return PQ_TEXT;
	}
}

const char *pq_sql(const pq_stmt *s)
{
	return s->sql;
}

const char *pq_stmt_sqlstate(const pq_stmt *s)
{
	return s->db->sqlstate;
}

int pq_exec(struct pq_db *db, const char *sql)
{
	PGresult *r = PQexec(db->pg, sql);
	ExecStatusType st = PQresultStatus(r);
	int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? PQ_OK : PQ_ERROR;
	if (rc != PQ_OK) {
		const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		snprintf(db->sqlstate, sizeof db->sqlstate, "%s", state ? state : "");
	}
	PQclear(r);
	return rc;
}

struct pq_str {
	char *p;
	size_t n, cap;
	bool failed;
};

struct pq_str *pq_str_new(void)
{
	return calloc(1, sizeof(struct pq_str));
}

static void str_add(struct pq_str *b, const char *s, size_t n)
{
	if (!b || b->failed)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = (b->n + n + 1) * 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->failed = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

void pq_str_appendall(struct pq_str *b, const char *s)
{
	str_add(b, s, strlen(s));
}

void pq_str_appendf(struct pq_str *b, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof buf) {
		if (b)
			b->failed = true;
		return;
	}
	str_add(b, buf, (size_t)n);
}

char *pq_str_finish(struct pq_str *b)
{
	if (!b)
		return NULL;
	char *p = b->failed ? NULL : b->p;
	if (b->failed)
		free(b->p);
	if (!p)
		p = b->failed ? NULL : calloc(1, 1);
	free(b);
	return p;
}

char *pq_mprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	char *p = malloc((size_t)n + 1);
	if (!p)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}
