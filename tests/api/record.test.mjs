// The parts of a survivor's record, served by one generic path: one-per-survivor
// kinds written with PUT, lists with POST/GET/PATCH, append-only notes, the
// policy on every route, audit on every read and change, sealing at rest.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, survivorBody } from './harness.mjs';

let s, ctx, sv, other;
const missing = '0123456789abcdef0123456789abcdef';

before(async () => {
  s = await Server.start();
  ctx = await s.seed();
  sv = (await s.call('POST', '/api/v1/survivors', {
    token: ctx.tokens.advocate,
    body: survivorBody({ known_as: 'Journey', dependants: [{ known_as: 'Little One', birth_year: 2022 }] }),
  })).json;
  other = (await s.call('POST', '/api/v1/survivors', { token: ctx.tokens.otherAdvocate, body: survivorBody() })).json;
});
after(async () => { await s.destroy(); });

const at = (kind, id = sv.id) => `/api/v1/survivors/${id}/${kind}`;
const adv = (method, path, body) => s.call(method, path, { token: ctx.tokens.advocate, body });

// Everything stored for the survivor, as the case team reads it.
async function snapshot() {
  const parts = [];
  for (const k of ['registrations', 'appointments', 'referrals', 'medications', 'notes', 'consents', 'plan/reviews']) {
    parts.push((await adv('GET', at(k) + '?limit=500')).json);
  }
  for (const k of ['nrm', 'asylum', 'plan']) parts.push((await adv('GET', at(k))).json);
  return JSON.stringify(parts);
}

test('the NRM: the first PUT creates, a later one replaces with the version read', async () => {
  assert.equal((await adv('GET', at('nrm'))).status, 404);
  const first = await adv('PUT', at('nrm'), { referred_on: '2026-09-01', first_responder: 'Police Scotland', duty_to_notify_only: false });
  assert.equal(first.status, 201, first.text);
  assert.equal(first.json.version, 1);
  assert.equal(first.json.survivor_id, sv.id);
  assert.equal(first.json.referred_on, '2026-09-01');
  const got = await adv('GET', at('nrm'));
  assert.equal(got.status, 200);
  assert.deepEqual(got.json, first.json);
  // A later PUT without the version it read: 422 on version; stale: 409.
  const noVersion = await adv('PUT', at('nrm'), { referred_on: '2026-09-01' });
  assert.equal(noVersion.status, 422);
  assert.equal(noVersion.json.error.field, 'version');
  const decided = { referred_on: '2026-09-01', rg_decision_on: '2026-09-20', rg_outcome: 'positive' };
  const ok = await adv('PUT', at('nrm'), { version: 1, ...decided });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.version, 2);
  // Replaced whole: what the second PUT did not send is gone.
  assert.equal(ok.json.first_responder, undefined);
  const stale = await adv('PUT', at('nrm'), { version: 1, ...decided, rg_outcome: 'negative' });
  assert.equal(stale.status, 409);
  assert.equal(stale.json.error.code, 'conflict');
  assert.equal((await adv('GET', at('nrm'))).json.rg_outcome, 'positive');
});

test('decisions follow their referral, and nothing is stored on a refusal', async () => {
  const before = await snapshot();
  const cur = (await adv('GET', at('nrm'))).json;
  const early = await adv('PUT', at('nrm'), { version: cur.version, referred_on: '2026-09-01', rg_decision_on: '2026-08-01', rg_outcome: 'positive' });
  assert.equal(early.status, 422);
  assert.equal(early.json.error.field, 'rg_decision_on');
  const asylum = await adv('PUT', at('asylum'), { claimed_on: '2026-09-10', decision_on: '2026-09-01', outcome: 'granted' });
  assert.equal(asylum.status, 422);
  assert.equal(asylum.json.error.field, 'decision_on');
  const unknown = await adv('PUT', at('asylum'), { claimed_on: '2026-09-10', zzz: 1 });
  assert.equal(unknown.status, 422);
  assert.equal(unknown.json.error.field, 'zzz');
  assert.equal(await snapshot(), before);
});

test('registrations: refusals and their reasons, a child by position, one date each', async () => {
  const refused = await adv('POST', at('registrations'), { service: 'gp', provider: 'Riverside Surgery', refused_on: '2026-10-02', refusal_reason: 'no_proof_of_address' });
  assert.equal(refused.status, 201, refused.text);
  assert.equal(refused.json.person, 'survivor');
  const child = await adv('POST', at('registrations'), { service: 'gp', person: 'dependant:1', provider: 'Riverside Surgery', registered_on: '2026-10-09' });
  assert.equal(child.status, 201, child.text);
  const before = await snapshot();
  const noChild = await adv('POST', at('registrations'), { service: 'gp', person: 'dependant:2', registered_on: '2026-10-09' });
  assert.equal(noChild.status, 422);
  assert.equal(noChild.json.error.field, 'person');
  const both = await adv('POST', at('registrations'), { service: 'dental', registered_on: '2026-10-09', refused_on: '2026-10-01' });
  assert.equal(both.status, 422);
  const neither = await adv('POST', at('registrations'), { service: 'dental' });
  assert.equal(neither.status, 422);
  assert.equal(await snapshot(), before);
  // Read one, list them with a cursor, change one with the version read.
  const one = await adv('GET', `${at('registrations')}/${child.json.id}`);
  assert.equal(one.status, 200);
  assert.equal(one.json.person, 'dependant:1');
  const page1 = await adv('GET', at('registrations') + '?limit=1');
  assert.equal(page1.json.items.length, 1);
  assert.equal(page1.json.items[0].id, refused.json.id);
  const page2 = await adv('GET', at('registrations') + `?limit=1&cursor=${page1.json.next_cursor}`);
  assert.equal(page2.json.items[0].id, child.json.id);
  assert.equal(page2.json.next_cursor, null);
  const changed = await adv('PATCH', `${at('registrations')}/${child.json.id}`, { version: 1, provider: 'Hillside Practice' });
  assert.equal(changed.status, 200, changed.text);
  assert.equal(changed.json.version, 2);
  assert.equal(changed.json.registered_on, '2026-10-09');
  const stale = await adv('PATCH', `${at('registrations')}/${child.json.id}`, { version: 1, provider: 'Elsewhere' });
  assert.equal(stale.status, 409);
  const noVersion = await adv('PATCH', `${at('registrations')}/${child.json.id}`, { provider: 'Elsewhere' });
  assert.equal(noVersion.status, 422);
  assert.equal(noVersion.json.error.field, 'version');
  // An item is reached only through its own survivor.
  assert.equal((await adv('GET', `${at('registrations')}/${missing}`)).status, 404);
  const mine = await adv('POST', '/api/v1/survivors', survivorBody({ known_as: 'Someone Else' }));
  assert.equal((await adv('GET', `${at('registrations', mine.json.id)}/${child.json.id}`)).status, 404);
});

test('appointments: who cancelled is required when cancelled, refused otherwise', async () => {
  const appt = { kind: 'gp', starts_at: '2026-12-10T09:30:00Z', duration_min: 20, interpreter: { language: 'sq', needed: true, booked: true, provided: false } };
  const made = await adv('POST', at('appointments'), appt);
  assert.equal(made.status, 201, made.text);
  assert.equal(made.json.status, 'scheduled');
  const cancelled = await adv('PATCH', `${at('appointments')}/${made.json.id}`, { version: 1, status: 'cancelled' });
  assert.equal(cancelled.status, 422);
  assert.equal(cancelled.json.error.field, 'cancelled_by');
  const by = await adv('PATCH', `${at('appointments')}/${made.json.id}`, { version: 1, status: 'cancelled', cancelled_by: 'third_party' });
  assert.equal(by.status, 200, by.text);
  const stray = await adv('POST', at('appointments'), { ...appt, cancelled_by: 'survivor' });
  assert.equal(stray.status, 422);
  assert.equal(stray.json.error.field, 'cancelled_by');
});

test('notes are append-only and sealed at rest', async () => {
  const secret = 'Met at the library; fears her former employer near the station';
  const note = await adv('POST', at('notes'), { kind: 'visit', body: secret });
  assert.equal(note.status, 201, note.text);
  for (const method of ['PATCH', 'PUT', 'DELETE']) {
    const r = await s.call(method, `${at('notes')}/${note.json.id}`, { token: ctx.tokens.advocate, body: { version: 1, body: 'changed' } });
    assert.equal(r.status, 405, method);
    assert.match(r.headers.get('allow'), /GET/);
    assert.doesNotMatch(r.headers.get('allow'), /PATCH|PUT|DELETE/);
  }
  assert.equal((await adv('GET', `${at('notes')}/${note.json.id}`)).json.body, secret);
  for (const f of s.dbFiles()) {
    assert.equal(f.includes(Buffer.from('fears her former employer')), false);
    assert.equal(f.includes(Buffer.from('Riverside Surgery')), false);
  }
});

test('who may: the route refuses roles that never may; other organisations and clinicians without consent get 404', async () => {
  for (const kind of ['nrm', 'registrations', 'notes', 'plan']) {
    for (const who of ['analyst', 'admin']) {
      assert.equal((await s.call('GET', at(kind), { token: ctx.tokens[who] })).status, 403, `${who} ${kind}`);
    }
    assert.equal((await s.call('GET', at(kind), { token: ctx.tokens.otherManager })).status, 404, kind);
    // A clinician never reads NRM details or notes (403, shared or not); the
    // rest only under a share (404 without one).
    const never = ['nrm', 'notes'].includes(kind);
    assert.equal((await s.call('GET', at(kind), { token: ctx.tokens.clinician })).status, never ? 403 : 404, kind);
    assert.equal((await s.call('GET', at(kind, missing), { token: ctx.tokens.advocate })).status, 404, kind);
  }
  // A clinician may never write the NRM, however shared: 403 at the route.
  assert.equal((await s.call('PUT', at('nrm'), { token: ctx.tokens.clinician, body: { referred_on: '2026-09-01' } })).status, 403);
  // Another organisation's advocate cannot add to this survivor's record.
  const r = await s.call('POST', at('registrations'), { token: ctx.tokens.otherAdvocate, body: { service: 'gp', registered_on: '2026-10-01' } });
  assert.equal(r.status, 404);
  assert.equal((await s.call('GET', at('registrations', other.id), { token: ctx.tokens.advocate })).status, 404);
});

test('every read and change is in the access log, by route pattern', async () => {
  const log = await s.call('GET', `/api/v1/survivors/${sv.id}/access-log?limit=500`, { token: ctx.tokens.manager });
  assert.equal(log.status, 200);
  const routes = new Set(log.json.items.map((e) => `${e.action} ${e.route}`));
  for (const want of [
    'create /api/v1/survivors/{id}/nrm', 'update /api/v1/survivors/{id}/nrm', 'read /api/v1/survivors/{id}/nrm',
    'create /api/v1/survivors/{id}/registrations', 'read /api/v1/survivors/{id}/registrations/{item_id}',
    'update /api/v1/survivors/{id}/registrations/{item_id}', 'read /api/v1/survivors/{id}/registrations',
    'create /api/v1/survivors/{id}/notes',
  ]) assert.ok(routes.has(want), want);
  for (const e of log.json.items) assert.doesNotMatch(e.route, /[0-9a-f]{32}/);
});

test('the plan: review_every_days defaults to 28; reviews are added and listed', async () => {
  const plan = await adv('PUT', at('plan'), { goals: [{ domain: 'health', text: 'Register with a GP' }, { domain: 'housing', text: 'Move to a safe flat' }] });
  assert.equal(plan.status, 201, plan.text);
  assert.equal(plan.json.review_every_days, 28);
  assert.equal(plan.json.goals[0].status, 'open');
  for (const on of ['2026-10-15', '2026-11-12']) {
    const r = await adv('POST', at('plan/reviews'), { on, notes: 'Reviewed with the survivor and an interpreter' });
    assert.equal(r.status, 201, r.text);
  }
  const list = await adv('GET', at('plan/reviews'));
  assert.deepEqual(list.json.items.map((x) => x.on), ['2026-10-15', '2026-11-12']);
});

test('the whole record in one call, with one audit entry', async () => {
  const logBefore = (await s.call('GET', `/api/v1/survivors/${sv.id}/access-log?limit=500`, { token: ctx.tokens.manager })).json.items.length;
  const r = await adv('GET', `/api/v1/survivors/${sv.id}/record`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.survivor.id, sv.id);
  assert.equal(r.json.nrm.rg_outcome, 'positive');
  assert.ok(r.json.asylum === null || typeof r.json.asylum === 'object');
  assert.equal(r.json.registrations.length >= 2, true);
  assert.ok(Array.isArray(r.json.appointments) && Array.isArray(r.json.referrals) && Array.isArray(r.json.medications));
  assert.ok(r.json.notes.some((n) => n.kind === 'visit'));
  assert.deepEqual(r.json.plan.reviews.map((x) => x.on), ['2026-10-15', '2026-11-12']);
  assert.equal(r.json['plan/reviews'], undefined);
  const log = (await s.call('GET', `/api/v1/survivors/${sv.id}/access-log?limit=500`, { token: ctx.tokens.manager })).json.items;
  // The manager's own read of the log came after; the record read is one entry.
  const recordReads = log.filter((e) => e.route === '/api/v1/survivors/{id}/record');
  assert.equal(recordReads.length, 1);
  assert.ok(log.length >= logBefore + 1);
  // Roles that may never read a case, and other organisations.
  assert.equal((await s.call('GET', `/api/v1/survivors/${sv.id}/record`, { token: ctx.tokens.analyst })).status, 403);
  assert.equal((await s.call('GET', `/api/v1/survivors/${sv.id}/record`, { token: ctx.tokens.otherManager })).status, 404);
});

test('consent to share: a clinician reads the allowed parts, adds care, and loses access at withdrawal', async () => {
  const cli = (method, path, body) => s.call(method, path, { token: ctx.tokens.clinician, body });
  const shared = (await adv('POST', '/api/v1/survivors', survivorBody({
    known_as: 'Shared', exploitation_types: ['sexual'], contact: { phone: '07700 900789', address: '3 Hidden Lane' },
  }))).json;
  const on = (kind) => at(kind, shared.id);
  await adv('POST', on('registrations'), { service: 'gp', refused_on: '2026-10-02', refusal_reason: 'no_id' });
  await adv('PUT', on('nrm'), { referred_on: '2026-09-01' });
  await adv('POST', on('notes'), { kind: 'safeguarding', body: 'Not for the GP' });
  assert.equal((await cli('GET', `/api/v1/survivors/${shared.id}`)).status, 404);
  const consent = await adv('POST', on('consents'), { purpose: 'share_with_org', org_id: ctx.orgs.health.id, given_on: '2026-10-01', method: 'written' });
  assert.equal(consent.status, 201, consent.text);

  const seen = await cli('GET', `/api/v1/survivors/${shared.id}`);
  assert.equal(seen.status, 200, seen.text);
  assert.equal(seen.json.known_as, 'Shared');
  assert.equal(seen.json.exploitation_types, undefined);
  assert.equal(seen.json.contact.address, undefined);
  const list = await cli('GET', '/api/v1/survivors');
  assert.deepEqual(list.json.items.map((x) => x.id), [shared.id]);
  assert.equal((await cli('GET', on('registrations'))).json.items.length, 1);
  for (const kind of ['nrm', 'notes', 'asylum']) assert.equal((await cli('GET', on(kind))).status, 403, kind);
  const whole = await cli('GET', `/api/v1/survivors/${shared.id}/record`);
  assert.equal(whole.status, 200);
  for (const k of ['nrm', 'asylum', 'notes']) assert.equal(k in whole.json, false, k);
  assert.equal(whole.json.registrations.length, 1);
  const appt = await cli('POST', on('appointments'), { kind: 'gp', starts_at: '2026-12-20T10:00:00Z', interpreter: { language: 'sq', needed: true, booked: true } });
  assert.equal(appt.status, 201, appt.text);
  assert.equal((await cli('POST', on('registrations'), { service: 'dental', registered_on: '2026-10-03' })).status, 403);
  // Another survivor of the agency stays hidden.
  assert.equal((await cli('GET', `/api/v1/survivors/${sv.id}`)).status, 404);

  const today = new Date().toLocaleDateString('en-CA', { timeZone: 'Europe/London' });
  const withdrawn = await adv('PATCH', `${on('consents')}/${consent.json.id}`, { version: 1, withdrawn_on: today });
  assert.equal(withdrawn.status, 200, withdrawn.text);
  for (const path of [`/api/v1/survivors/${shared.id}`, on('registrations'), on('appointments'), `/api/v1/survivors/${shared.id}/record`]) {
    assert.equal((await cli('GET', path)).status, 404, path);
  }
  assert.deepEqual((await cli('GET', '/api/v1/survivors')).json.items, []);
});

test('a 409 says what changed since the version the client read, never the values', async () => {
  // A survivor's record: someone closes it while another still holds version 1.
  const r = (await adv('POST', '/api/v1/survivors', survivorBody({ known_as: 'Conflicted' }))).json;
  const closed = await adv('PATCH', `/api/v1/survivors/${r.id}`, { version: 1, status: 'closed', closed_on: '2026-11-01' });
  assert.equal(closed.status, 200, closed.text);
  const stale = await adv('PATCH', `/api/v1/survivors/${r.id}`, { version: 1, gender: 'female' });
  assert.equal(stale.status, 409);
  assert.equal(stale.json.error.code, 'conflict');
  assert.equal(stale.json.error.current_version, 2);
  assert.deepEqual([...stale.json.error.changed].sort(), ['closed_on', 'status']);
  assert.doesNotMatch(stale.text, /2026-11-01|closed"/);
  // A version the server never had: it cannot say what changed.
  const future = await adv('PATCH', `/api/v1/survivors/${r.id}`, { version: 9, gender: 'female' });
  assert.equal(future.status, 409);
  assert.equal(future.json.error.current_version, 2);
  assert.equal(future.json.error.changed, null);

  // A part of the record, changed twice since it was read.
  const reg = (await adv('POST', at('registrations', r.id), { service: 'dental', provider: 'Smile Clinic', registered_on: '2026-10-01' })).json;
  assert.equal((await adv('PATCH', `${at('registrations', r.id)}/${reg.id}`, { version: 1, provider: 'Other Clinic' })).status, 200);
  assert.equal((await adv('PATCH', `${at('registrations', r.id)}/${reg.id}`, { version: 2, registered_on: '2026-10-02' })).status, 200);
  const late = await adv('PATCH', `${at('registrations', r.id)}/${reg.id}`, { version: 1, provider: 'Mine' });
  assert.equal(late.status, 409);
  assert.equal(late.json.error.current_version, 3);
  assert.deepEqual([...late.json.error.changed].sort(), ['provider', 'registered_on']);
  assert.doesNotMatch(late.text, /Clinic/);
  // A one-per-survivor part replaced by PUT.
  assert.equal((await adv('PUT', at('asylum', r.id), { claimed_on: '2026-09-10' })).status, 201);
  assert.equal((await adv('PUT', at('asylum', r.id), { version: 1, claimed_on: '2026-09-10', support: 's95' })).status, 200);
  const put = await adv('PUT', at('asylum', r.id), { version: 1, claimed_on: '2026-09-11' });
  assert.equal(put.status, 409);
  assert.deepEqual(put.json.error.changed, ['support']);
});

test('no sealed text of any part is in the database files in clear', async () => {
  const r = (await adv('POST', '/api/v1/survivors', survivorBody({ known_as: 'Sealed Everywhere' }))).json;
  const m = (f) => `Zq${f}Marker`;
  const writes = [
    ['PUT', 'nrm', { referred_on: '2026-09-01', first_responder: m('Responder') }],
    ['PUT', 'plan', { goals: [{ domain: 'safety', text: m('GoalText') }] }],
    ['POST', 'plan/reviews', { on: '2026-10-01', notes: m('ReviewNotes') }],
    ['POST', 'registrations', { service: 'gp', provider: m('GpProvider'), registered_on: '2026-10-01' }],
    ['POST', 'appointments', { kind: 'hospital', starts_at: '2026-12-11T09:00:00Z', provider: m('ApptProvider'), notes: m('ApptNotes') }],
    ['POST', 'referrals', { service: 'housing', sent_on: '2026-10-01', rejected_on: '2026-10-05', rejection_reason: m('Rejection'), provider: m('RefProvider') }],
    ['POST', 'medications', { name: m('MedicineName'), category: 'other' }],
    ['POST', 'notes', { kind: 'other', body: m('NoteBody') }],
  ];
  for (const [method, kind, body] of writes) {
    const w = await adv(method, at(kind, r.id), body);
    assert.equal(w.status, 201, `${kind}: ${w.text}`);
  }
  // A replaced version is kept sealed too.
  assert.equal((await adv('PUT', at('nrm', r.id), { version: 1, referred_on: '2026-09-02' })).status, 200);
  for (const f of s.dbFiles()) {
    for (const [, , body] of writes) {
      for (const marker of JSON.stringify(body).match(/Zq\w+Marker/g)) {
        assert.equal(f.includes(Buffer.from(marker)), false, marker);
      }
    }
  }
});

test('a caseload\'s appointments by date, every status, in time order, each audited', async () => {
  const mine = (await adv('POST', '/api/v1/survivors', survivorBody({ known_as: 'Caseload A' }))).json;
  const theirs = (await s.call('POST', '/api/v1/survivors', { token: ctx.tokens.advocate2, body: survivorBody({ known_as: 'Caseload B' }) })).json;
  const add = (who, sid, starts_at, extra = {}) => s.call('POST', at('appointments', sid), { token: ctx.tokens[who], body: { kind: 'gp', starts_at, ...extra } });
  await add('advocate', mine.id, '2027-03-03T10:00:00Z');
  await add('advocate', mine.id, '2027-03-01T09:00:00Z', { status: 'cancelled', cancelled_by: 'third_party' });
  await add('advocate2', theirs.id, '2027-03-02T09:00:00Z');
  await add('advocate', mine.id, '2027-04-01T09:00:00Z'); // outside the range
  // British Summer Time starts 28 March 2027: 23:30 UTC on the 27th is still the 27th in London.
  await add('advocate', mine.id, '2027-03-27T23:30:00Z');
  const get = (q, who = 'advocate') => s.call('GET', `/api/v1/appointments?${q}`, { token: ctx.tokens[who] });

  const r = await get('advocate=me&from=2027-03-01&to=2027-03-27');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.items.map((x) => x.starts_at), ['2027-03-01T09:00:00Z', '2027-03-03T10:00:00Z', '2027-03-27T23:30:00Z']);
  assert.ok(r.json.items.every((x) => x.survivor_id === mine.id));
  const cancelled = await get('advocate=me&from=2027-03-01&to=2027-03-27&status=cancelled');
  assert.deepEqual(cancelled.json.items.map((x) => x.status), ['cancelled']);
  // A manager sees the whole organisation; pages by cursor keep the time order.
  const all = await get('from=2027-03-01&to=2027-03-05&limit=2', 'manager');
  assert.deepEqual(all.json.items.map((x) => x.starts_at), ['2027-03-01T09:00:00Z', '2027-03-02T09:00:00Z']);
  const next = await s.call('GET', `/api/v1/appointments?from=2027-03-01&to=2027-03-05&limit=2&cursor=${all.json.next_cursor}`, { token: ctx.tokens.manager });
  assert.deepEqual(next.json.items.map((x) => x.starts_at), ['2027-03-03T10:00:00Z']);
  assert.equal(next.json.next_cursor, null);
  // Never another organisation's; never a role without a caseload; bad questions are 422.
  assert.deepEqual((await get('from=2027-03-01&to=2027-03-05', 'otherManager')).json.items, []);
  for (const who of ['clinician', 'analyst', 'admin']) assert.equal((await get('', who)).status, 403, who);
  for (const [q, field] of [['from=2027-02-30', 'from'], ['status=lost', 'status'], ['advocate=x', 'advocate'], ['from=2027-03-05&to=2027-03-01', 'to']]) {
    const bad = await get(q);
    assert.equal(bad.status, 422, q);
    assert.equal(bad.json.error.field, field);
  }
  // Each appointment shown was a read of its survivor's record.
  const log = await s.call('GET', `/api/v1/survivors/${mine.id}/access-log?limit=500`, { token: ctx.tokens.manager });
  assert.ok(log.json.items.some((e) => e.route === '/api/v1/appointments' && e.action === 'read'));
});

// A change to each kind that keeps it valid, and the field it changes.
const CHANGES = {
  nrm: ['first_responder', 'Local authority'],
  asylum: ['legal_representative', true],
  plan: ['review_every_days', 14],
  registrations: ['provider', 'Hill Street Surgery'],
  appointments: ['duration_min', 45],
  referrals: ['provider', 'Talking Therapies'],
  medications: ['explained', true],
  consents: ['method', 'written'],
};

test('every part of the record: create, read, list by cursor, change, stale version, refusals that store nothing', async () => {
  const { recordExamples, oneRecordKinds } = await import('./harness.mjs');
  const r = (await adv('POST', '/api/v1/survivors', survivorBody({ known_as: 'Every Kind' }))).json;
  for (const [kind, example] of Object.entries(recordExamples)) {
    const one = oneRecordKinds.includes(kind);
    const path = at(kind, r.id);
    const before = JSON.stringify((await adv('GET', one ? path : path + '?limit=500')).json);
    // Refusals: an unknown field, a server-set field, another organisation, a role that never may.
    for (const bad of [{ ...example, zzz: 1 }, { ...example, survivor_id: r.id }]) {
      const x = await adv(one ? 'PUT' : 'POST', path, bad);
      assert.equal(x.status, 422, `${kind} ${JSON.stringify(bad)}`);
      assert.ok(x.json.error.field, kind);
    }
    assert.equal((await s.call(one ? 'PUT' : 'POST', path, { token: ctx.tokens.otherManager, body: example })).status, 404, kind);
    assert.equal((await s.call(one ? 'PUT' : 'POST', path, { token: ctx.tokens.analyst, body: example })).status, 403, kind);
    assert.equal(JSON.stringify((await adv('GET', one ? path : path + '?limit=500')).json), before, `${kind} unchanged`);

    // Create two (one for a one-per-survivor kind), read, list by cursor.
    const a = await adv(one ? 'PUT' : 'POST', path, example);
    assert.equal(a.status, 201, `${kind}: ${a.text}`);
    const itemPath = one ? path : `${path}/${a.json.id}`;
    assert.deepEqual((await adv('GET', itemPath)).json, a.json, kind);
    if (!one) {
      const b = await adv('POST', path, example);
      assert.equal(b.status, 201, kind);
      const p1 = await adv('GET', path + '?limit=1');
      const p2 = await adv('GET', path + `?limit=1&cursor=${p1.json.next_cursor}`);
      assert.deepEqual([p1.json.items[0].id, p2.json.items[0].id], [a.json.id, b.json.id], kind);
      assert.equal(p2.json.next_cursor, null, kind);
    }
    if (!(kind in CHANGES)) {
      // Append-only: no change, by any method.
      assert.equal((await s.call('PATCH', itemPath, { token: ctx.tokens.advocate, body: { version: 1 } })).status, 405, kind);
      continue;
    }
    // Change with the version read; then a stale change names what changed.
    const [field, value] = CHANGES[kind];
    const changed = one
      ? await adv('PUT', path, { ...example, version: 1, [field]: value })
      : await adv('PATCH', itemPath, { version: 1, [field]: value });
    assert.equal(changed.status, 200, `${kind}: ${changed.text}`);
    assert.deepEqual(changed.json[field], value, kind);
    assert.equal(changed.json.version, 2, kind);
    const stale = one
      ? await adv('PUT', path, { ...example, version: 1 })
      : await adv('PATCH', itemPath, { version: 1, [field]: value });
    assert.equal(stale.status, 409, kind);
    assert.equal(stale.json.error.current_version, 2, kind);
    assert.deepEqual(stale.json.error.changed, [field], kind);
  }
});
