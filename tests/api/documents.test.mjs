// The printed documents (docs/documents.md): each PDF is read back with
// pdftotext (poppler-utils) and checked for what it must say, in English and
// in the survivor's language as po/LANG.po has it, and for what it must never
// hold (a case note, NRM or asylum detail, a legal name, a member of staff's
// name in the access report).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Server, PASSWORD, survivorBody } from './harness.mjs';

const NOTE = 'Planted case note: she told us about the house in Leeds';
const NRM_DETAIL = 'Planted first responder Harbourside Police';
const ASYLUM_DETAIL = 'Planted legal representative Fenwick and Moss';
const LEGAL_NAME = 'Planted Legalname';
const ADDRESS = 'Planted address 7 Canal Street';
const DRAFT = 'This translation has not yet been checked by a qualified translator';
const ADVOCATE_NAME = 'Dorothea Quill';
const MANAGER_NAME = 'Magnus Pryce';

let s, ctx;
const people = {}; // language code → survivor
const appts = {}; // language code → appointment id

// The msgstr of msgid in po/LANG.po (single-line entries, as the files are).
function msgstr(lang, id) {
  const po = readFileSync(new URL(`../../po/${lang}.po`, import.meta.url), 'utf8');
  const esc = id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/"/g, '\\\\"');
  const m = po.match(new RegExp(`^msgid "${esc}"\\nmsgstr "(.*)"$`, 'm'));
  assert.ok(m && m[1], `po/${lang}.po translates "${id}"`);
  return m[1].replace(/\\"/g, '"');
}

// Text as compared: NFC, no white space, no bidirectional marks pdftotext
// adds around right-to-left runs.
const norm = (t) => t.normalize('NFC').replace(/[\s\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '');

// Whether the PDF's text holds the translation. pdftotext gives Arabic back
// in visual runs, spells out the lam-alef ligatures its own way and moves
// the vowel marks, so an Arabic text is checked word by word without its
// marks, leaving out the words with a ligature.
const marks = (t) => t.replace(/[\u064b-\u0652\u0670]/gu, '');
function holds(pdfText, translation, lang) {
  const text = norm(pdfText);
  if (lang !== 'ar') return text.includes(norm(translation));
  const words = translation.split(/[\s.,:;()،؛]+/u).filter((w) => w.length > 1 && !/ل[اأإآىي]/u.test(w));
  assert.ok(words.length > 0, `"${translation}" has words to check`);
  return words.every((w) => marks(text).includes(marks(norm(w))));
}

async function pdf(path, token) {
  const r = await fetch(s.base + path, { headers: { Authorization: `Bearer ${token}` } });
  const body = Buffer.from(await r.arrayBuffer());
  if (r.status !== 200) return { status: r.status, json: JSON.parse(body.toString()) };
  assert.equal(r.headers.get('content-type'), 'application/pdf');
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.match(r.headers.get('content-disposition'), /^attachment; filename="[a-z-]+\.pdf"$/);
  assert.equal(body.subarray(0, 5).toString(), '%PDF-');
  const text = execFileSync('pdftotext', ['-', '-'], { input: body, encoding: 'utf8' });
  const info = execFileSync('pdfinfo', ['-'], { input: body, encoding: 'utf8' });
  return { status: 200, body, text, info, filename: r.headers.get('content-disposition') };
}

before(async () => {
  s = await Server.start();
  ctx = await s.seed();
  // Staff with names that must not reach the access report.
  for (const [who, display_name] of [['advocate', ADVOCATE_NAME], ['manager', MANAGER_NAME]]) {
    const u = (await s.call('GET', `/api/v1/users/${ctx.users[who].id}`, { token: ctx.tokens.admin })).json;
    const r = await s.call('PATCH', `/api/v1/users/${u.id}`, { token: ctx.tokens.admin, body: { version: u.version, display_name } });
    assert.equal(r.status, 200, r.text);
  }
  const t = ctx.tokens.advocate;
  // Arabic, Tigrinya, Amharic, Vietnamese have draft translations; Kurdish none.
  for (const code of ['ar', 'ti', 'am', 'vi', 'ku']) {
    const r = await s.call('POST', '/api/v1/survivors', {
      token: t,
      body: survivorBody({
        known_as: `Known ${code}`, legal_name: LEGAL_NAME, birth_year: 1995, gender: 'female',
        languages: [{ code, interpreter_needed: true, interpreter_gender: 'female' }, { code: 'en' }],
        contact: { phone: '07700 900123', address: ADDRESS },
        care_needs: { clinician_gender: 'female', approach_with_care: 'Explain before any examination' },
      }),
    });
    assert.equal(r.status, 201, r.text);
    people[code] = r.json;
    const id = r.json.id;
    const a = await s.call('POST', `/api/v1/survivors/${id}/appointments`, {
      token: t,
      body: { kind: 'gp', starts_at: '2026-12-10T09:30:00Z', provider: 'Riverside Medical Centre', interpreter: { language: code, needed: true, booked: true }, advocate_attends: true, notes: NOTE },
    });
    assert.equal(a.status, 201, a.text);
    appts[code] = a.json.id;
    await s.call('POST', `/api/v1/survivors/${id}/notes`, { token: t, body: { kind: 'call', body: NOTE } });
    await s.call('PUT', `/api/v1/survivors/${id}/nrm`, { token: t, body: { referred_on: '2026-09-01', first_responder: NRM_DETAIL } });
    await s.call('PUT', `/api/v1/survivors/${id}/asylum`, { token: t, body: { claimed_on: '2026-09-10', legal_representative: ASYLUM_DETAIL } });
    await s.call('POST', `/api/v1/survivors/${id}/medications`, { token: t, body: { name: 'Sertraline 50 mg', category: 'antidepressant', started_on: '2026-10-05' } });
    await s.call('POST', `/api/v1/survivors/${id}/registrations`, { token: t, body: { service: 'gp', provider: 'Riverside Medical Centre', registered_on: '2026-10-03' } });
  }
});
after(async () => { await s.destroy(); });

const never = (text) => {
  for (const planted of [NOTE, NRM_DETAIL, ASYLUM_DETAIL, LEGAL_NAME, ADDRESS, '07700 900123', 'Harbourside', 'Fenwick']) {
    assert.equal(text.includes(planted), false, `the document holds "${planted}"`);
  }
};

test('the appointment card is in English and the survivor\'s language, draft translations said so at the foot', async () => {
  for (const code of ['ar', 'ti', 'am', 'vi']) {
    const d = await pdf(`/api/v1/survivors/${people[code].id}/appointments/${appts[code]}/card.pdf`, ctx.tokens.advocate);
    assert.equal(d.status, 200);
    assert.match(d.filename, /"appointment-card\.pdf"/);
    assert.match(d.info, /^Title:\s+Appointment card$/m);
    for (const en of ['Appointment card', 'Known ' + code, 'Thursday 10 December 2026', '09:30', 'Riverside Medical Centre',
      'An interpreter is booked for you.', 'Your advocate will come with you.', `${ADVOCATE_NAME}, Agency One`]) {
      assert.ok(d.text.includes(en), `${code}: "${en}"`);
    }
    for (const id of ['Appointment card', 'An interpreter is booked for you.', 'Whom to call', 'GP (family doctor)',
      'Bring this card with you. Please arrive 10 minutes early.']) {
      assert.ok(holds(d.text, msgstr(code, id), code), `${code}: the translation of "${id}" (${msgstr(code, id)}) in:\n${d.text}`);
    }
    assert.ok(norm(d.text).includes(norm(DRAFT)), `${code}: the draft's note`);
    assert.equal(d.text.includes('English only'), false);
    if (code === 'ar') {
      // Right to left: the Arabic title ends at the right margin (A4 is 595
      // points wide, the margins 57), the English one starts at the left.
      const box = execFileSync('pdftotext', ['-bbox', '-l', '1', '-', '-'], { input: d.body, encoding: 'utf8' });
      const words = [...box.matchAll(/<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"[^>]*>([^<]*)</g)];
      const arabic = words.filter((w) => /[\u0600-\u06ff]/u.test(w[3]));
      assert.ok(Math.max(...arabic.map((w) => Number(w[2]))) > 530, 'Arabic reaches the right margin');
      assert.ok(Math.min(...words.filter((w) => w[3] === 'Appointment').map((w) => Number(w[1]))) < 60);
    }
    never(d.text);
  }
});

test('a language without translations: the document says plainly, in English, that it is in English only', async () => {
  const d = await pdf(`/api/v1/survivors/${people.ku.id}/appointments/${appts.ku}/card.pdf`, ctx.tokens.advocate);
  assert.equal(d.status, 200);
  assert.match(norm(d.text), new RegExp(norm('This document is in English only: there is no translation yet into Kurdish')));
  assert.equal(norm(d.text).includes(norm(DRAFT)), false, 'no draft printed, no note');
  never(d.text);
});

test('the GP registration letter says registration needs no proof of address, ID, immigration status or NHS number', async () => {
  const d = await pdf(`/api/v1/survivors/${people.vi.id}/entitlement-letter.pdf`, ctx.tokens.advocate);
  assert.equal(d.status, 200);
  assert.match(d.filename, /"gp-registration-letter\.pdf"/);
  const flat = d.text.replace(/\s+/g, ' ');
  for (const en of ['To the GP practice', 'proof of address, identity documents, immigration status or an NHS number',
    'must not refuse', 'How to register with a GP surgery', 'A professional interpreter is needed', 'Language: Vietnamese', 'Agency One']) {
    assert.ok(flat.includes(en), `"${en}"`);
  }
  assert.ok(holds(d.text, msgstr('vi', 'This letter says that you have the right to register with a GP (a family doctor). Show it at the reception desk of the GP practice.'), 'vi'));
  // Addressed to the practice, carried by the survivor: no name at all.
  assert.equal(d.text.includes('Known vi'), false);
  assert.doesNotMatch(d.info, /Known/);
  never(d.text);
});

test('the handover summary holds what a GP acts on, only under an active handover consent', async () => {
  const sv = people.am;
  const path = `/api/v1/survivors/${sv.id}/handover.pdf`;
  const none = await pdf(path, ctx.tokens.advocate);
  assert.equal(none.status, 403);
  assert.equal(none.json.error.code, 'consent_required');
  await s.call('POST', `/api/v1/survivors/${sv.id}/consents`, { token: ctx.tokens.advocate, body: { purpose: 'handover', given_on: '2026-10-01', method: 'written' } });
  const d = await pdf(path, ctx.tokens.advocate);
  assert.equal(d.status, 200);
  assert.match(d.info, /^Title:\s+Health handover summary$/m);
  const flat = d.text.replace(/\s+/g, ' ');
  for (const en of ['Known am', '1995', 'Amharic: professional interpreter needed (female interpreter)', 'A female clinician',
    'Explain before any examination', 'Sertraline 50 mg', 'Riverside Medical Centre', 'Registered 3 October 2026', 'Interpreter booked']) {
    assert.ok(flat.includes(en), `"${en}" in:\n${flat}`);
  }
  never(d.text);
  // Only the owning organisation's staff print it.
  assert.equal((await pdf(path, ctx.tokens.otherAdvocate)).status, 404);
  assert.equal((await pdf(path, ctx.tokens.clinician)).status, 403);
  assert.equal((await pdf(path, ctx.tokens.analyst)).status, 403);
});

test('the access report lists roles and organisations, never staff names, for the owning organisation\'s manager only', async () => {
  const sv = people.ar;
  const path = `/api/v1/survivors/${sv.id}/access-report.pdf`;
  assert.equal((await pdf(path, ctx.tokens.advocate)).status, 403);
  assert.equal((await pdf(path, ctx.tokens.otherManager)).status, 404);
  const d = await pdf(path, ctx.tokens.manager);
  assert.equal(d.status, 200);
  assert.match(d.filename, /"access-report\.pdf"/);
  assert.match(d.info, /^Title:\s+Access report$/m);
  const flat = d.text.replace(/\s+/g, ' ');
  for (const en of ['Who has looked at your record', 'Agency One', 'Advocate (support worker)', 'Created it',
    'Printed or downloaded it', 'An appointment card', 'Staff are not named']) {
    assert.ok(flat.includes(en), `"${en}" in:\n${flat}`);
  }
  for (const id of ['Who has looked at your record', 'Advocate (support worker)', 'Printed or downloaded it']) {
    assert.ok(holds(d.text, msgstr('ar', id), 'ar'), `the translation of "${id}"`);
  }
  for (const name of [ADVOCATE_NAME, MANAGER_NAME, 'Dorothea', 'Pryce', ctx.users.advocate.id, ctx.users.manager.id]) {
    assert.equal(d.text.includes(name), false, `the report names "${name}"`);
  }
  assert.ok(norm(d.text).includes(norm(DRAFT)));
  never(d.text);
});

test('every document printed is in the access log as an export, by its route', async () => {
  const log = await s.call('GET', `/api/v1/survivors/${people.ar.id}/access-log?limit=500`, { token: ctx.tokens.manager });
  assert.equal(log.status, 200);
  const exports = log.json.items.filter((e) => e.action === 'export').map((e) => e.route);
  assert.ok(exports.includes('/api/v1/survivors/{id}/appointments/{item_id}/card.pdf'));
  assert.ok(exports.includes('/api/v1/survivors/{id}/access-report.pdf'));
  // An appointment of another survivor is not this one's card.
  const r = await pdf(`/api/v1/survivors/${people.ar.id}/appointments/${appts.ti}/card.pdf`, ctx.tokens.advocate);
  assert.equal(r.status, 404);
});

test('the record page links the documents, and the download is the API\'s, audited', async () => {
  // Signed in through the pages, as a manager would be in a browser.
  const cookies = new Map();
  const jar = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const go = async (path, init = {}) => {
    const res = await fetch(s.base + path, { redirect: 'manual', ...init, headers: { Accept: 'text/html', Cookie: jar(), ...init.headers } });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const i = pair.indexOf('=');
      if (/max-age=0/i.test(line)) cookies.delete(pair.slice(0, i)); else cookies.set(pair.slice(0, i), pair.slice(i + 1));
    }
    return res;
  };
  const csrf = (html) => (html.match(/name="csrf" value="([^"]+)"/) || [])[1];
  const home = await (await go('/')).text();
  const signed = await go('/sign-in', {
    method: 'POST', body: new URLSearchParams({ csrf: csrf(home), username: 'manager', password: PASSWORD }).toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(signed.status, 303);
  const sv = people.vi;
  const page = await (await go(`/survivors/${sv.id}`)).text();
  for (const doc of ['entitlement-letter.pdf', 'handover.pdf', 'access-report.pdf', `appointments/${appts.vi}/card.pdf`]) {
    assert.ok(page.includes(`href="/survivors/${sv.id}/${doc}"`), doc);
  }
  const before = (await s.call('GET', `/api/v1/survivors/${sv.id}/access-log?limit=500`, { token: ctx.tokens.manager })).json.items
    .filter((e) => e.route === '/api/v1/survivors/{id}/entitlement-letter.pdf').length;
  const r = await go(`/survivors/${sv.id}/entitlement-letter.pdf`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/pdf');
  assert.equal(r.headers.get('content-disposition'), 'attachment; filename="gp-registration-letter.pdf"');
  const text = execFileSync('pdftotext', ['-', '-'], { input: Buffer.from(await r.arrayBuffer()), encoding: 'utf8' });
  assert.match(text, /To the GP practice/);
  const after = (await s.call('GET', `/api/v1/survivors/${sv.id}/access-log?limit=500`, { token: ctx.tokens.manager })).json.items
    .filter((e) => e.route === '/api/v1/survivors/{id}/entitlement-letter.pdf' && e.action === 'export').length;
  assert.equal(after, before + 1);
  // Without a handover consent, the page says why rather than a PDF.
  const refused = await go(`/survivors/${sv.id}/handover.pdf`);
  assert.equal(refused.status, 403);
  assert.match(refused.headers.get('content-type'), /text\/html/);
});

test('an organisation may print its telephone number and name its own staff in the access report', async () => {
  const path = `/api/v1/orgs/${ctx.orgs.agency.id}/documents`;
  const put = (token, body) => s.call('PUT', path, { token, body });
  assert.deepEqual((await s.call('GET', path, { token: ctx.tokens.manager })).json, { phone: null, name_staff: false });
  assert.equal((await put(ctx.tokens.advocate, { phone: '0113 496 0000', name_staff: true })).status, 403);
  assert.equal((await put(ctx.tokens.otherManager, { phone: '0113 496 0000', name_staff: true })).status, 404);
  for (const [body, field] of [
    [{ phone: 'ring Sam', name_staff: true }, 'phone'],
    [{ phone: '1'.repeat(41), name_staff: true }, 'phone'],
    [{ name_staff: true }, 'phone'],
    [{ phone: null }, 'name_staff'],
  ]) {
    const r = await put(ctx.tokens.manager, body);
    assert.equal(r.status, 422, JSON.stringify(body));
    assert.equal(r.json.error.field, field);
  }
  const r = await put(ctx.tokens.manager, { phone: '0113 496 0000', name_staff: true });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { phone: '0113 496 0000', name_staff: true });
  const sv = people.ti;
  const card = await pdf(`/api/v1/survivors/${sv.id}/appointments/${appts.ti}/card.pdf`, ctx.tokens.advocate);
  assert.ok(card.text.includes('0113 496 0000'));
  assert.ok(holds(card.text, msgstr('ti', 'Telephone'), 'ti'));
  // A clinician of another organisation reads the record under a share:
  // the report names the agency's own staff, never the clinic's.
  await s.call('POST', `/api/v1/survivors/${sv.id}/consents`, { token: ctx.tokens.advocate, body: { purpose: 'share_with_org', org_id: ctx.orgs.health.id, given_on: '2026-10-01' } });
  assert.equal((await s.call('GET', `/api/v1/survivors/${sv.id}`, { token: ctx.tokens.clinician })).status, 200);
  const report = await pdf(`/api/v1/survivors/${sv.id}/access-report.pdf`, ctx.tokens.manager);
  const flat = report.text.replace(/\s+/g, ' ');
  assert.ok(flat.includes(ADVOCATE_NAME), flat);
  assert.ok(flat.includes('Staff of the organisation that prepared it are named'));
  assert.ok(flat.includes('Health Centre'));
  assert.equal(flat.includes('clinician'), false, 'the clinic\'s account is not named');
  never(report.text);
  await put(ctx.tokens.manager, { phone: null, name_staff: false });
  const plain = await pdf(`/api/v1/survivors/${sv.id}/access-report.pdf`, ctx.tokens.manager);
  assert.equal(plain.text.includes(ADVOCATE_NAME), false);
});
