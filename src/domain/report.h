/*
 * report.h - the outcome report's figures (spec: reports.md), as pure maths.
 *
 * The store counts (store_report_outcomes fills a struct report_raw); this
 * module turns the counts into the figures a reader is shown: rates rounded
 * to 4 places, medians to one, small numbers suppressed for analysts,
 * distributions in buckets of days, and RFC 4180 CSV cells. It also holds
 * the report's vocabulary: every figure's name and kind, the reasons a
 * registration is refused, and the seven Modern Slavery Core Outcomes with
 * the figures that evidence each. No I/O, no SQL, no clock.
 */
#ifndef WM_REPORT_H
#define WM_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How a figure is counted. */
enum report_kind {
	REPORT_COUNT,  /* value = how many */
	REPORT_RATE,   /* value = numerator / denominator, 0 to 1, 4 places */
	REPORT_MEDIAN, /* value = the median of values (days), 1 place */
};

/* Every figure the report computes. The first REPORT_MAIN are the spec's
 * `figures`, in its order; the rest evidence the Core Outcomes (mscos). */
enum report_fig {
	RF_COHORT,
	RF_ENTERED,
	RF_GP_REGISTERED,
	RF_DAYS_TO_GP,
	RF_ACCESSED_HEALTH,
	RF_LINKED,
	RF_INTERPRETER,
	RF_DNA,
	RF_THIRD_PARTY,
	RF_REFUSALS,
	RF_MH_WAIT,
	RF_ANTIDEPRESSANT,
	RF_NRM_REFERRALS,
	RF_RG_DAYS,
	RF_CG_DAYS,
	RF_CG_WAITING,
	REPORT_MAIN, /* the Core Outcomes' own figures follow */
	RF_HOUSING_GOAL_SET = REPORT_MAIN,
	RF_HOUSING_GOAL_MET,
	RF_HOUSING_LINKED,
	RF_SAFETY_GOAL_SET,
	RF_SAFETY_GOAL_MET,
	RF_PLAN_IN_PLACE,
	RF_PLAN_ON_TIME,
	RF_NO_ADVOCATE_CHANGE,
	RF_ADVOCATE_CHANGES,
	RF_MEDS_EXPLAINED,
	RF_MEDS_OWN_LANGUAGE,
	RF_PURPOSE_GOAL_SET,
	RF_PURPOSE_GOAL_MET,
	RF_VOLUNTEERING_LINKED,
	RF_DENTAL_REGISTERED,
	RF_APPOINTMENTS_ATTENDED,
	RF_EDUCATION_GOAL_SET,
	RF_EDUCATION_GOAL_MET,
	RF_EDUCATION_LINKED,
	RF_COUNT
};

struct report_figure_def {
	const char *name; /* "gp_registered" */
	enum report_kind kind;
};

/* Indexed by enum report_fig. */
extern const struct report_figure_def report_figures[RF_COUNT];

/* The reasons a registration is refused (the registrations kind's enum),
 * in the spec's order: every one is a key of registration_refusals.by_reason. */
#define REPORT_REASONS 7
extern const char *const report_reasons[REPORT_REASONS];

/* The index of reason in report_reasons; that of "other" for anything else. */
int report_reason_index(const char *reason);

/* The figures of one calendar month (the report's `months`, for charts). */
#define REPORT_MONTH_FIGS 5
extern const enum report_fig report_month_figures[REPORT_MONTH_FIGS];

/* One of the seven Modern Slavery Core Outcomes and what the record shows of it. */
struct report_outcome {
	const char *name;     /* "secure_suitable_housing" */
	const char *evidence; /* "good" or "partial" */
	const char *note;     /* one line: what the record cannot show */
	const enum report_fig *figures;
	size_t nfigures;
};
#define REPORT_OUTCOMES 7
extern const struct report_outcome report_outcomes[REPORT_OUTCOMES];

/* A growable list of whole days (the values of a median). */
struct report_values {
	int *v; /* malloc'd; owned by the list */
	size_t n, cap;
};

/* Appends d; false when out of memory (the list is unchanged). */
bool report_values_push(struct report_values *l, int d);

/* What the store counts for one period: for a count, num; for a rate, num
 * and den; for a median, values; and the refusals by reason. */
struct report_raw {
	int64_t num[RF_COUNT];
	int64_t den[RF_COUNT];
	struct report_values values[RF_COUNT];
	int64_t by_reason[REPORT_REASONS];
};

/* Frees the lists of r and zeroes it. */
void report_raw_clear(struct report_raw *r);

/* A period: days from..to, both included, and the instants they span in
 * the server's time zone, [from_at, to_at) (the caller fills them from
 * date_local_start, so an appointment's date is its local date). */
struct report_span {
	int from, to;
	int64_t from_at, to_at;
};

/* One figure as the reader is shown it. has_* false: null. */
struct report_figure {
	enum report_kind kind;
	bool suppressed;
	bool has_value, has_num, has_den;
	double value;
	int64_t numerator, denominator;
	bool has_count;
	int64_t count; /* a median's number of values */
};

/* True for 1 to 4: a number small enough to identify someone. */
bool report_small(int64_t n);

/* v rounded half away from zero to `places` decimal places. */
double report_round(double v, int places);

/* A count; suppressed (value null) when suppress and report_small(n). */
struct report_figure report_count(int64_t n, bool suppress);

/* A rate num/den rounded to 4 places; value null when den is 0 (not
 * suppressed). Suppressed when suppress and either is small: then value,
 * numerator and denominator are all null. */
struct report_figure report_rate(int64_t num, int64_t den, bool suppress);

/* The median of values[0..n) (sorted in place), in days to one place (an
 * even count: the mean of the middle two); value null when n is 0.
 * Suppressed (value and count null) when suppress and report_small(n). */
struct report_figure report_median(int *values, size_t n, bool suppress);

/* Figure f of raw, by its kind (sorts a median's values in place). */
struct report_figure report_answer(struct report_raw *raw, enum report_fig f, bool suppress);

/* A count that may be suppressed on its own (a by_reason key, a bucket):
 * false when it is to be shown as null. */
bool report_shown(int64_t n, bool suppress);

/* The buckets of a median's distribution, in days: from_days to to_days
 * both included (to_days -1: no upper end). A value below 0 falls in the
 * first bucket, so every value is counted once. */
#define REPORT_BUCKETS 8
struct report_bucket {
	int from_days, to_days;
};
extern const struct report_bucket report_buckets[REPORT_BUCKETS];

/* Counts values[0..n) into their buckets. */
void report_distribution(const int *values, size_t n, int64_t counts[REPORT_BUCKETS]);

/* Writes a number cell: a count as an integer, a rate with 4 places, a
 * median with 1; "" for null. out has cap bytes (32 is enough). */
void report_number_text(enum report_kind kind, bool has, double value, char *out, size_t cap);

/* Writes s as one RFC 4180 field into out (cap bytes, NUL-terminated):
 * quoted, with quotes doubled, when it holds a comma, a quote, CR or LF;
 * as it is otherwise. Returns the length it needs (without the NUL), as
 * snprintf does: the field is whole only when that is below cap. */
size_t report_csv_field(const char *s, char *out, size_t cap);

#endif
