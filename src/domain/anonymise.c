/*
 * anonymise.c - coarsening and k-anonymity for the research export
 * (anonymise.h; docs/research-export.md).
 *
 * k-anonymity here is the plain definition applied to the table as
 * published: a suppressed cell is a value of its own ("suppressed"), so
 * every combination of quasi-identifier cells a reader can see in the file
 * is shared by at least k rows. Suppressing locally (only in the rows that
 * are too rare) keeps far more of the data than hiding a value everywhere,
 * and choosing by counts of values, never by input order, makes the result
 * the same however the rows arrive.
 */
#include "anonymise.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "report.h"

/* Hidden cells sort before visible ones; visible ones by their bytes. */
static int cell_cmp(const struct anon_row *a, const struct anon_row *b, int q)
{
	if (a->hidden[q] || b->hidden[q])
		return (int)b->hidden[q] - (int)a->hidden[q];
	return strcmp(a->qi[q], b->qi[q]);
}

static int row_cmp(const void *x, const void *y)
{
	const struct anon_row *a = *(const struct anon_row *const *)x;
	const struct anon_row *b = *(const struct anon_row *const *)y;
	for (int q = 0; q < ANON_QI_COUNT; q++) {
		int c = cell_cmp(a, b, q);
		if (c)
			return c;
	}
	return 0;
}

static int str_cmp(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The live rows, sorted into their classes (by[0..m)); returns m. */
static size_t sort_classes(const struct anon_row *rows, size_t n, const struct anon_row **by)
{
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (!rows[i].dropped)
			by[m++] = &rows[i];
	if (m)
		qsort(by, m, sizeof *by, row_cmp);
	return m;
}

/* The end of the class that starts at by[i]. */
static size_t class_end(const struct anon_row *const *by, size_t m, size_t i)
{
	size_t j = i + 1;
	while (j < m && row_cmp(&by[i], &by[j]) == 0)
		j++;
	return j;
}

/* Marks small[i] for every live row in a class of fewer than k; returns
 * how many. */
static size_t mark_small(const struct anon_row *rows, size_t n, size_t k,
			 const struct anon_row **by, bool *small)
{
	size_t m = sort_classes(rows, n, by), count = 0;
	memset(small, 0, n * sizeof *small);
	for (size_t i = 0; i < m;) {
		size_t j = class_end(by, m, i);
		if (j - i < k)
			for (size_t t = i; t < j; t++) {
				small[by[t] - rows] = true;
				count++;
			}
		i = j;
	}
	return count;
}

/* The visible values of q in the rows chosen by `only` (every live row
 * when NULL), sorted into v; returns how many. */
static size_t values_of(const struct anon_row *rows, size_t n, int q, const bool *only,
			const char **v)
{
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (!rows[i].dropped && !rows[i].hidden[q] && (!only || only[i]))
			v[m++] = rows[i].qi[q];
	if (m)
		qsort(v, m, sizeof *v, str_cmp);
	return m;
}

static size_t distinct(const char *const *v, size_t m)
{
	size_t d = 0;
	for (size_t i = 0; i < m; i++)
		if (i == 0 || strcmp(v[i - 1], v[i]) != 0)
			d++;
	return d;
}

/* How often s occurs in the sorted v[0..m). */
static size_t frequency(const char *const *v, size_t m, const char *s)
{
	size_t lo = 0, hi = m;
	while (lo < hi) { /* the first not below s */
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(v[mid], s) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t end = lo;
	while (end < m && strcmp(v[end], s) == 0)
		end++;
	return end - lo;
}

/* The rarest of the distinct values in the sorted v[0..m) (ties: the
 * first in byte order), counted over the sorted all[0..total); NULL when
 * m is 0. */
static const char *rarest_of(const char *const *v, size_t m, const char *const *all, size_t total,
			     size_t *freq)
{
	const char *rarest = NULL;
	for (size_t i = 0; i < m; i++) {
		if (i > 0 && strcmp(v[i - 1], v[i]) == 0)
			continue;
		size_t f = frequency(all, total, v[i]);
		if (!rarest || f < *freq) {
			rarest = v[i];
			*freq = f;
		}
	}
	return rarest;
}

/* One step: among the quasi-identifiers the small rows still show, the one
 * on which they differ most (a hidden cell counts as one more value),
 * then the one whose rarest value is rarest, then the first; its rarest
 * value is hidden in those rows. False when the small rows show nothing
 * any more. */
static bool suppress_one(struct anon_row *rows, size_t n, const bool *small, const char **v,
			 const char **all, struct anon_result *out)
{
	int best = -1;
	size_t best_d = 0, best_f = 0;
	const char *best_value = NULL;
	for (int q = 0; q < ANON_QI_COUNT; q++) {
		size_t m = values_of(rows, n, q, small, v);
		if (m == 0)
			continue;
		bool some_hidden = false;
		for (size_t i = 0; i < n && !some_hidden; i++)
			some_hidden = small[i] && rows[i].hidden[q];
		size_t d = distinct(v, m) + some_hidden, f = 0;
		size_t total = values_of(rows, n, q, NULL, all);
		const char *value = rarest_of(v, m, all, total, &f);
		if (best < 0 || d > best_d || (d == best_d && f < best_f)) {
			best = q;
			best_d = d;
			best_f = f;
			/* Points into a row: stays valid while v is reused. */
			best_value = value;
		}
	}
	if (best < 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (small[i] && !rows[i].hidden[best] &&
		    strcmp(rows[i].qi[best], best_value) == 0) {
			rows[i].hidden[best] = true;
			out->cells_suppressed++;
		}
	return true;
}

bool anon_k_anonymise(struct anon_row *rows, size_t n, int k, struct anon_result *out)
{
	memset(out, 0, sizeof *out);
	if (k < 1)
		return false;
	if (n == 0)
		return true;
	const struct anon_row **by = malloc(n * sizeof *by);
	const char **v = malloc(n * sizeof *v);
	const char **all = malloc(n * sizeof *all);
	bool *small = malloc(n * sizeof *small);
	bool ok = by && v && all && small;
	while (ok && mark_small(rows, n, (size_t)k, by, small) > 0) {
		if (suppress_one(rows, n, small, v, all, out))
			continue;
		/* The small rows are all hidden in every cell, so one class,
		 * still under k: they cannot be published. */
		for (size_t i = 0; i < n; i++)
			if (small[i]) {
				rows[i].dropped = true;
				out->rows_dropped++;
			}
	}
	free(by);
	free(v);
	free(all);
	free(small);
	return ok;
}

size_t anon_min_class(const struct anon_row *rows, size_t n)
{
	if (n == 0)
		return 0;
	const struct anon_row **by = malloc(n * sizeof *by);
	if (!by)
		return 0;
	size_t m = sort_classes(rows, n, by), least = 0;
	for (size_t i = 0; i < m;) {
		size_t j = class_end(by, m, i);
		if (least == 0 || j - i < least)
			least = j - i;
		i = j;
	}
	free(by);
	return least;
}

int anon_age(int birth_year, int birth_month, int birth_day, int on)
{
	if (birth_year <= 0)
		return -1;
	int y, m, d;
	date_to_ymd(on, &y, &m, &d);
	if (birth_month < 1 || birth_month > 12 || birth_day < 1) {
		/* Only the year is known: the middle of it, so the age is
		 * never more than a year out and is right half the time. */
		birth_month = 7;
		birth_day = 1;
	} else if (birth_month == 2 && birth_day == 29 && date_days_in_month(y, 2) == 28) {
		birth_month = 3;
		birth_day = 1;
	}
	int age = y - birth_year;
	if (m < birth_month || (m == birth_month && d < birth_day))
		age--;
	return age < 0 ? -1 : age;
}

void anon_age_band(int age, char out[16])
{
	if (age < 0)
		out[0] = '\0';
	else if (age >= 65)
		snprintf(out, 16, "65+");
	else
		snprintf(out, 16, "%d--%d", age / 5 * 5, age / 5 * 5 + 4);
}

const char *anon_majority(int age)
{
	if (age < 0)
		return "";
	return age >= 18 ? "Adult" : "Minor";
}

void anon_month(int day, char out[16])
{
	int y, m, d;
	date_to_ymd(day, &y, &m, &d);
	snprintf(out, 16, "%04d-%02d", y, m);
}

int anon_months_between(int from, int to)
{
	if (to < from)
		return 0;
	int fy, fm, fd, ty, tm, td;
	date_to_ymd(from, &fy, &fm, &fd);
	date_to_ymd(to, &ty, &tm, &td);
	int months = (ty - fy) * 12 + (tm - fm);
	/* The last month is complete on the same day of the month, or on
	 * the month's last day when it has no such day. */
	if (td < fd && td != date_days_in_month(ty, tm))
		months--;
	return months < 0 ? 0 : months;
}

const char *anon_months_band(int months)
{
	if (months < 0)
		return "";
	if (months < 3)
		return "0--2";
	if (months < 6)
		return "3--5";
	if (months < 12)
		return "6--11";
	if (months < 24)
		return "12--23";
	return "24+";
}

size_t anon_csv_field(const char *s, char *out, size_t cap)
{
	if (!s[0] || !strchr("=+-@\t\r", s[0]))
		return report_csv_field(s, out, cap);
	/* A spreadsheet would read it as a formula: an apostrophe first
	 * makes it text (OWASP's advice for CSV injection). */
	size_t len = strlen(s);
	char *guarded = malloc(len + 2);
	if (!guarded)
		return cap; /* "does not fit": the caller fails */
	guarded[0] = '\'';
	memcpy(guarded + 1, s, len + 1);
	size_t need = report_csv_field(guarded, out, cap);
	free(guarded);
	return need;
}
