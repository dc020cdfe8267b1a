/*
 * anonymise.h - the research export's anonymisation: coarsening (ages to
 * five-year bands, dates to months) and k-anonymity by suppression.
 *
 * Pure code: no store, no JSON. The API (src/api/research.c) turns each
 * consenting survivor into a row of quasi-identifiers, asks
 * anon_k_anonymise to hide values until every combination of what is left
 * is shared by at least k rows, and writes the rows as CSV.
 * docs/research-export.md explains the method to its readers.
 */
#ifndef WM_ANONYMISE_H
#define WM_ANONYMISE_H

#include <stdbool.h>
#include <stddef.h>

/* The quasi-identifiers: what someone who knows a survivor could know and
 * link a row by. Their order is also the tie-break of the greedy choice.
 * The month of entering the service is one too: whoever knows when a
 * person came (an employer, a trafficker) could otherwise pick out a row
 * that is rare only in its month. */
enum anon_qi {
	ANON_AGE,	   /* age band with majority status ("15--19 Minor") */
	ANON_GENDER,	   /* "female", ... */
	ANON_NATIONALITY,  /* ISO 3166-1 alpha-2 */
	ANON_EXPLOITATION, /* the exploitation types, sorted, ';'-joined */
	ANON_REGISTERED,   /* the month the survivor entered the service, "YYYY-MM" */
	ANON_QI_COUNT
};

/* What a suppressed cell says in the export. */
#define ANON_SUPPRESSED "suppressed"

/* The smallest k the export accepts, the public release's, and the
 * default for internal use. */
#define ANON_K_MIN     2
#define ANON_K_PUBLIC  11
#define ANON_K_DEFAULT 5
#define ANON_K_MAX     1000

/* One row. qi[] is borrowed ("" is a value of its own: unknown); hidden[]
 * says which values the anonymiser suppressed; dropped rows are to be left
 * out of the export entirely. */
struct anon_row {
	const char *qi[ANON_QI_COUNT];
	bool hidden[ANON_QI_COUNT];
	bool dropped;
};

/* What anonymising did. */
struct anon_result {
	size_t cells_suppressed;
	size_t rows_dropped;
};

/* Makes rows k-anonymous on their quasi-identifiers: afterwards, for every
 * row not dropped, at least k-1 other rows not dropped have the same value
 * or the same suppression in every quasi-identifier.
 *
 * Greedy local suppression, deterministic for a given multiset of rows
 * (the input order does not matter): while some rows are in a class of
 * fewer than k, take, of the quasi-identifiers those rows still show, the
 * one with the most distinct values among them (a hidden cell counting as
 * one value more; ties: the one whose rarest value is rarer, then enum
 * order), and hide its rarest value (counted over all rows; ties: byte
 * order) in those rows only.
 * Rows whose every value is hidden and who still number fewer than k are
 * dropped. Nothing is hidden when the rows are already k-anonymous.
 * Returns false when memory runs out (rows are then unspecified) or k <
 * 1. */
bool anon_k_anonymise(struct anon_row *rows, size_t n, int k, struct anon_result *out);

/* The smallest class size among rows not dropped (0 when none): what
 * k-anonymity promises, checked independently of how it was reached. */
size_t anon_min_class(const struct anon_row *rows, size_t n);

/* Age in whole years on day `on` (days since 1970-01-01) of someone born
 * in birth_year, on birth_month/birth_day when known (0 when not; then the
 * birthday is taken to be 1 July, the middle of the year). Someone born on
 * 29 February has their birthday on 1 March in other years. -1 when
 * birth_year is 0 (unknown) or the birth is after `on`. */
int anon_age(int birth_year, int birth_month, int birth_day, int on);

/* The five-year band of an age: "0--4", "5--9", ..., "60--64", "65+"
 * (CTDC's notation for ranges); "" for an unknown age (< 0). */
void anon_age_band(int age, char out[16]);

/* "Adult" (18 or over), "Minor", or "" for an unknown age: the HTCDS
 * majorityStatus. */
const char *anon_majority(int age);

/* The month of a day, "YYYY-MM". */
void anon_month(int day, char out[16]);

/* Whole calendar months from day `from` to day `to` (a month is complete
 * on the same day-of-month, or the month's last day when shorter: 31
 * January to 28 February is one month); 0 when to is before from. */
int anon_months_between(int from, int to);

/* The band of a number of months in the service: "0--2", "3--5",
 * "6--11", "12--23", "24+"; "" when negative. */
const char *anon_months_band(int months);

/* Writes s as one CSV field (RFC 4180, report_csv_field) into out, first
 * guarding it against spreadsheet formulas: a value starting with '=',
 * '+', '-', '@', tab or CR gets a leading apostrophe. Returns the length
 * needed, as snprintf does. */
size_t anon_csv_field(const char *s, char *out, size_t cap);

#endif
