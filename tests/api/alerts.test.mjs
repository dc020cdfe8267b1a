// Alerts over HTTP: what each role sees, as_of moving only the date, one
// alert per item with its item_id, snoozes (limits, coming back when the
// item changes, on the record and in the access log), the organisation's own
// non-working days, and the dashboard. "Today" is fixed (--today-at): Friday
// 20 November 2026.
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

const get = async (who, path) => {
  const r = await s.call('GET', path, { token: ctx.tokens[who] });
  assert.equal(r.status, 200, `${who} ${path}: ${r.text}`);
  return r.json;
};
const post = async (who, path, body, status = 201) => {
  const r = await s.call('POST', path, { token: ctx.tokens[who], body });
  assert.equal(r.status, status, `${path}: ${r.text}`);
  return r.json;
};
const newSurvivor = (who, over) => post(who, '/api/v1/survivors', survivorBody(over));
const alertsOf = (items, id) => items.filter((a) => a.survivor_id === id);
const rules = (items, id) => alertsOf(items, id).map((a) => a.rule).sort();

test('analysts and administrators never see an alert or a dashboard', async () => {
  for (const who of ['analyst', 'admin']) {
    for (const path of ['/api/v1/alerts', '/api/v1/dashboard', '/api/v1/non-working-days']) {
      const r = await s.call('GET', path, { token: ctx.tokens[who] });
      assert.equal(r.status, 403, `${who} ${path}`);
      assert.equal(r.json.error.code, 'forbidden');
    }
  }
  assert.equal((await s.call('GET', '/api/v1/alerts')).status, 401);
});

test('gp_unregistered fires from entered_service_on + 14, moves with as_of, and stops with a registration', async () => {
  const sv = await newSurvivor('advocate', { known_as: 'Sentinel Name', entered_service_on: '2026-11-01' });
  const on = (d) => get('advocate', `/api/v1/alerts?advocate=me&as_of=${d}`);
  assert.deepEqual(rules((await on('2026-11-14')).items, sv.id).filter((r) => r === 'gp_unregistered'), []);
  const fired = alertsOf((await on('2026-11-15')).items, sv.id).find((a) => a.rule === 'gp_unregistered');
  assert.ok(fired);
  assert.equal(fired.severity, 'high');
  assert.equal(fired.due_on, '2026-11-15');
  assert.equal(fired.item_id, undefined);
  assert.ok(fired.message.length > 10);
  assert.equal(fired.message.includes('Sentinel'), false);
  // Default as_of is today.
  const today = await get('advocate', '/api/v1/alerts');
  assert.equal(today.as_of, TODAY);
  assert.ok(rules(today.items, sv.id).includes('gp_unregistered'));
  await post('advocate', `/api/v1/survivors/${sv.id}/registrations`, { service: 'gp', registered_on: '2026-11-18' });
  assert.ok(rules((await on('2026-11-17')).items, sv.id).includes('gp_unregistered'), 'judged on the day: not yet registered');
  assert.equal(rules((await on('2026-11-18')).items, sv.id).includes('gp_unregistered'), false);
  // A bad as_of is a 422 naming it.
  const bad = await s.call('GET', '/api/v1/alerts?as_of=2026-02-30', { token: ctx.tokens.advocate });
  assert.equal(bad.status, 422);
  assert.equal(bad.json.error.field, 'as_of');
});

test('item rules raise one alert per item, each with its item_id; closed survivors raise none', async () => {
  const sv = await newSurvivor('advocate', { entered_service_on: '2026-11-10' });
  const a1 = await post('advocate', `/api/v1/survivors/${sv.id}/appointments`, { kind: 'gp', starts_at: '2026-11-18T09:00:00Z', status: 'cancelled', cancelled_by: 'third_party' });
  const a2 = await post('advocate', `/api/v1/survivors/${sv.id}/appointments`, { kind: 'dental', starts_at: '2026-11-19T09:00:00Z', status: 'cancelled', cancelled_by: 'unknown' });
  await post('advocate', `/api/v1/survivors/${sv.id}/appointments`, { kind: 'gp', starts_at: '2026-11-19T10:00:00Z', status: 'cancelled', cancelled_by: 'survivor' });
  const items = alertsOf((await get('advocate', '/api/v1/alerts')).items, sv.id).filter((a) => a.rule === 'third_party_cancellation');
  assert.deepEqual(items.map((a) => a.item_id).sort(), [a1.id, a2.id].sort());
  for (const a of items) {
    assert.equal(a.severity, 'critical');
    assert.equal(a.due_on, TODAY);
  }
  // Sorted: critical first.
  const all = (await get('advocate', '/api/v1/alerts')).items;
  const order = ['critical', 'high', 'medium', 'low'];
  for (let i = 1; i < all.length; i++) assert.ok(order.indexOf(all[i - 1].severity) <= order.indexOf(all[i].severity));
  const closed = await newSurvivor('advocate', { entered_service_on: '2026-01-01' });
  await s.call('PATCH', `/api/v1/survivors/${closed.id}`, { token: ctx.tokens.advocate, body: { version: closed.version, status: 'closed', closed_on: '2026-11-01' } });
  assert.deepEqual(rules((await get('advocate', '/api/v1/alerts')).items, closed.id), []);
});

test('a manager asks for one advocate or the whole organisation; another organisation sees nothing', async () => {
  const mine = await newSurvivor('advocate', { entered_service_on: '2026-01-01' });
  const theirs = await newSurvivor('advocate2', { entered_service_on: '2026-01-01' });
  const whole = (await get('manager', '/api/v1/alerts')).items;
  assert.ok(rules(whole, mine.id).length > 0 && rules(whole, theirs.id).length > 0);
  const one = (await get('manager', `/api/v1/alerts?advocate=${ctx.users.advocate2.id}`)).items;
  assert.equal(alertsOf(one, mine.id).length, 0);
  assert.ok(alertsOf(one, theirs.id).length > 0);
  const me = (await get('advocate', '/api/v1/alerts?advocate=me')).items;
  assert.equal(alertsOf(me, theirs.id).length, 0);
  const other = (await get('otherManager', '/api/v1/alerts')).items;
  assert.equal(alertsOf(other, mine.id).length + alertsOf(other, theirs.id).length, 0);
  // Organisation-wide answers take turns (a few run at once): ten asked
  // together all come back, whole and alike.
  const many = await Promise.all(Array.from({ length: 10 }, () => get('manager', '/api/v1/alerts')));
  for (const m of many) assert.deepEqual(m.items, whole);
  const bad = await s.call('GET', '/api/v1/alerts?advocate=someone', { token: ctx.tokens.manager });
  assert.equal(bad.status, 422);
  assert.equal(bad.json.error.field, 'advocate');
});

test('a clinician sees the alerts of shared survivors, never an NRM or asylum rule', async () => {
  const sv = await newSurvivor('advocate', { entered_service_on: '2026-01-01' });
  await s.call('PUT', `/api/v1/survivors/${sv.id}/nrm`, { token: ctx.tokens.advocate, body: { referred_on: '2026-09-01' } });
  await s.call('PUT', `/api/v1/survivors/${sv.id}/asylum`, { token: ctx.tokens.advocate, body: { claimed_on: '2026-09-01' } });
  const team = rules((await get('advocate', '/api/v1/alerts')).items, sv.id);
  assert.ok(team.includes('rg_decision_overdue'));
  assert.ok(team.includes('asylum_no_legal_representative'));
  assert.deepEqual(rules((await get('clinician', '/api/v1/alerts')).items, sv.id), []);
  await post('advocate', `/api/v1/survivors/${sv.id}/consents`, { purpose: 'share_with_org', org_id: ctx.orgs.health.id, given_on: '2026-11-01' });
  const seen = rules((await get('clinician', '/api/v1/alerts')).items, sv.id);
  // advocate=me narrows nothing for a clinician: what is shared is their caseload.
  assert.deepEqual(rules((await get('clinician', '/api/v1/alerts?advocate=me')).items, sv.id), seen);
  assert.ok((await get('clinician', '/api/v1/dashboard')).survivors.some((x) => x.id === sv.id));
  assert.ok(seen.includes('gp_unregistered'));
  for (const r of ['rg_decision_overdue', 'cg_decision_waiting', 'nrm_support_ending', 'dual_support_gap', 'asylum_no_legal_representative']) {
    assert.equal(seen.includes(r), false, r);
  }
});

test('an organisation\'s own non-working day moves a working-day rule; only its managers set them', async () => {
  const sv = await newSurvivor('advocate', { entered_service_on: '2026-11-01' });
  // Referred Monday 9 November: the 5th working day after is Monday 16th,
  // so the rule fires from Tuesday 17th.
  await s.call('PUT', `/api/v1/survivors/${sv.id}/nrm`, { token: ctx.tokens.advocate, body: { referred_on: '2026-11-09' } });
  const on = async (d) => alertsOf((await get('advocate', `/api/v1/alerts?as_of=${d}`)).items, sv.id).find((a) => a.rule === 'rg_decision_overdue');
  assert.equal(await on('2026-11-16'), undefined);
  assert.equal((await on('2026-11-17')).due_on, '2026-11-16');
  assert.equal((await s.call('PUT', '/api/v1/non-working-days', { token: ctx.tokens.advocate, body: { days: ['2026-11-12'] } })).status, 403);
  const bad = await s.call('PUT', '/api/v1/non-working-days', { token: ctx.tokens.manager, body: { days: ['2026-11-31'] } });
  assert.equal(bad.status, 422);
  assert.equal(bad.json.error.field, 'days[0]');
  const set = await s.call('PUT', '/api/v1/non-working-days', { token: ctx.tokens.manager, body: { days: ['2026-12-29', '2026-11-12', '2026-11-12'] } });
  assert.equal(set.status, 200, set.text);
  assert.deepEqual(set.json.days, ['2026-11-12', '2026-12-29']);
  assert.deepEqual((await get('advocate', '/api/v1/non-working-days')).days, ['2026-11-12', '2026-12-29']);
  assert.equal(await on('2026-11-17'), undefined);
  assert.equal((await on('2026-11-18')).due_on, '2026-11-17');
  // Another organisation's calendar is its own.
  assert.deepEqual((await get('otherManager', '/api/v1/non-working-days')).days, []);
  await s.call('PUT', '/api/v1/non-working-days', { token: ctx.tokens.manager, body: { days: [] } });
});

test('snooze: at most 30 days (2 for critical), with a reason; back by itself, or at once when its item changes', async () => {
  const sv = await newSurvivor('advocate', { entered_service_on: '2026-11-10' });
  const ap = await post('advocate', `/api/v1/survivors/${sv.id}/appointments`, { kind: 'gp', starts_at: '2026-11-18T09:00:00Z', status: 'cancelled', cancelled_by: 'third_party' });
  const snooze = (body, who = 'advocate') => s.call('POST', '/api/v1/alerts/snoozes', { token: ctx.tokens[who], body });
  const base = { survivor_id: sv.id, rule: 'third_party_cancellation', item_id: ap.id, reason: 'Rebooked with the surgery for next week' };
  for (const [body, field] of [
    [{ ...base, until: '2026-11-23' }, 'until'],
    [{ ...base, until: TODAY }, 'until'],
    [{ ...base, until: '2026-11-22', rule: 'no_such_rule' }, 'rule'],
    [{ ...base, until: '2026-11-22', item_id: undefined }, 'item_id'],
    [{ ...base, until: '2026-11-22', item_id: '0123456789abcdef0123456789abcdef' }, 'item_id'],
    [{ ...base, until: '2026-11-22', reason: undefined }, 'reason'],
    [{ ...base, until: '2026-11-22', survivor_id: undefined }, 'survivor_id'],
    [{ ...base, until: '2026-11-22', extra: 1 }, 'extra'],
  ]) {
    const r = await snooze(body);
    assert.equal(r.status, 422, JSON.stringify(body) + r.text);
    assert.equal(r.json.error.field, field);
  }
  assert.equal((await snooze({ ...base, until: '2026-11-22' }, 'clinician')).status, 403);
  assert.equal((await snooze({ ...base, until: '2026-11-22' }, 'otherAdvocate')).status, 404);
  assert.equal((await snooze({ ...base, until: '2026-11-22', survivor_id: '0123456789abcdef0123456789abcdef' })).status, 404);

  const made = await snooze({ ...base, until: '2026-11-22' });
  assert.equal(made.status, 201, made.text);
  assert.equal(made.json.rule, 'third_party_cancellation');
  assert.equal(made.json.item_version, ap.version);
  assert.equal(made.json.snoozed_by, ctx.users.advocate.id);
  const live = (await get('advocate', '/api/v1/alerts')).items;
  assert.equal(alertsOf(live, sv.id).some((a) => a.rule === 'third_party_cancellation'), false);
  const withSnoozed = alertsOf((await get('advocate', '/api/v1/alerts?include_snoozed=true')).items, sv.id).find((a) => a.rule === 'third_party_cancellation');
  assert.equal(withSnoozed.snoozed_until, '2026-11-22');
  // Back by itself on `until`.
  assert.ok(rules((await get('advocate', '/api/v1/alerts?as_of=2026-11-22')).items, sv.id).includes('third_party_cancellation'));
  // On the record, and in the access log as a change.
  const rec = await get('advocate', `/api/v1/survivors/${sv.id}/record`);
  assert.equal(rec.snoozes.length, 1);
  assert.equal(rec.snoozes[0].reason, base.reason);
  const log = await get('manager', `/api/v1/survivors/${sv.id}/access-log`);
  assert.ok(log.items.some((e) => e.action === 'create' && e.route === '/api/v1/alerts/snoozes'));
  for (const f of s.dbFiles()) assert.equal(f.includes(Buffer.from('Rebooked with the surgery')), false);
  // The item changes: the alert is back at once.
  const ch = await s.call('PATCH', `/api/v1/survivors/${sv.id}/appointments/${ap.id}`, { token: ctx.tokens.advocate, body: { version: ap.version, provider: 'Hill Surgery' } });
  assert.equal(ch.status, 200, ch.text);
  assert.ok(rules((await get('advocate', '/api/v1/alerts')).items, sv.id).includes('third_party_cancellation'));
  // A survivor-level alert: up to 30 days.
  assert.equal((await snooze({ survivor_id: sv.id, rule: 'plan_missing', until: '2026-12-21', reason: 'Plan meeting booked' })).status, 422);
  assert.equal((await snooze({ survivor_id: sv.id, rule: 'plan_missing', until: '2026-12-20', reason: 'Plan meeting booked' })).status, 201);
  assert.equal(rules((await get('advocate', '/api/v1/alerts')).items, sv.id).includes('plan_missing'), false);
});

test('the dashboard: the caseload\'s alerts, the week\'s appointments with interpreter status, the most urgent first', async () => {
  const calm = await newSurvivor('advocate2', { entered_service_on: TODAY, languages: [{ code: 'sq', interpreter_needed: true }] });
  const urgent = await newSurvivor('advocate2', { entered_service_on: '2026-11-01' });
  const cancelled = await post('advocate2', `/api/v1/survivors/${urgent.id}/appointments`, { kind: 'gp', starts_at: '2026-11-19T09:00:00Z', status: 'cancelled', cancelled_by: 'third_party' });
  const soon = await post('advocate2', `/api/v1/survivors/${calm.id}/appointments`, { kind: 'gp', starts_at: '2026-11-23T10:00:00Z' });
  await post('advocate2', `/api/v1/survivors/${calm.id}/appointments`, { kind: 'dental', starts_at: '2026-11-30T10:00:00Z' });
  const d = await get('advocate2', '/api/v1/dashboard');
  assert.equal(d.as_of, TODAY);
  // (Other tests gave advocate2 survivors too: look at these two.)
  const ours = (list) => list.filter((x) => [urgent.id, calm.id].includes(x.id));
  assert.deepEqual(ours(d.survivors).map((x) => x.id), [urgent.id, calm.id]);
  assert.equal(d.survivors[0].most_urgent_alert.severity, 'critical');
  assert.ok(ours(d.survivors)[0].alert_counts.critical >= 1);
  assert.ok(d.alerts.some((a) => a.item_id === cancelled.id));
  assert.equal(d.alert_counts.critical, d.alerts.filter((a) => a.severity === 'critical').length);
  // Today and the next seven days only: the 30th is out of the window.
  assert.deepEqual(d.appointments.filter((a) => [urgent.id, calm.id].includes(a.survivor_id)).map((a) => a.id), [soon.id]);
  assert.equal(d.appointments.find((a) => a.id === soon.id).interpreter_status, 'not_booked');
  // The interpreter_not_booked alert is there for it.
  assert.ok(d.alerts.some((a) => a.rule === 'interpreter_not_booked' && a.item_id === soon.id));
  // A manager sees an advocate's dashboard; another organisation sees none of it.
  const m = await get('manager', `/api/v1/dashboard?advocate=${ctx.users.advocate2.id}`);
  assert.deepEqual(ours(m.survivors).map((x) => x.id), [urgent.id, calm.id]);
  const o = await get('otherManager', `/api/v1/dashboard?advocate=${ctx.users.advocate2.id}`);
  assert.deepEqual(o.survivors, []);
  // Each survivor shown is a read of their record.
  const log = await get('manager', `/api/v1/survivors/${calm.id}/access-log`);
  assert.ok(log.items.some((e) => e.action === 'read' && e.route === '/api/v1/dashboard'));
});

test('the dashboard keeps each survivor between requests and shows every change at once', async () => {
  const sv = await newSurvivor('advocate', { known_as: 'Kept Once', entered_service_on: '2026-11-01', languages: [{ code: 'ti', interpreter_needed: true }] });
  const ap = await post('advocate', `/api/v1/survivors/${sv.id}/appointments`, { kind: 'gp', starts_at: '2026-11-24T10:00:00Z' });
  await s.call('PUT', `/api/v1/survivors/${sv.id}/nrm`, { token: ctx.tokens.advocate, body: { referred_on: '2026-11-09' } });
  const raw = async (q = '') => {
    const r = await s.call('GET', `/api/v1/dashboard${q}`, { token: ctx.tokens.advocate });
    assert.equal(r.status, 200, r.text);
    return r;
  };
  const mine = (d) => ({
    row: d.survivors.find((x) => x.id === sv.id),
    rules: rules(d.alerts, sv.id),
    appts: d.appointments.filter((a) => a.survivor_id === sv.id),
  });
  const reads = async () => (await get('manager', `/api/v1/survivors/${sv.id}/access-log`)).items
    .filter((e) => e.action === 'read' && e.route === '/api/v1/dashboard').length;

  // Judged afresh, then from what was kept: the same answer, byte for byte,
  // and each of them a read of the record in its access log.
  const first = await raw();
  const before = await reads();
  const second = await raw();
  assert.equal(second.text, first.text);
  assert.equal(await reads(), before + 1, 'a kept survivor is still audited as read');
  let m = mine(second.json);
  assert.equal(m.row.known_as, 'Kept Once');
  assert.equal(m.appts[0].interpreter_status, 'not_booked');
  assert.ok(m.rules.includes('interpreter_not_booked'));
  assert.ok(m.rules.includes('rg_decision_overdue'));

  // A change to one of the record's parts shows on the next look.
  const booked = await s.call('PATCH', `/api/v1/survivors/${sv.id}/appointments/${ap.id}`, { token: ctx.tokens.advocate, body: { version: ap.version, interpreter: { language: 'ti', needed: true, booked: true } } });
  assert.equal(booked.status, 200, booked.text);
  m = mine((await raw()).json);
  assert.equal(m.appts[0].interpreter_status, 'booked');
  assert.equal(m.appts[0].version, ap.version + 1);
  assert.equal(m.rules.includes('interpreter_not_booked'), false);

  // A change to the survivor themselves.
  const cur = (await get('advocate', `/api/v1/survivors/${sv.id}`));
  const renamed = await s.call('PATCH', `/api/v1/survivors/${sv.id}`, { token: ctx.tokens.advocate, body: { version: cur.version, known_as: 'Kept Twice' } });
  assert.equal(renamed.status, 200, renamed.text);
  m = mine((await raw()).json);
  assert.equal(m.row.known_as, 'Kept Twice');
  assert.equal(m.row.version, cur.version + 1);

  // A snooze is a change of the record: the alert goes at once.
  const rg = (await raw()).json.alerts.find((a) => a.survivor_id === sv.id && a.rule === 'rg_decision_overdue');
  await post('advocate', '/api/v1/alerts/snoozes', { survivor_id: sv.id, rule: 'rg_decision_overdue', item_id: rg.item_id, until: '2026-11-22', reason: 'Chased the competent authority' });
  assert.equal(mine((await raw()).json).rules.includes('rg_decision_overdue'), false);
  // Another day judges again (the snooze is over by the 23rd).
  assert.ok(mine((await raw('?as_of=2026-11-23')).json).rules.includes('rg_decision_overdue'));
  assert.equal(mine((await raw()).json).rules.includes('rg_decision_overdue'), false);

  // The organisation's own non-working days move a working-day rule's due date.
  const due = async () => (await raw('?as_of=2026-11-23')).json.alerts.find((a) => a.survivor_id === sv.id && a.rule === 'rg_decision_overdue').due_on;
  assert.equal(await due(), '2026-11-16');
  assert.equal((await s.call('PUT', '/api/v1/non-working-days', { token: ctx.tokens.manager, body: { days: ['2026-11-12'] } })).status, 200);
  assert.equal(await due(), '2026-11-17');
  await s.call('PUT', '/api/v1/non-working-days', { token: ctx.tokens.manager, body: { days: [] } });
  assert.equal(await due(), '2026-11-16');

  // Given to another advocate: gone from this dashboard, on theirs with the new advocate_id.
  const now = (await get('advocate', `/api/v1/survivors/${sv.id}`));
  const moved = await s.call('PATCH', `/api/v1/survivors/${sv.id}`, { token: ctx.tokens.manager, body: { version: now.version, advocate_id: ctx.users.advocate2.id } });
  assert.equal(moved.status, 200, moved.text);
  assert.equal(mine((await raw()).json).row, undefined);
  const theirs = await get('advocate2', '/api/v1/dashboard');
  assert.equal(theirs.survivors.find((x) => x.id === sv.id).advocate_id, ctx.users.advocate2.id);
});
