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

/* The working state. Each value is replaced by its rank among the
 * distinct values of its quasi-identifier (byte order), so that classes
 * are sorted by comparing integers, not strings: a national
 * organisation's export is tens of thousands of rows and the loop below
 * sorts them once a step. */
struct work {
	size_t n;
	int *code; /* n rows of ANON_QI_COUNT: the value's rank, or -1 when hidden */
	size_t *freq[ANON_QI_COUNT];   /* live rows showing each rank */
	unsigned *seen[ANON_QI_COUNT]; /* stamps: ranks met in this step */
	unsigned stamp;
	struct keyed *by; /* the live rows with their codes, to sort */
	bool *small;	  /* rows in a class under k */
};

struct keyed {
	int key[ANON_QI_COUNT];
	size_t row;
};

static int keyed_cmp(const void *x, const void *y)
{
	const struct keyed *a = x, *b = y;
	for (int q = 0; q < ANON_QI_COUNT; q++)
		if (a->key[q] != b->key[q])
			return a->key[q] < b->key[q] ? -1 : 1;
	return 0;
}

struct ranked {
	const char *s;
	size_t row;
};

static int ranked_cmp(const void *x, const void *y)
{
	return strcmp(((const struct ranked *)x)->s, ((const struct ranked *)y)->s);
}

static void work_free(struct work *w)
{
	free(w->code);
	for (int q = 0; q < ANON_QI_COUNT; q++) {
		free(w->freq[q]);
		free(w->seen[q]);
	}
	free(w->by);
	free(w->small);
}

/* Ranks every value of q; hidden and dropped rows' values count for
 * nothing. False when out of memory. */
static bool rank_values(struct work *w, const struct anon_row *rows, int q, struct ranked *tmp)
{
	size_t m = 0;
	for (size_t i = 0; i < w->n; i++) {
		w->code[i * ANON_QI_COUNT + q] = -1;
		if (!rows[i].dropped && !rows[i].hidden[q])
			tmp[m++] = (struct ranked){rows[i].qi[q], i};
	}
	if (m)
		qsort(tmp, m, sizeof *tmp, ranked_cmp);
	w->freq[q] = calloc(m ? m : 1, sizeof *w->freq[q]);
	w->seen[q] = calloc(m ? m : 1, sizeof *w->seen[q]);
	if (!w->freq[q] || !w->seen[q])
		return false;
	int rank = -1;
	for (size_t j = 0; j < m; j++) {
		if (j == 0 || strcmp(tmp[j - 1].s, tmp[j].s) != 0)
			rank++;
		w->code[tmp[j].row * ANON_QI_COUNT + q] = rank;
		w->freq[q][rank]++;
	}
	return true;
}

static bool work_init(struct work *w, const struct anon_row *rows, size_t n)
{
	memset(w, 0, sizeof *w);
	w->n = n;
	w->code = malloc(n * ANON_QI_COUNT * sizeof *w->code);
	w->by = malloc(n * sizeof *w->by);
	w->small = malloc(n * sizeof *w->small);
	struct ranked *tmp = malloc(n * sizeof *tmp);
	bool ok = w->code && w->by && w->small && tmp;
	for (int q = 0; ok && q < ANON_QI_COUNT; q++)
		ok = rank_values(w, rows, q, tmp);
	free(tmp);
	return ok;
}

/* Sorts the live rows into classes and marks small[] for those in a
 * class of fewer than k; returns how many. */
static size_t mark_small(struct work *w, const struct anon_row *rows, size_t k)
{
	size_t m = 0, count = 0;
	for (size_t i = 0; i < w->n; i++) {
		w->small[i] = false;
		if (rows[i].dropped)
			continue;
		memcpy(w->by[m].key, &w->code[i * ANON_QI_COUNT], sizeof w->by[m].key);
		w->by[m++].row = i;
	}
	if (m)
		qsort(w->by, m, sizeof *w->by, keyed_cmp);
	for (size_t i = 0; i < m;) {
		size_t j = i + 1;
		while (j < m && keyed_cmp(&w->by[i], &w->by[j]) == 0)
			j++;
		if (j - i < k)
			for (size_t t = i; t < j; t++) {
				w->small[w->by[t].row] = true;
				count++;
			}
		i = j;
	}
	return count;
}

/* Among the small rows' visible values of q: how many distinct (plus one
 * when some are hidden), and the rarest (over all rows; ties: the first in
 * byte order) into *rare and *rare_f. 0 when they show none. */
static size_t survey(struct work *w, int q, int *rare, size_t *rare_f)
{
	size_t d = 0;
	bool some_hidden = false;
	*rare = -1;
	w->stamp++;
	for (size_t i = 0; i < w->n; i++) {
		if (!w->small[i])
			continue;
		int c = w->code[i * ANON_QI_COUNT + q];
		if (c < 0) {
			some_hidden = true;
			continue;
		}
		if (w->seen[q][c] == w->stamp)
			continue;
		w->seen[q][c] = w->stamp;
		d++;
		size_t f = w->freq[q][c];
		if (*rare < 0 || f < *rare_f || (f == *rare_f && c < *rare)) {
			*rare = c;
			*rare_f = f;
		}
	}
	return d ? d + some_hidden : 0;
}

/* One step: among the quasi-identifiers the small rows still show, the one
 * on which they differ most (a hidden cell counts as one more value),
 * then the one whose rarest value is rarest, then the first; its rarest
 * value is hidden in those rows. False when the small rows show nothing
 * any more. */
static bool suppress_one(struct work *w, struct anon_row *rows, struct anon_result *out)
{
	int best = -1, best_code = -1;
	size_t best_d = 0, best_f = 0;
	for (int q = 0; q < ANON_QI_COUNT; q++) {
		int rare;
		size_t f = 0, d = survey(w, q, &rare, &f);
		if (d && (best < 0 || d > best_d || (d == best_d && f < best_f))) {
			best = q;
			best_d = d;
			best_f = f;
			best_code = rare;
		}
	}
	if (best < 0)
		return false;
	for (size_t i = 0; i < w->n; i++) {
		int *c = &w->code[i * ANON_QI_COUNT + best];
		if (w->small[i] && *c == best_code) {
			*c = -1;
			w->freq[best][best_code]--;
			rows[i].hidden[best] = true;
			out->cells_suppressed++;
		}
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
	struct work w;
	bool ok = work_init(&w, rows, n);
	while (ok && mark_small(&w, rows, (size_t)k) > 0) {
		if (suppress_one(&w, rows, out))
			continue;
		/* The small rows are all hidden in every cell, so one class,
		 * still under k: they cannot be published. */
		for (size_t i = 0; i < n; i++)
			if (w.small[i]) {
				rows[i].dropped = true;
				out->rows_dropped++;
			}
	}
	work_free(&w);
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
