// One survivor's alerts and what their record lacks for a rule to be judged
// (GET /api/v1/survivors/{id}/alerts): the same rules and snoozes as
// /alerts, the gaps of each part, who may read them (as the record), a
// clinician's cut, and the read in the access log. "Today" is fixed
// (--today-at): Friday 20 November 2026.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, survivorBody } from './harness.mjs';

let s, ctx;
const TODAY = '2026-11-20';
before(async () => {
  s = await Server.start(['--today-at', `${TODAY}T12:00:00Z`]);
  ctx = await s.seed();
});
after(async () => { await s.destroy(); });

const call = (who, method, path, body) => s.call(method, path, { token: ctx.tokens[who], body });
const ok = async (who, method, path, body, status = 200) => {
  const r = await call(who, method, path, body);
  assert.equal(r.status, status, `${who} ${method} ${path}: ${r.text}`);
  return r.json;
};
const alertsOf = (who, id, q = '') => ok(who, 'GET', `/api/v1/survivors/${id}/alerts${q}`);

// A survivor in both the NRM and asylum processes with no support recorded
// in either, a medication not said to be explained, another explained but
// not said whether in their own language (they need an interpreter).
async function survivorWithGaps() {
  const sv = await ok('advocate', 'POST', '/api/v1/survivors', survivorBody({
    known_as: 'Sentinel Name', entered_service_on: '2026-10-01',
    languages: [{ code: 'sq', interpreter_needed: true }],
  }), 201);
  const base = `/api/v1/survivors/${sv.id}`;
  const nrm = await ok('advocate', 'PUT', `${base}/nrm`, { referred_on: '2026-10-05' }, 201);
  const asylum = await ok('advocate', 'PUT', `${base}/asylum`, { claimed_on: '2026-10-06' }, 201);
  const m1 = await ok('advocate', 'POST', `${base}/medications`, { name: 'Sertraline', category: 'antidepressant', started_on: '2026-11-01' }, 201);
  const m2 = await ok('advocate', 'POST', `${base}/medications`, { name: 'Ibuprofen', category: 'other', started_on: '2026-11-02', explained: true }, 201);
  return { sv, nrm, asylum, m1, m2 };
}

test('an advocate reads the alerts and what is missing for the rules, audited as a read', async () => {
  const { sv, nrm, asylum, m1, m2 } = await survivorWithGaps();
  const got = await alertsOf('advocate', sv.id);
  assert.equal(got.as_of, TODAY);
  const rules = got.alerts.map((a) => a.rule);
  assert.ok(rules.includes('rg_decision_overdue'));
  assert.ok(rules.includes('gp_unregistered'));
  assert.ok(got.alerts.every((a) => a.survivor_id === sv.id));
  // Sorted as /alerts: severity first.
  const order = ['critical', 'high', 'medium', 'low'];
  const sev = got.alerts.map((a) => order.indexOf(a.severity));
  assert.deepEqual(sev, [...sev].sort((a, b) => a - b));
  // The same alerts as the caseload's list shows for this survivor.
  const list = (await ok('advocate', 'GET', '/api/v1/alerts')).items.filter((a) => a.survivor_id === sv.id);
  assert.deepEqual(got.alerts, list);

  const gaps = got.missing.map((m) => `${m.part}/${m.field}/${m.rule}/${m.item_id}`).sort();
  assert.deepEqual(gaps, [
    `asylum/support/dual_support_gap/${asylum.id}`,
    `medications/explained/medication_not_explained/${m1.id}`,
    `medications/explained_in_own_language/medication_not_explained/${m2.id}`,
    `nrm/support/dual_support_gap/${nrm.id}`,
  ].sort());
  for (const m of got.missing) {
    assert.match(m.message, /Waymark cannot/);
    assert.equal(m.message.includes('Sentinel'), false, 'a message names no one');
  }
  // Filling in what was missing takes the gap away (and the rule now judges).
  await ok('advocate', 'PATCH', `/api/v1/survivors/${sv.id}/medications/${m1.id}`, { version: 1, explained: false });
  const after = await alertsOf('advocate', sv.id);
  assert.equal(after.missing.some((m) => m.item_id === m1.id), false);
  assert.ok(after.alerts.some((a) => a.rule === 'medication_not_explained' && a.item_id === m1.id));

  // The read is in the access log, by its route pattern.
  const log = await ok('manager', 'GET', `/api/v1/survivors/${sv.id}/access-log`);
  const reads = log.items.filter((e) => e.route === '/api/v1/survivors/{id}/alerts');
  assert.equal(reads.length, 2);
  assert.ok(reads.every((e) => e.action === 'read' && e.user_id === ctx.users.advocate.id));
});

test('snoozed alerts are listed with snoozed_until; as_of moves the day', async () => {
  const sv = await ok('advocate', 'POST', '/api/v1/survivors', survivorBody({ entered_service_on: '2026-10-01' }), 201);
  await ok('advocate', 'POST', '/api/v1/alerts/snoozes', { survivor_id: sv.id, rule: 'plan_missing', until: '2026-11-25', reason: 'Meeting booked' }, 201);
  const got = await alertsOf('advocate', sv.id);
  const plan = got.alerts.find((a) => a.rule === 'plan_missing');
  assert.equal(plan.snoozed_until, '2026-11-25');
  const early = await alertsOf('advocate', sv.id, '?as_of=2026-10-05');
  assert.equal(early.as_of, '2026-10-05');
  assert.equal(early.alerts.some((a) => a.rule === 'plan_missing'), false);
  const bad = await call('advocate', 'GET', `/api/v1/survivors/${sv.id}/alerts?as_of=2026-02-30`);
  assert.equal(bad.status, 422);
  assert.equal(bad.json.error.field, 'as_of');
});

test('who may read the record may read its alerts; a clinician never sees the NRM or asylum', async () => {
  const { sv } = await survivorWithGaps();
  const path = `/api/v1/survivors/${sv.id}/alerts`;
  assert.equal((await s.call('GET', path)).status, 401);
  for (const who of ['analyst', 'admin']) {
    const r = await call(who, 'GET', path);
    assert.equal(r.status, 403, who);
  }
  for (const who of ['otherAdvocate', 'otherManager', 'clinician']) {
    const r = await call(who, 'GET', path);
    assert.equal(r.status, 404, who);
    assert.equal(r.json.error.code, 'not_found');
  }
  assert.equal((await call('advocate', 'GET', '/api/v1/survivors/nosuchsurvivor/alerts')).status, 404);
  assert.equal((await alertsOf('advocate2', sv.id)).alerts.length > 0, true, 'any advocate of the organisation');

  await ok('advocate', 'POST', `/api/v1/survivors/${sv.id}/consents`, { purpose: 'share_with_org', org_id: ctx.orgs.health.id, given_on: '2026-11-01' }, 201);
  const seen = await alertsOf('clinician', sv.id);
  const caseRules = ['rg_decision_overdue', 'cg_decision_waiting', 'nrm_support_ending', 'dual_support_gap', 'asylum_no_legal_representative'];
  assert.ok(seen.alerts.some((a) => a.rule === 'gp_unregistered'));
  for (const a of seen.alerts) assert.equal(caseRules.includes(a.rule), false, a.rule);
  assert.deepEqual(seen.missing.map((m) => m.part).sort(), ['medications', 'medications']);
  for (const m of seen.missing) assert.equal(caseRules.includes(m.rule), false);
});

test('a closed survivor has no alerts and lacks nothing', async () => {
  const sv = await ok('advocate', 'POST', '/api/v1/survivors', survivorBody({ entered_service_on: '2026-01-01' }), 201);
  await ok('advocate', 'PUT', `/api/v1/survivors/${sv.id}/nrm`, { referred_on: '2026-10-05' }, 201);
  await ok('advocate', 'PUT', `/api/v1/survivors/${sv.id}/asylum`, { claimed_on: '2026-10-06' }, 201);
  await ok('advocate', 'PATCH', `/api/v1/survivors/${sv.id}`, { version: 1, status: 'closed', closed_on: '2026-11-19' });
  const got = await alertsOf('advocate', sv.id);
  assert.deepEqual(got.alerts, []);
  assert.deepEqual(got.missing, []);
});
