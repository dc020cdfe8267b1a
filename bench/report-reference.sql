-- report-reference.sql - the outcome report of ../shared/spec/reports.md,
-- computed by hand-written SQL over the raw tables: the reference the bench
-- checks the server's figures against, and times in the sqlite3 shell.
--
-- Parameters (bench/run.mjs sets them with .parameter set):
--   @from_day, @to_day   the period [from, to], as day numbers (days since
--                        1970-01-01): the plain columns of the record's parts
--   @from_ts, @to_end_ts the same period as instants: local (Europe/London)
--                        midnight at the start of `from` and at the end of
--                        `to`, so that an appointment's date is its date in
--                        London, as the server counts it
--   @org                 one organisation's id, or NULL for all of them (for one,
--                        run.mjs drops each "@org IS NULL OR ", so that the
--                        organisation's indexes can be used)
--
-- Each statement prints rows `figure|value|numerator|denominator` (empty
-- where a figure has no such part). No suppression: the bench applies the
-- analyst's rule itself when it compares.
--
-- Readings of the spec this follows (and the bench therefore checks):
--   * the cohort: entered_service_on <= to, and closed_on absent or >= from;
--   * interpreter_provided, did_not_attend, third_party_cancellations count
--     every appointment of the organisation in the period, whoever's it is;
--   * antidepressant_without_therapy applies the alert rule on D = to to the
--     cohort's survivors that are active (alert rules apply to active
--     survivors only, and a record is judged as it is stored now);
--   * medians: the middle value, or the mean of the middle two, to one
--     decimal place; none (empty) when there are no values.

-- The cohort, the entered and the rates over the cohort.
WITH p AS (
    SELECT date(@from_day * 86400, 'unixepoch') AS from_txt,
           date(@to_day * 86400, 'unixepoch') AS to_txt
),
cohort AS (
    SELECT s.id FROM survivors s, p
    WHERE (@org IS NULL OR s.org_id = @org)
      AND s.entered_service_on <= p.to_txt
      AND (s.closed_on IS NULL OR s.closed_on >= p.from_txt)
),
n AS (SELECT count(*) AS c FROM cohort),
gp AS (
    SELECT count(*) AS c FROM cohort c
    WHERE EXISTS (SELECT 1 FROM registrations r
                  WHERE r.survivor_id = c.id AND r.service = 'gp'
                    AND r.person = 'survivor' AND r.registered_on <= @to_day)
),
health AS (
    SELECT count(*) AS c FROM cohort c
    WHERE EXISTS (SELECT 1 FROM appointments a
                  WHERE a.survivor_id = c.id AND a.status = 'attended'
                    AND a.starts_at >= @from_ts AND a.starts_at < @to_end_ts)
),
linked AS (
    SELECT count(*) AS c FROM cohort c
    WHERE EXISTS (SELECT 1 FROM referrals f
                  WHERE f.survivor_id = c.id
                    AND (f.accepted_on BETWEEN @from_day AND @to_day
                         OR f.first_seen_on BETWEEN @from_day AND @to_day))
),
entered AS (
    SELECT count(*) AS c FROM survivors s, p
    WHERE (@org IS NULL OR s.org_id = @org)
      AND s.entered_service_on BETWEEN p.from_txt AND p.to_txt
)
SELECT 'cohort', n.c, '', '' FROM n
UNION ALL SELECT 'entered', entered.c, '', '' FROM entered
UNION ALL SELECT 'gp_registered', round(gp.c * 1.0 / nullif(n.c, 0), 4), gp.c, n.c FROM gp, n
UNION ALL SELECT 'accessed_health_services', round(health.c * 1.0 / nullif(n.c, 0), 4), health.c, n.c
          FROM health, n
UNION ALL SELECT 'linked_to_services', round(linked.c * 1.0 / nullif(n.c, 0), 4), linked.c, n.c
          FROM linked, n;

-- Appointments in the period (their date in London).
WITH a AS (
    SELECT status, cancelled_by, interpreter_needed, interpreter_provided FROM appointments
    WHERE (@org IS NULL OR org_id = @org)
      AND starts_at >= @from_ts AND starts_at < @to_end_ts
),
t AS (
    SELECT sum(status = 'attended' AND interpreter_needed = 1) AS need,
           sum(status = 'attended' AND interpreter_needed = 1 AND interpreter_provided = 1) AS got,
           sum(status IN ('attended', 'did_not_attend')) AS seen,
           sum(status = 'did_not_attend') AS dna,
           sum(status = 'cancelled' AND cancelled_by IN ('third_party', 'unknown')) AS third
    FROM a
)
SELECT 'interpreter_provided', round(ifnull(got, 0) * 1.0 / nullif(need, 0), 4), ifnull(got, 0),
       ifnull(need, 0) FROM t
UNION ALL SELECT 'did_not_attend', round(ifnull(dna, 0) * 1.0 / nullif(seen, 0), 4), ifnull(dna, 0),
          ifnull(seen, 0) FROM t
UNION ALL SELECT 'third_party_cancellations', ifnull(third, 0), '', '' FROM t;

-- Registration refusals, and by reason.
SELECT 'registration_refusals', count(*), '', '' FROM registrations
WHERE (@org IS NULL OR org_id = @org) AND refused_on BETWEEN @from_day AND @to_day;
SELECT 'registration_refusals.by_reason.' || refusal_reason, count(*), '', '' FROM registrations
WHERE (@org IS NULL OR org_id = @org) AND refused_on BETWEEN @from_day AND @to_day
GROUP BY refusal_reason;

-- The NRM counts.
SELECT 'nrm_referrals', count(*), '', '' FROM nrm
WHERE (@org IS NULL OR org_id = @org) AND referred_on BETWEEN @from_day AND @to_day;
SELECT 'cg_waiting_over_year', count(*), '', '' FROM nrm
WHERE (@org IS NULL OR org_id = @org) AND rg_outcome = 'positive'
  AND (cg_decision_on IS NULL OR cg_decision_on > @to_day)
  AND @to_day - rg_decision_on >= 365;

-- Antidepressants without therapy: the alert rule medication_without_therapy
-- on D = to, over the cohort's active survivors.
WITH p AS (
    SELECT date(@from_day * 86400, 'unixepoch') AS from_txt,
           date(@to_day * 86400, 'unixepoch') AS to_txt
)
SELECT 'antidepressant_without_therapy', count(*), '', '' FROM survivors s, p
WHERE (@org IS NULL OR s.org_id = @org)
  AND s.status = 'active'
  AND s.entered_service_on <= p.to_txt
  AND (s.closed_on IS NULL OR s.closed_on >= p.from_txt)
  AND EXISTS (SELECT 1 FROM medications m
              WHERE m.survivor_id = s.id AND m.category = 'antidepressant'
                AND (m.stopped_on IS NULL OR m.stopped_on > @to_day)
                AND m.started_on <= @to_day - 28)
  AND NOT EXISTS (SELECT 1 FROM referrals f
                  WHERE f.survivor_id = s.id
                    AND f.service IN ('talking_therapy', 'counselling', 'ptsd_clinic',
                                      'mental_health')
                    AND f.sent_on <= @to_day);

-- The medians, in days: the values of each, then the middle one (or two).
WITH gp_first AS (
    SELECT r.survivor_id, min(r.registered_on) AS first FROM registrations r
    WHERE (@org IS NULL OR r.org_id = @org) AND r.service = 'gp' AND r.person = 'survivor'
      AND r.registered_on IS NOT NULL
    GROUP BY r.survivor_id
),
d(figure, x) AS (
    SELECT 'days_to_gp_registration',
           max(0, g.first - CAST(julianday(s.entered_service_on) - 2440587.5 AS INTEGER))
    FROM gp_first g JOIN survivors s ON s.id = g.survivor_id
    WHERE g.first BETWEEN @from_day AND @to_day
    UNION ALL
    SELECT 'mental_health_wait_days', first_seen_on - sent_on FROM referrals
    WHERE (@org IS NULL OR org_id = @org)
      AND service IN ('mental_health', 'talking_therapy', 'ptsd_clinic', 'counselling')
      AND first_seen_on BETWEEN @from_day AND @to_day
    UNION ALL
    SELECT 'rg_decision_days', rg_decision_on - referred_on FROM nrm
    WHERE (@org IS NULL OR org_id = @org) AND rg_decision_on BETWEEN @from_day AND @to_day
    UNION ALL
    SELECT 'cg_decision_days', cg_decision_on - referred_on FROM nrm
    WHERE (@org IS NULL OR org_id = @org) AND cg_decision_on BETWEEN @from_day AND @to_day
),
o AS (
    SELECT figure, x, row_number() OVER (PARTITION BY figure ORDER BY x) AS rn,
           count(*) OVER (PARTITION BY figure) AS n
    FROM d
),
m AS (
    SELECT figure, round(avg(x), 1) AS v FROM o
    WHERE rn IN ((n + 1) / 2, (n + 2) / 2) GROUP BY figure
),
names(figure) AS (
    VALUES ('days_to_gp_registration'), ('mental_health_wait_days'), ('rg_decision_days'),
           ('cg_decision_days')
)
SELECT names.figure, m.v, '', '' FROM names LEFT JOIN m USING (figure);
