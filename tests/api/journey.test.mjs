// One survivor's journey through the service, as an advocate and a GP practice
// live it: entry, a GP refusal then a registration, a child's GP registration,
// the NRM and asylum side by side, appointments with interpreters (one
// cancelled by a third party), a mental-health referral waiting for weeks, an
// antidepressant explained without an interpreter, a plan with two reviews,
// notes, and consent to share with a GP practice, then its withdrawal.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from './harness.mjs';

let s, ctx;
before(async () => {
  s = await Server.start();
  ctx = await s.seed();
});
after(async () => { await s.destroy(); });

test('a survivor\'s whole journey, recorded and read back', async () => {
  const adv = async (method, path, body, want) => {
    const r = await s.call(method, path, { token: ctx.tokens.advocate, body });
    if (want) assert.equal(r.status, want, `${method} ${path}: ${r.text}`);
    return r.json;
  };
  const gp = (method, path, body) => s.call(method, path, { token: ctx.tokens.clinician, body });

  // Entry to the service: an Albanian speaker, pregnant, with a young son.
  const sv = await adv('POST', '/api/v1/survivors', {
    known_as: 'Drita', birth_year: 1996, gender: 'female', nationality: 'AL',
    languages: [{ code: 'sq', interpreter_needed: true, interpreter_gender: 'female' }],
    entered_service_on: '2026-08-03', exploitation_types: ['sexual'], pregnant: true, due_on: '2027-01-20',
    dependants: [{ known_as: 'Arben', birth_year: 2022 }],
    contact: { phone: '07700 900111', safe_to_call: false, safe_voicemail: false, safe_letters: true },
    care_needs: { clinician_gender: 'female', advocate_attends: true, approach_with_care: 'Questions about her family' },
  }, 201);
  const on = (kind) => `/api/v1/survivors/${sv.id}/${kind}`;

  // A GP refuses her for no proof of address; a week later another registers her, and her son.
  await adv('POST', on('registrations'), { service: 'gp', provider: 'Station Road Surgery', refused_on: '2026-08-10', refusal_reason: 'no_proof_of_address' }, 201);
  await adv('POST', on('registrations'), { service: 'gp', provider: 'Park Lane Practice', registered_on: '2026-08-17' }, 201);
  await adv('POST', on('registrations'), { service: 'gp', person: 'dependant:1', provider: 'Park Lane Practice', registered_on: '2026-08-17' }, 201);

  // The NRM and the asylum claim, side by side.
  const nrm = await adv('PUT', on('nrm'), { referred_on: '2026-08-05', first_responder: 'Salvation Army', duty_to_notify_only: false, support: 'victim_care_contract' }, 201);
  await adv('PUT', on('nrm'), { version: nrm.version, referred_on: '2026-08-05', first_responder: 'Salvation Army', duty_to_notify_only: false, support: 'victim_care_contract', rg_decision_on: '2026-08-19', rg_outcome: 'positive', recovery_period_ends_on: '2026-10-03' }, 200);
  await adv('PUT', on('asylum'), { claimed_on: '2026-08-12', support: 's95', screening_on: '2026-08-12' }, 201);

  // Appointments with interpreters; one cancelled by a third party.
  const booking = await adv('POST', on('appointments'), { kind: 'maternity', starts_at: '2026-08-24T10:00:00Z', duration_min: 40, interpreter: { language: 'sq', needed: true, booked: true, provided: true }, advocate_attends: true }, 201);
  await adv('PATCH', `${on('appointments')}/${booking.id}`, { version: booking.version, status: 'attended' }, 200);
  const dental = await adv('POST', on('appointments'), { kind: 'dental', starts_at: '2026-09-02T14:00:00Z', interpreter: { language: 'sq', needed: true, booked: true } }, 201);
  await adv('PATCH', `${on('appointments')}/${dental.id}`, { version: dental.version, status: 'cancelled', cancelled_by: 'third_party' }, 200);

  // A mental-health referral waits five weeks to be seen.
  await adv('POST', on('referrals'), { service: 'mental_health', provider: 'Community Mental Health Team', sent_on: '2026-08-20', accepted_on: '2026-09-10', first_seen_on: '2026-09-24' }, 201);
  // An antidepressant, explained, but not in her own language.
  await adv('POST', on('medications'), { name: 'Sertraline', category: 'antidepressant', started_on: '2026-08-25', explained: true, explained_in_own_language: false }, 201);

  // A plan, reviewed twice.
  await adv('PUT', on('plan'), { goals: [{ domain: 'health', text: 'Antenatal care with an interpreter' }, { domain: 'housing', text: 'Move from initial accommodation' }] }, 201);
  await adv('POST', on('plan/reviews'), { on: '2026-08-31', notes: 'Antenatal booking done' }, 201);
  await adv('POST', on('plan/reviews'), { on: '2026-09-28', notes: 'Waiting for housing' }, 201);
  // Notes.
  await adv('POST', on('notes'), { kind: 'visit', body: 'Home visit; she is settling in' }, 201);
  await adv('POST', on('notes'), { kind: 'safeguarding', body: 'A man called the surgery asking for her' }, 201);

  // The GP practice sees nothing until she consents to share with it.
  assert.equal((await gp('GET', `/api/v1/survivors/${sv.id}`)).status, 404);
  const consent = await adv('POST', on('consents'), { purpose: 'share_with_org', org_id: ctx.orgs.health.id, given_on: '2026-09-01', method: 'verbal', interpreter_used: true }, 201);
  const shared = await gp('GET', `/api/v1/survivors/${sv.id}/record`);
  assert.equal(shared.status, 200);
  assert.equal(shared.json.survivor.care_needs.clinician_gender, 'female');
  assert.equal(shared.json.survivor.exploitation_types, undefined);
  assert.equal('notes' in shared.json || 'nrm' in shared.json || 'asylum' in shared.json, false);
  assert.equal(shared.json.registrations.length, 3);
  assert.equal(shared.json.plan.reviews.length, 2);
  // The practice books her next appointment itself.
  assert.equal((await gp('POST', on('appointments'), { kind: 'gp', starts_at: '2026-10-06T09:10:00Z', interpreter: { language: 'sq', needed: true, booked: true } })).status, 201);

  // The whole record, as her advocate reads it.
  const whole = await adv('GET', `/api/v1/survivors/${sv.id}/record`, undefined, 200);
  assert.equal(whole.nrm.rg_outcome, 'positive');
  assert.equal(whole.asylum.support, 's95');
  assert.deepEqual(whole.registrations.map((r) => [r.person, r.refused_on ?? r.registered_on]),
    [['survivor', '2026-08-10'], ['survivor', '2026-08-17'], ['dependant:1', '2026-08-17']]);
  assert.equal(whole.appointments.length, 3);
  assert.equal(whole.appointments.find((a) => a.kind === 'dental').cancelled_by, 'third_party');
  assert.equal(whole.referrals[0].first_seen_on, '2026-09-24');
  assert.equal(whole.medications[0].explained_in_own_language, false);
  assert.equal(whole.notes.length, 2);
  assert.equal(whole.consents[0].org_id, ctx.orgs.health.id);

  // She withdraws her consent: the practice loses access at once, on every route.
  await adv('PATCH', `${on('consents')}/${consent.id}`, { version: consent.version, withdrawn_on: '2026-10-01' }, 200);
  for (const path of [`/api/v1/survivors/${sv.id}`, `/api/v1/survivors/${sv.id}/record`, on('registrations'), on('appointments'), on('plan')]) {
    assert.equal((await gp('GET', path)).status, 404, path);
  }

  // Who looked and who changed, by route pattern only.
  const log = await s.call('GET', `/api/v1/survivors/${sv.id}/access-log?limit=500`, { token: ctx.tokens.manager });
  assert.ok(log.json.items.some((e) => e.role === 'clinician' && e.route === '/api/v1/survivors/{id}/record'));
  assert.ok(log.json.items.some((e) => e.role === 'clinician' && e.action === 'create' && e.route === '/api/v1/survivors/{id}/appointments'));
});
