// The outcome report (spec reports.md, docs/reports.md) over a hand-made
// cohort whose every figure was worked out by hand: JSON and CSV, who may
// read it, and small-number suppression for analysts.
//
// The period is 2026-01-01..2026-03-31 in Europe/London (GMT until 29 March,
// then BST), for Agency One:
//   A entered 2025-12-01, active       B entered 2026-01-01 (first day), active
//   C entered 2026-03-31 (last day)    F entered 2025-01-01, closed 2026-01-01 (first day)
//   G entered 2025-10-01, active       D closed 2025-12-31: before the period, out
//   E entered 2026-04-01: after the period, out
// Agency Two has three survivors who entered on 2026-02-01.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, survivorBody } from './harness.mjs';

let s, ctx;
const ids = {};
const Q = '?from=2026-01-01&to=2026-03-31';
const REPORT = '/api/v1/reports/outcomes';

async function survivor(token, over) {
  const r = await s.call('POST', '/api/v1/survivors', { token, body: survivorBody(over) });
  if (r.status !== 201) throw new Error(`survivor: ${r.status} ${r.text}`);
  return r.json;
}

async function add(id, kind, body, method = 'POST') {
  const r = await s.call(method, `/api/v1/survivors/${id}/${kind}`, { token: ctx.tokens.advocate, body });
  if (r.status !== 201) throw new Error(`${kind}: ${r.status} ${r.text}`);
  return r.json;
}

before(async () => {
  s = await Server.start(['--time-zone', 'Europe/London']);
  ctx = await s.seed();
  const adv = ctx.tokens.advocate;
  const A = await survivor(adv, { known_as: 'A', entered_service_on: '2025-12-01' });
  const B = await survivor(adv, { known_as: 'B', entered_service_on: '2026-01-01' });
  const C = await survivor(adv, { known_as: 'C', entered_service_on: '2026-03-31' });
  const D = await survivor(adv, { known_as: 'D', entered_service_on: '2025-06-01', status: 'closed', closed_on: '2025-12-31' });
  const E = await survivor(adv, { known_as: 'E', entered_service_on: '2026-04-01' });
  const F = await survivor(adv, { known_as: 'F', entered_service_on: '2025-01-01', status: 'closed', closed_on: '2026-01-01' });
  const G = await survivor(adv, { known_as: 'G', entered_service_on: '2025-10-01' });
  Object.assign(ids, { A: A.id, B: B.id, C: C.id, D: D.id, E: E.id, F: F.id, G: G.id });

  // GP registrations: first ones in the period are A (40 days), B (30), G (181, on the last day).
  await add(A.id, 'registrations', { service: 'gp', registered_on: '2026-01-10' });
  await add(A.id, 'registrations', { service: 'gp', registered_on: '2026-02-01' }); // not A's first
  await add(B.id, 'registrations', { service: 'gp', registered_on: '2026-01-31' });
  await add(G.id, 'registrations', { service: 'gp', registered_on: '2026-03-31' });
  await add(F.id, 'registrations', { service: 'gp', registered_on: '2025-02-01' }); // registered, before the period
  await add(D.id, 'registrations', { service: 'gp', registered_on: '2025-07-01' });
  await add(A.id, 'registrations', { service: 'dental', refused_on: '2025-12-31', refusal_reason: 'list_full' }); // before
  await add(C.id, 'registrations', { service: 'gp', refused_on: '2026-03-31', refusal_reason: 'no_id' });

  // Appointments, by their date in London.
  const interp = (provided) => ({ language: 'sq', needed: true, booked: true, provided });
  await add(A.id, 'appointments', { kind: 'gp', starts_at: '2026-01-01T00:00:00Z', status: 'attended', interpreter: interp(true) });
  await add(C.id, 'appointments', { kind: 'gp', starts_at: '2026-03-31T22:30:00Z', status: 'attended', interpreter: interp(false) }); // 23:30 BST
  await add(B.id, 'appointments', { kind: 'gp', starts_at: '2026-03-31T23:30:00Z', status: 'attended', interpreter: interp(true) }); // 1 April BST: out
  await add(F.id, 'appointments', { kind: 'gp', starts_at: '2025-12-31T23:59:00Z', status: 'attended' }); // out
  await add(B.id, 'appointments', { kind: 'dental', starts_at: '2026-02-10T10:00:00Z', status: 'did_not_attend' });
  await add(A.id, 'appointments', { kind: 'hospital', starts_at: '2026-02-15T10:00:00Z', status: 'cancelled', cancelled_by: 'third_party' });
  await add(A.id, 'appointments', { kind: 'hospital', starts_at: '2026-02-16T10:00:00Z', status: 'cancelled', cancelled_by: 'survivor' });

  // Referrals: B waits 30 days, G 35 (an even count: 32.5).
  await add(B.id, 'referrals', { service: 'mental_health', sent_on: '2026-01-05', accepted_on: '2026-01-20', first_seen_on: '2026-02-04' });
  await add(G.id, 'referrals', { service: 'talking_therapy', sent_on: '2026-02-01', first_seen_on: '2026-03-08' });

  // Antidepressants: A is flagged; B has a therapy referral; F is closed.
  await add(A.id, 'medications', { name: 'Sertraline', category: 'antidepressant', started_on: '2025-11-01', explained: true, explained_in_own_language: true });
  await add(B.id, 'medications', { name: 'Sertraline', category: 'antidepressant', started_on: '2026-03-01', explained: true });
  await add(F.id, 'medications', { name: 'Sertraline', category: 'antidepressant', started_on: '2025-06-01' });

  // NRM: A referred on the first day, RG in 14 days; B's CG in the period
  // (150 days); G waiting for a CG for over a year.
  await add(A.id, 'nrm', { referred_on: '2026-01-01', rg_decision_on: '2026-01-15', rg_outcome: 'positive' }, 'PUT');
  await add(B.id, 'nrm', { referred_on: '2025-10-01', rg_decision_on: '2025-10-20', rg_outcome: 'positive', cg_decision_on: '2026-02-28', cg_outcome: 'positive' }, 'PUT');
  await add(G.id, 'nrm', { referred_on: '2024-01-10', rg_decision_on: '2024-02-01', rg_outcome: 'positive' }, 'PUT');

  // Plans (Core Outcomes): A met a housing goal, B has one open.
  await add(A.id, 'plan', { goals: [{ domain: 'housing', text: 'A flat', status: 'met' }, { domain: 'safety', text: 'Safe route' }] }, 'PUT');
  await add(B.id, 'plan', { goals: [{ domain: 'housing', text: 'A room' }] }, 'PUT');

  // A's advocate changes once.
  const a = await s.call('GET', `/api/v1/survivors/${A.id}`, { token: ctx.tokens.manager });
  const moved = await s.call('PATCH', `/api/v1/survivors/${A.id}`, { token: ctx.tokens.manager, body: { version: a.json.version, advocate_id: ctx.users.advocate2.id } });
  assert.equal(moved.status, 200, moved.text);

  // Agency Two: three survivors who entered in February.
  for (let i = 0; i < 3; i++) await survivor(ctx.tokens.otherAdvocate, { known_as: `T${i}`, entered_service_on: '2026-02-01' });
});
after(async () => { await s.destroy(); });

const get = (token, query = Q, path = REPORT) => s.call('GET', path + query, { token });
const rate = (value, numerator, denominator) => ({ value, numerator, denominator, suppressed: false });
const count = (value) => ({ value, numerator: null, denominator: null, suppressed: false });
const median = (value, n) => ({ value, numerator: null, denominator: null, suppressed: false, count: n });
const hidden = { value: null, numerator: null, denominator: null, suppressed: true };

test('a manager sees the exact figures of their own organisation', async () => {
  const r = await get(ctx.tokens.manager);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.from, '2026-01-01');
  assert.equal(r.json.to, '2026-03-31');
  assert.equal(r.json.org_id, ctx.orgs.agency.id);
  const { registration_refusals: refusals, ...f } = r.json.figures;
  assert.deepEqual(f, {
    cohort: count(5),
    entered: count(2),
    gp_registered: rate(0.8, 4, 5),
    days_to_gp_registration: median(40, 3),
    accessed_health_services: rate(0.4, 2, 5),
    linked_to_services: rate(0.4, 2, 5),
    interpreter_provided: rate(0.5, 1, 2),
    did_not_attend: rate(0.3333, 1, 3),
    third_party_cancellations: count(1),
    mental_health_wait_days: median(32.5, 2),
    antidepressant_without_therapy: count(1),
    nrm_referrals: count(1),
    rg_decision_days: median(14, 1),
    cg_decision_days: median(150, 1),
    cg_waiting_over_year: count(1),
  });
  assert.deepEqual(refusals, {
    ...count(1),
    by_reason: { no_proof_of_address: 0, no_id: 1, no_immigration_status: 0, no_nhs_number: 0, no_interpreter: 0, list_full: 0, other: 0 },
  });
  // Medians are in days to one place: 40.0 is written so.
  assert.match(r.text, /"days_to_gp_registration":\{"value":40\.0,/);
  assert.match(r.text, /"did_not_attend":\{"value":0\.3333,/);
});

test('months: each calendar month of the period, its figures over that month', async () => {
  const r = await get(ctx.tokens.manager);
  assert.deepEqual(r.json.months.map((m) => [m.month, m.from, m.to, m.cohort.value, m.entered.value]), [
    ['2026-01', '2026-01-01', '2026-01-31', 4, 1],
    ['2026-02', '2026-02-01', '2026-02-28', 3, 0],
    ['2026-03', '2026-03-01', '2026-03-31', 4, 1],
  ]);
  // January: A, B, F and G; A and B registered with a GP by its end, A attended, B linked.
  assert.deepEqual(r.json.months[0].gp_registered, rate(0.75, 3, 4));
  assert.deepEqual(r.json.months[0].accessed_health_services, rate(0.25, 1, 4));
  assert.deepEqual(r.json.months[0].linked_to_services, rate(0.25, 1, 4));
  // A period cut mid-month clips its months.
  const cut = await get(ctx.tokens.manager, '?from=2026-01-15&to=2026-02-10');
  assert.deepEqual(cut.json.months.map((m) => [m.from, m.to]), [['2026-01-15', '2026-01-31'], ['2026-02-01', '2026-02-10']]);
  // months=false leaves them out, and nothing else changes.
  const without = await get(ctx.tokens.manager, '?from=2026-01-01&to=2026-03-31&months=false');
  assert.equal(without.json.months, null);
  assert.deepEqual(without.json.figures, r.json.figures);
  const bad = await s.call('GET', `${REPORT}?from=2026-01-01&to=2026-03-31&months=maybe`, { token: ctx.tokens.manager });
  assert.equal(bad.status, 422);
  assert.equal(bad.json.error.field, 'months');
});

test('distributions: each median figure in buckets of days', async () => {
  const r = await get(ctx.tokens.manager);
  const d = r.json.distributions.days_to_gp_registration;
  assert.deepEqual(d.map((b) => [b.from_days, b.to_days, b.count]), [
    [0, 7, 0], [8, 14, 0], [15, 28, 0], [29, 56, 2], [57, 91, 0], [92, 182, 1], [183, 365, 0], [366, null, 0]]);
  assert.deepEqual(Object.keys(r.json.distributions).sort(), ['cg_decision_days', 'days_to_gp_registration', 'mental_health_wait_days', 'rg_decision_days']);
});

test('the Core Outcomes: each with its evidence, a note and its figures', async () => {
  const r = await get(ctx.tokens.manager);
  const m = r.json.mscos;
  assert.deepEqual(Object.keys(m), ['secure_suitable_housing', 'safety', 'long_term_support', 'trauma_informed_services',
    'purpose_in_life', 'access_to_medical_treatment', 'access_to_education']);
  for (const o of Object.values(m)) {
    assert.ok(['good', 'partial'].includes(o.evidence));
    assert.ok(o.note.length > 20);
  }
  assert.equal(m.access_to_medical_treatment.evidence, 'good');
  assert.equal(m.safety.evidence, 'partial');
  assert.deepEqual(m.secure_suitable_housing.figures.housing_goal_set, count(2));
  assert.deepEqual(m.secure_suitable_housing.figures.housing_goal_met, rate(0.5, 1, 2));
  assert.deepEqual(m.safety.figures.safety_goal_set, count(1));
  assert.deepEqual(m.long_term_support.figures.advocate_changes, count(1));
  assert.deepEqual(m.long_term_support.figures.no_advocate_change, rate(0.8, 4, 5));
  // Medicines in use in the period (A's, B's; F's too, as items are not held to the cohort).
  assert.deepEqual(m.trauma_informed_services.figures.medications_explained, rate(0.6667, 2, 3));
  assert.deepEqual(m.trauma_informed_services.figures.medications_explained_in_own_language, rate(0.5, 1, 2));
  assert.deepEqual(m.access_to_medical_treatment.figures.gp_registered, rate(0.8, 4, 5));
  assert.deepEqual(m.access_to_medical_treatment.figures.appointments_attended, rate(0.6667, 2, 3));
});

test('a zero denominator is a null value, not suppressed; a median of nothing is null', async () => {
  for (const token of [ctx.tokens.manager, ctx.tokens.analyst]) {
    const r = await get(token, '?from=2020-01-01&to=2020-01-31');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.figures.cohort, count(0));
    assert.deepEqual(r.json.figures.gp_registered, rate(null, 0, 0));
    assert.deepEqual(r.json.figures.days_to_gp_registration, median(null, 0));
  }
});

test('CSV: one row per figure and per reason, RFC 4180, as an attachment', async () => {
  const r = await get(ctx.tokens.manager, Q, REPORT + '.csv');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'text/csv; charset=utf-8');
  assert.match(r.headers.get('content-disposition'), /^attachment; filename="[^"]+\.csv"$/);
  assert.ok(r.text.endsWith('\r\n'));
  const rows = r.text.slice(0, -2).split('\r\n');
  assert.equal(rows[0], 'figure,value,numerator,denominator,suppressed');
  assert.equal(rows.length, 1 + 16 + 7);
  assert.ok(rows.includes('cohort,5,,,false'));
  assert.ok(rows.includes('gp_registered,0.8000,4,5,false'));
  assert.ok(rows.includes('days_to_gp_registration,40.0,,,false'));
  assert.ok(rows.includes('mental_health_wait_days,32.5,,,false'));
  assert.ok(rows.includes('registration_refusals,1,,,false'));
  assert.ok(rows.includes('registration_refusals.by_reason.no_id,1,,,false'));
  assert.ok(rows.includes('registration_refusals.by_reason.list_full,0,,,false'));
  // The JSON and the CSV name the same figures, in the same order.
  const json = (await get(ctx.tokens.manager)).json;
  assert.deepEqual(rows.slice(1).map((l) => l.split(',')[0]).filter((n) => !n.includes('.by_reason.')), Object.keys(json.figures));
  // A null is an empty cell.
  const none = await get(ctx.tokens.manager, '?from=2020-01-01&to=2020-01-31', REPORT + '.csv');
  assert.ok(none.text.includes('\r\ngp_registered,,0,0,false\r\n'));
});

test('an analyst: small numbers suppressed (3 and 1 to 4 hidden), 0 and 5 shown', async () => {
  const r = await get(ctx.tokens.analyst, `${Q}&org_id=${ctx.orgs.agency.id}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.org_id, ctx.orgs.agency.id);
  const f = r.json.figures;
  assert.deepEqual(f.cohort, count(5));
  assert.deepEqual(f.entered, hidden);
  assert.deepEqual(f.gp_registered, hidden); // numerator 4
  assert.deepEqual(f.did_not_attend, hidden); // denominator 3
  assert.deepEqual(f.days_to_gp_registration, { ...hidden, count: null }); // 3 values
  assert.equal(f.registration_refusals.by_reason.no_id, null);
  assert.equal(f.registration_refusals.by_reason.other, 0);
  assert.deepEqual(r.json.months[0].cohort, hidden);
  assert.equal(r.json.distributions.days_to_gp_registration[3].count, null);
  assert.equal(r.json.distributions.days_to_gp_registration[0].count, 0);
  assert.deepEqual(r.json.mscos.long_term_support.figures.advocate_changes, hidden);

  const two = await get(ctx.tokens.analyst, `${Q}&org_id=${ctx.orgs.other.id}`);
  assert.deepEqual(two.json.figures.cohort, hidden); // 3
  assert.deepEqual(two.json.figures.nrm_referrals, count(0));
  assert.deepEqual(two.json.figures.gp_registered, hidden); // 0 of 3

  const csv = await get(ctx.tokens.analyst, `${Q}&org_id=${ctx.orgs.agency.id}`, REPORT + '.csv');
  const rows = csv.text.split('\r\n');
  assert.ok(rows.includes('cohort,5,,,false'));
  assert.ok(rows.includes('entered,,,,true'));
  assert.ok(rows.includes('gp_registered,,,,true'));
  assert.ok(rows.includes('registration_refusals.by_reason.no_id,,,,true'));
  assert.ok(rows.includes('registration_refusals.by_reason.other,0,,,false'));
});

test('an analyst sees all organisations together when org_id is absent', async () => {
  const r = await get(ctx.tokens.analyst);
  assert.equal(r.status, 200);
  assert.equal(r.json.org_id, null);
  assert.deepEqual(r.json.figures.cohort, count(8));
  assert.deepEqual(r.json.figures.entered, count(5));
  assert.equal((await get(ctx.tokens.analyst, `${Q}&org_id=0123456789abcdef0123456789abcdef`)).status, 404);
  const bad = await get(ctx.tokens.analyst, `${Q}&org_id=not-an-id`);
  assert.equal(bad.status, 422);
  assert.equal(bad.json.error.field, 'org_id');
});

test('a manager reads only their own organisation', async () => {
  const own = await get(ctx.tokens.manager, `${Q}&org_id=${ctx.orgs.agency.id}`);
  assert.equal(own.status, 200);
  assert.deepEqual(own.json.figures.cohort, count(5));
  const other = await get(ctx.tokens.otherManager, `${Q}&org_id=${ctx.orgs.agency.id}`);
  assert.equal(other.status, 403);
  assert.equal(other.json.error.code, 'forbidden');
  const mine = await get(ctx.tokens.otherManager);
  assert.deepEqual(mine.json.figures.cohort, count(3)); // exact: a manager's figures are not suppressed
  assert.equal((await get(ctx.tokens.otherManager, `${Q}&org_id=${ctx.orgs.agency.id}`, REPORT + '.csv')).status, 403);
});

test('advocates, clinicians and administrators may not read the report', async () => {
  for (const role of ['advocate', 'clinician', 'admin']) {
    for (const path of [REPORT, REPORT + '.csv']) {
      const r = await get(ctx.tokens[role], Q, path);
      assert.equal(r.status, 403, `${role} ${path}`);
      assert.equal(r.json.error.code, 'forbidden');
    }
  }
  assert.equal((await s.call('GET', REPORT + Q)).status, 401);
});

test('dates: both required and real; from after to is refused on from', async () => {
  const cases = [
    ['?from=2026-03-31&to=2026-01-01', 'from'],
    ['?to=2026-01-01', 'from'],
    ['?from=2026-01-01', 'to'],
    ['?from=2026-02-30&to=2026-03-01', 'from'],
    ['?from=2026-01-01&to=soon', 'to'],
  ];
  for (const [query, field] of cases) {
    for (const path of [REPORT, REPORT + '.csv']) {
      const r = await get(ctx.tokens.manager, query, path);
      assert.equal(r.status, 422, query);
      assert.equal(r.json.error.field, field, query);
    }
  }
  // One day is a period.
  assert.equal((await get(ctx.tokens.manager, '?from=2026-01-01&to=2026-01-01')).status, 200);
});

test('a change of advocate is counted; a first assignment is not', async () => {
  const mgr = ctx.tokens.otherManager;
  const sv = await survivor(mgr, { known_as: 'Lone', entered_service_on: '2019-06-01' });
  const q = '?from=2019-06-01&to=2019-06-30';
  const long = async () => (await get(mgr, q)).json.mscos.long_term_support.figures;
  const patch = async (advocate_id) => {
    const cur = await s.call('GET', `/api/v1/survivors/${sv.id}`, { token: mgr });
    const r = await s.call('PATCH', `/api/v1/survivors/${sv.id}`, { token: mgr, body: { version: cur.json.version, advocate_id } });
    assert.equal(r.status, 200, r.text);
  };
  assert.equal(sv.advocate_id, undefined);
  await patch(ctx.users.otherAdvocate.id); // none, then one: not a change
  assert.deepEqual((await long()).advocate_changes, count(0));
  assert.deepEqual((await long()).no_advocate_change, rate(1, 1, 1));
  await patch(ctx.users.otherManager.id); // one, then another
  assert.deepEqual((await long()).advocate_changes, count(1));
  assert.deepEqual((await long()).no_advocate_change, rate(0, 0, 1));
});
