// The forms that add and change a survivor's record, over plain HTTP with a
// cookie jar: CSRF required, errors beside their inputs with nothing
// stored, a stale version answered with what changed and nothing stored,
// each kind saved through the API's own handlers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, PASSWORD, survivorBody } from './harness.mjs';

let s;
let ctx;
let sid;

// A tiny browser: keeps cookies, never follows redirects.
class Jar {
  constructor() { this.cookies = new Map(); }
  header() { return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '); }
  take(res) {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i);
      const value = pair.slice(i + 1);
      if (/max-age=0/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  async get(path) {
    const res = await fetch(s.base + path, { redirect: 'manual', headers: { Accept: 'text/html', Cookie: this.header() } });
    this.take(res);
    return { status: res.status, headers: res.headers, text: await res.text() };
  }
  async post(path, fields) {
    const res = await fetch(s.base + path, {
      method: 'POST', redirect: 'manual', body: new URLSearchParams(fields).toString(),
      headers: { Accept: 'text/html', Cookie: this.header(), 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    this.take(res);
    return { status: res.status, headers: res.headers, text: await res.text() };
  }
  // Opens the form at path and posts it with fields (and its CSRF token).
  async submit(path, action, fields) {
    const page = await this.get(path);
    assert.equal(page.status, 200, `${path}: ${page.status}`);
    return this.post(action, { csrf: csrfOf(page.text), ...fields });
  }
}

const csrfOf = (html) => (html.match(/name="csrf" value="([^"]+)"/) || [])[1];
const savedTo = (r, what, id = sid) => {
  assert.equal(r.status, 303, r.text.slice(0, 2000));
  assert.equal(r.headers.get('location'), `/survivors/${id}?saved=${what}`);
};

async function signIn(username) {
  const jar = new Jar();
  const page = await jar.get('/');
  const r = await jar.post('/sign-in', { csrf: csrfOf(page.text), username, password: PASSWORD });
  assert.equal(r.status, 303);
  return jar;
}

const api = (method, path, token, body) => s.call(method, path, { token, body });
const items = async (kind, token = ctx.tokens.advocate) =>
  (await api('GET', `/api/v1/survivors/${sid}/${kind}?limit=500`, token)).json.items;

before(async () => {
  s = await Server.start();
  ctx = await s.seed();
  const r = await api('POST', '/api/v1/survivors', ctx.tokens.advocate,
    survivorBody({ advocate_id: ctx.users.advocate.id, dependants: [{ known_as: 'Lule', birth_year: 2019 }] }));
  assert.equal(r.status, 201);
  sid = r.json.id;
});
after(async () => { await s.destroy(); });

const appointment = {
  kind: 'gp', starts_at: '2026-12-04T10:00', duration_min: '30', provider: 'Riverside Surgery',
  'interpreter.language': 'ti', 'interpreter.needed': 'yes', 'interpreter.booked': 'yes',
  'interpreter.provided': '', advocate_attends: 'no', status: '', cancelled_by: '', notes: '',
};

test('a form posted without its CSRF token is refused and stores nothing', async () => {
  const jar = await signIn('advocate');
  const before = (await items('appointments')).length;
  const r = await jar.post(`/survivors/${sid}/appointments`, appointment);
  assert.equal(r.status, 403);
  const r2 = await jar.post(`/survivors/${sid}/appointments`, { ...appointment, csrf: 'forged' });
  assert.equal(r2.status, 403);
  assert.equal((await items('appointments')).length, before);
});

test('an appointment with an interpreter: the form, then 303 to the record', async () => {
  const jar = await signIn('advocate');
  const page = await jar.get(`/survivors/${sid}/appointments/new`);
  assert.equal(page.status, 200);
  assert.match(page.text, /<title>Add an appointment – Waymark<\/title>/);
  assert.match(page.text, /<label class="nhsuk-label" for="starts_at">Date and time<\/label>/);
  assert.match(page.text, /type="datetime-local"/);
  assert.match(page.text, /name="interpreter.needed"/);
  assert.match(page.text, /name="notes"/); // the case team's own notes
  const r = await jar.post(`/survivors/${sid}/appointments`, { csrf: csrfOf(page.text), ...appointment });
  savedTo(r, 'appointment');
  const got = (await items('appointments')).at(-1);
  assert.equal(got.kind, 'gp');
  assert.equal(got.starts_at, '2026-12-04T10:00:00Z');
  assert.equal(got.duration_min, 30);
  assert.deepEqual(got.interpreter, { language: 'ti', needed: true, booked: true });
  assert.equal(got.advocate_attends, false);
  assert.equal(got.notes, undefined); // empty: left out, not ""
});

test('a required field left empty: the error beside it, values kept, nothing stored', async () => {
  const jar = await signIn('advocate');
  const before = (await items('appointments')).length;
  const r = await jar.submit(`/survivors/${sid}/appointments/new`, `/survivors/${sid}/appointments`,
    { ...appointment, starts_at: '', duration_min: 'half an hour' });
  assert.equal(r.status, 422);
  assert.match(r.text, /<title>Error: Add an appointment – Waymark<\/title>/);
  assert.match(r.text, /There is a problem/);
  assert.match(r.text, /<a href="#starts_at">Enter the date and time of the appointment<\/a>/);
  assert.match(r.text, /id="starts_at-error"/);
  assert.match(r.text, /<a href="#duration_min">Enter a whole number, in figures<\/a>/);
  assert.match(r.text, /id="duration_min" name="duration_min" value="half an hour"/);
  assert.match(r.text, /value="Riverside Surgery"/);
  assert.match(r.text, /id="interpreter-needed-yes"[^>]*checked/);
  assert.equal((await items('appointments')).length, before);
});

test("the API's 422 comes back beside the input it names, nothing stored", async () => {
  const jar = await signIn('advocate');
  const before = (await items('appointments')).length;
  const r = await jar.submit(`/survivors/${sid}/appointments/new`, `/survivors/${sid}/appointments`,
    { ...appointment, status: 'cancelled' });
  assert.equal(r.status, 422);
  assert.match(r.text, /<a href="#cancelled_by">Cancelled by is required when cancelled<\/a>/);
  assert.match(r.text, /id="cancelled_by-error"/);
  assert.match(r.text, /<option value="cancelled" selected>/);
  assert.equal((await items('appointments')).length, before);
  // A referral dated ahead: the API's rule, in words.
  const r2 = await jar.submit(`/survivors/${sid}/referrals/new`, `/survivors/${sid}/referrals`,
    { service: 'legal', sent_on: '1/1/2099' });
  assert.equal(r2.status, 422);
  assert.match(r2.text, /<a href="#sent_on">Sent on must be today or in the past<\/a>/);
  assert.match(r2.text, /value="1\/1\/2099"/);
});

test('a referral recorded with a date typed as people write it', async () => {
  const jar = await signIn('advocate');
  const r = await jar.submit(`/survivors/${sid}/referrals/new`, `/survivors/${sid}/referrals`,
    { service: 'talking_therapy', provider: 'Talking Therapies', sent_on: '2/11/2026', accepted_on: '' });
  savedTo(r, 'referral');
  const got = (await items('referrals')).at(-1);
  assert.equal(got.sent_on, '2026-11-02');
  assert.equal(got.accepted_on, undefined);
});

test('a change: emptied fields cleared; a stale version answers 409 with what changed, nothing stored', async () => {
  const jar = await signIn('advocate');
  const created = await api('POST', `/api/v1/survivors/${sid}/appointments`, ctx.tokens.advocate,
    { kind: 'dental', starts_at: '2026-12-08T09:30:00Z', provider: 'Smile Dental', duration_min: 20 });
  assert.equal(created.status, 201);
  const id = created.json.id;
  const edit = await jar.get(`/survivors/${sid}/appointments/${id}/edit`);
  assert.equal(edit.status, 200);
  assert.match(edit.text, /name="version" value="1"/);
  assert.match(edit.text, /name="starts_at" value="2026-12-08T09:30"/);
  const form = { csrf: csrfOf(edit.text), version: '1', kind: 'dental', starts_at: '2026-12-08T11:00',
    duration_min: '', provider: 'Smile Dental', status: 'scheduled', cancelled_by: '' };

  // Someone else saves first.
  const other = await api('PATCH', `/api/v1/survivors/${sid}/appointments/${id}`, ctx.tokens.advocate2,
    { version: 1, status: 'cancelled', cancelled_by: 'provider' });
  assert.equal(other.status, 200);

  const r = await jar.post(`/survivors/${sid}/appointments/${id}`, form);
  assert.equal(r.status, 409);
  assert.match(r.text, /Someone else changed this record while you were editing/);
  assert.match(r.text, /<th class="nhsuk-table__header" scope="col">What you entered<\/th>/);
  assert.match(r.text, /Date and time<\/th>\s*<td class="nhsuk-table__cell">8 December 2026, 11:00<\/td>\s*<td class="nhsuk-table__cell">8 December 2026, 09:30<\/td>/);
  assert.match(r.text, /What happened <strong class="nhsuk-tag nhsuk-tag--orange">Changed by someone else<\/strong><\/th>\s*<td class="nhsuk-table__cell">Scheduled<\/td>\s*<td class="nhsuk-table__cell">Cancelled<\/td>/);
  // The form again holds what is saved now, at its version.
  assert.match(r.text, /name="version" value="2"/);
  assert.match(r.text, /<option value="cancelled" selected>/);
  let now = (await api('GET', `/api/v1/survivors/${sid}/appointments/${id}`, ctx.tokens.advocate)).json;
  assert.equal(now.version, 2);
  assert.equal(now.starts_at, '2026-12-08T09:30:00Z');

  // Saved again from the fresh form: the change lands, the emptied length is cleared.
  const r2 = await jar.post(`/survivors/${sid}/appointments/${id}`,
    { ...form, csrf: csrfOf(r.text), version: '2', status: 'cancelled', cancelled_by: 'provider' });
  savedTo(r2, 'appointment');
  now = (await api('GET', `/api/v1/survivors/${sid}/appointments/${id}`, ctx.tokens.advocate)).json;
  assert.equal(now.version, 3);
  assert.equal(now.starts_at, '2026-12-08T11:00:00Z');
  assert.equal(now.duration_min, undefined);
});

test('one per survivor: the NRM form creates, then changes with its version', async () => {
  const jar = await signIn('advocate');
  const first = await jar.get(`/survivors/${sid}/nrm/edit`);
  assert.equal(first.status, 200);
  assert.match(first.text, /<h1 class="nhsuk-heading-l">Record the NRM referral<\/h1>/);
  assert.doesNotMatch(first.text, /name="version"/);
  savedTo(await jar.post(`/survivors/${sid}/nrm`, { csrf: csrfOf(first.text), referred_on: '2026-10-02', first_responder: 'Agency One' }), 'nrm');
  const again = await jar.get(`/survivors/${sid}/nrm/edit`);
  assert.match(again.text, /Change the NRM referral/);
  assert.match(again.text, /name="version" value="1"/);
  assert.match(again.text, /name="referred_on" value="2026-10-02"/);
  const r = await jar.post(`/survivors/${sid}/nrm`, { csrf: csrfOf(again.text), version: '1', referred_on: '2026-10-02', rg_decision_on: '2026-10-20', rg_outcome: '' });
  assert.equal(r.status, 422);
  assert.match(r.text, /href="#rg_outcome"/);
  savedTo(await jar.post(`/survivors/${sid}/nrm`, { csrf: csrfOf(again.text), version: '1', referred_on: '2026-10-02', rg_decision_on: '2026-10-20', rg_outcome: 'positive' }), 'nrm');
  // The old version again: 409, nothing stored.
  const stale = await jar.post(`/survivors/${sid}/nrm`, { csrf: csrfOf(again.text), version: '1', referred_on: '2026-10-03' });
  assert.equal(stale.status, 409);
  const nrm = (await api('GET', `/api/v1/survivors/${sid}/nrm`, ctx.tokens.advocate)).json;
  assert.equal(nrm.referred_on, '2026-10-02');
  assert.equal(nrm.rg_outcome, 'positive');
});

test('a plan with rows of goals; a registration for a dependant; a note', async () => {
  const jar = await signIn('advocate');
  const plan = await jar.get(`/survivors/${sid}/plan/edit`);
  assert.match(plan.text, /name="goals.0.text"/);
  savedTo(await jar.post(`/survivors/${sid}/plan`, {
    csrf: csrfOf(plan.text), review_every_days: '',
    'goals.0.domain': 'housing', 'goals.0.text': 'Find a safe flat', 'goals.0.status': '',
  }), 'plan');
  const p = (await api('GET', `/api/v1/survivors/${sid}/plan`, ctx.tokens.advocate)).json;
  assert.deepEqual(p.goals, [{ domain: 'housing', text: 'Find a safe flat', status: 'open' }]);
  const plan2 = await jar.get(`/survivors/${sid}/plan/edit`);
  assert.match(plan2.text, /name="goals.1.text"/); // a blank row after the filled one
  // A row with something in it but its goal left empty.
  const r = await jar.post(`/survivors/${sid}/plan`, {
    csrf: csrfOf(plan2.text), version: '1', 'goals.0.domain': 'housing', 'goals.0.text': 'Find a safe flat',
    'goals.1.domain': 'health', 'goals.1.text': '',
  });
  assert.equal(r.status, 422);
  assert.match(r.text, /<a href="#goals-1-text">Enter the goal<\/a>/);

  const reg = await jar.get(`/survivors/${sid}/registrations/new`);
  assert.match(reg.text, /<option value="dependant:1">Dependant 1 \(born 2019\)<\/option>/);
  assert.doesNotMatch(reg.text, /Lule/); // no name in a select that cannot blur it
  savedTo(await jar.post(`/survivors/${sid}/registrations`, { csrf: csrfOf(reg.text), service: 'gp', person: 'dependant:1', registered_on: '2026-11-01' }), 'registration');
  assert.equal((await items('registrations')).at(-1).person, 'dependant:1');

  const note = await jar.get(`/survivors/${sid}/notes/new`);
  assert.match(note.text, /cannot be changed or deleted/);
  savedTo(await jar.post(`/survivors/${sid}/notes`, { csrf: csrfOf(note.text), kind: 'call', body: 'Called about the\r\nappointment' }), 'note');
  assert.equal((await items('notes')).at(-1).body, 'Called about the\nappointment');
  // Notes are append-only: no change form.
  const none = await jar.get(`/survivors/${sid}/notes/${(await items('notes')).at(-1).id}/edit`);
  assert.equal(none.status, 404);
});

test('a consent given, a clinician adding an appointment without the case team\'s fields, then the consent withdrawn', async () => {
  const jar = await signIn('advocate');
  const form = await jar.get(`/survivors/${sid}/consents/new`);
  assert.match(form.text, new RegExp(`<option value="${ctx.orgs.health.id}">Health Centre</option>`));
  assert.doesNotMatch(form.text, new RegExp(`<option value="${ctx.orgs.agency.id}"`)); // not one's own
  savedTo(await jar.post(`/survivors/${sid}/consents`, { csrf: csrfOf(form.text), purpose: 'share_with_org', org_id: ctx.orgs.health.id, given_on: '2026-11-01', method: 'verbal' }), 'consent');
  const consent = (await items('consents')).at(-1);

  const doc = await signIn('clinician');
  const cform = await doc.get(`/survivors/${sid}/appointments/new`);
  assert.equal(cform.status, 200);
  assert.doesNotMatch(cform.text, /name="notes"/);
  savedTo(await doc.post(`/survivors/${sid}/appointments`, { csrf: csrfOf(cform.text), kind: 'mental_health_assessment', starts_at: '2026-12-09T14:00', notes: 'not read' }), 'appointment');
  const added = (await items('appointments')).at(-1);
  assert.equal(added.kind, 'mental_health_assessment');
  assert.equal(added.notes, undefined);

  const w = await jar.get(`/survivors/${sid}/consents/${consent.id}/withdraw`);
  assert.equal(w.status, 200);
  assert.match(w.text, /Withdraw a consent/);
  assert.match(w.text, /name="withdrawn_on"/);
  assert.doesNotMatch(w.text, /name="purpose"/);
  savedTo(await jar.post(`/survivors/${sid}/consents/${consent.id}/withdraw`, { csrf: csrfOf(w.text), version: String(consent.version), withdrawn_on: '2026-11-20' }), 'withdrawn');
  // The clinician's form is gone with the share.
  assert.equal((await doc.get(`/survivors/${sid}/appointments/new`)).status, 200); // the form itself asks nothing
  const refused = await doc.post(`/survivors/${sid}/appointments`, { csrf: csrfOf(cform.text), kind: 'gp', starts_at: '2026-12-10T10:00' });
  assert.equal(refused.status, 404);
});

test('the survivor: added and changed; no name in the title or the address', async () => {
  const jar = await signIn('advocate');
  const form = await jar.get('/survivors/new');
  assert.match(form.text, /<title>Add a survivor – Waymark<\/title>/);
  assert.doesNotMatch(form.text, /name="advocate_id"/);
  assert.doesNotMatch(form.text, /name="status"/);
  const r = await jar.post('/survivors', {
    csrf: csrfOf(form.text), known_as: 'Mirela', entered_service_on: '3/11/2026',
    'languages.0.code': 'sq', 'languages.0.interpreter_needed': 'yes', exploitation_types: 'labour',
  });
  assert.equal(r.status, 303);
  const loc = r.headers.get('location');
  assert.match(loc, /^\/survivors\/[0-9a-f]{32}\?saved=survivor$/);
  const id = loc.slice(11, 43);
  const sv = (await api('GET', `/api/v1/survivors/${id}`, ctx.tokens.advocate)).json;
  assert.equal(sv.known_as, 'Mirela');
  assert.deepEqual(sv.languages, [{ code: 'sq', interpreter_needed: true }]);
  assert.deepEqual(sv.exploitation_types, ['labour']);
  const edit = await jar.get(`/survivors/${id}/edit`);
  assert.doesNotMatch(edit.text, /<title>[^<]*Mirela/);
  assert.match(edit.text, /name="known_as" value="Mirela"/);
  const bad = await jar.post(`/survivors/${id}`, { csrf: csrfOf(edit.text), version: '1', known_as: 'Mirela', nationality: 'albania' });
  assert.equal(bad.status, 422);
  assert.match(bad.text, /<a href="#nationality">Nationality must be two capital letters/);
  savedTo(await jar.post(`/survivors/${id}`, { csrf: csrfOf(edit.text), version: '1', known_as: 'Mirela', nationality: 'AL', legal_name: '' }), 'survivor', id);
});

test('an alert snoozed, and a safeguarding share made by a manager', async () => {
  const jar = await signIn('advocate');
  const page = await jar.get(`/survivors/${sid}/alerts/gp_unregistered/snooze`);
  assert.equal(page.status, 200);
  assert.match(page.text, /Alert: Not registered with a GP/);
  const bad = await jar.post(`/survivors/${sid}/alerts/gp_unregistered/snooze`, { csrf: csrfOf(page.text), until: '1/1/2099', reason: 'Waiting for the practice to reply' });
  assert.equal(bad.status, 422);
  assert.match(bad.text, /href="#until"/);
  const until = new Date(Date.now() + 5 * 86400e3).toISOString().slice(0, 10);
  savedTo(await jar.post(`/survivors/${sid}/alerts/gp_unregistered/snooze`, { csrf: csrfOf(page.text), until, reason: 'Waiting for the practice to reply' }), 'snooze');
  const sn = (await items('snoozes')).at(-1);
  assert.equal(sn.rule, 'gp_unregistered');
  assert.equal(sn.until, until);
  assert.equal((await jar.get(`/survivors/${sid}/alerts/no_such_rule/snooze`)).status, 404);

  const mgr = await signIn('manager');
  const share = await mgr.get(`/survivors/${sid}/share`);
  assert.match(share.text, /Share the record to keep the survivor safe/);
  const short = await mgr.post(`/survivors/${sid}/share`, { csrf: csrfOf(share.text), org_id: ctx.orgs.health.id, reason: 'too short' });
  assert.equal(short.status, 422);
  assert.match(short.text, /href="#reason"/);
  savedTo(await mgr.post(`/survivors/${sid}/share`, { csrf: csrfOf(share.text), org_id: ctx.orgs.health.id, reason: 'At risk of serious harm from a known exploiter' }), 'share');
  // An advocate may not: the API says so, nothing is shared.
  const adv = await jar.post(`/survivors/${sid}/share`, { csrf: csrfOf(page.text), org_id: ctx.orgs.health.id, reason: 'At risk of serious harm from a known exploiter' });
  assert.equal(adv.status, 403);
});
