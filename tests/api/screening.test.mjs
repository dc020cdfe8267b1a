// The identification guide for health professionals (issue 16, item 6):
// GET and POST /api/v1/screening are public, map what was noticed to the
// next steps, refuse bad input in the spec's shape without repeating it,
// and store nothing at all: no audit entry, no row, nothing in the log but
// the request line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Server, PG, ADMIN_PASSWORD } from './harness.mjs';

let s;
before(async () => { s = await Server.start(); });
after(async () => { await s.destroy(); });

const screen = (indicators, opts = {}) => s.call('POST', '/api/v1/screening', { body: { indicators }, ...opts });
const stepCodes = (r) => r.json.steps.map((x) => x.code);

test('the signs and the guidance are public: no token needed', async () => {
  const r = await s.call('GET', '/api/v1/screening');
  assert.equal(r.status, 200);
  const { groups, indicators, what_to_do: todo, helpline } = r.json;
  assert.ok(indicators.length >= 14);
  const codes = indicators.map((i) => i.code);
  assert.equal(new Set(codes).size, codes.length, 'codes are unique');
  const groupCodes = new Set(groups.map((g) => g.code));
  for (const i of indicators) {
    assert.match(i.code, /^[a-z][a-z0-9_]*$/, 'snake_case');
    assert.ok(groupCodes.has(i.group), `${i.code} is in a group`);
    assert.ok(i.text.length > 10);
    assert.match(i.source.url, /^https:\/\//);
  }
  for (const c of ['speaks_for_them', 'documents_held', 'inconsistent_history', 'untreated_injuries', 'fearful',
    'address_unknown', 'appointments_by_others', 'no_access_to_money', 'signs_of_abuse', 'malnourished',
    'excessive_hours', 'lives_at_work', 'unfamiliar_with_area', 'immediate_danger', 'under_18']) {
    assert.ok(codes.includes(c), `indicator ${c}`);
  }
  // What to do before ticking anything: 999 in danger first, then the
  // steps, each with its source.
  assert.equal(todo[0].code, 'danger_999');
  for (const c of ['see_alone', 'professional_interpreter', 'safeguarding_lead', 'helpline',
    'refer_through_first_responder', 'child_safeguarding', 'duty_to_notify']) {
    assert.ok(todo.some((x) => x.code === c), `what_to_do has ${c}`);
  }
  for (const step of todo) assert.match(step.source.url, /^https:\/\//);
  assert.equal(helpline.phone, '08000 121 700');
  assert.equal(helpline.tel, '+448000121700');
});

test('nothing ticked: trust your instinct, and the Helpline', async () => {
  const r = await screen([]);
  assert.equal(r.status, 200);
  assert.equal(r.json.level, 'none');
  assert.deepEqual(stepCodes(r), ['trust_instinct', 'helpline']);
  assert.equal(r.json.helpline.phone, '08000 121 700');
});

test('one sign: see them alone with a professional interpreter, the safeguarding lead, the Helpline', async () => {
  const r = await screen(['fearful']);
  assert.equal(r.status, 200);
  assert.equal(r.json.level, 'possible');
  assert.deepEqual(stepCodes(r), ['treat', 'see_alone', 'professional_interpreter', 'safeguarding_lead', 'helpline']);
  const interp = r.json.steps.find((x) => x.code === 'professional_interpreter');
  assert.match(interp.text, /never the person who came with them/);
});

test('someone speaking for them and untreated injuries: strong, with the NRM and the Duty to Notify', async () => {
  const r = await screen(['speaks_for_them', 'untreated_injuries']);
  assert.equal(r.json.level, 'strong');
  assert.deepEqual(stepCodes(r), ['treat', 'see_alone', 'professional_interpreter', 'safeguarding_lead', 'helpline',
    'refer_through_first_responder', 'duty_to_notify']);
  const refer = r.json.steps.find((x) => x.code === 'refer_through_first_responder').text;
  assert.match(refer, /NHS bodies in England are not first responders/);
  assert.match(refer, /must give informed consent/);
  const dtn = r.json.steps.find((x) => x.code === 'duty_to_notify');
  assert.match(dtn.text, /NHS bodies are not among them/);
  assert.match(dtn.source.url, /legislation\.gov\.uk\/ukpga\/2015\/30\/section\/52/);
  // Three signs of any kind are a pattern too; the order of the codes and
  // repeats do not matter.
  const three = await screen(['lives_at_work', 'malnourished', 'excessive_hours', 'malnourished']);
  assert.equal(three.json.level, 'strong');
  const again = await screen(['untreated_injuries', 'speaks_for_them']);
  assert.deepEqual(again.json, r.json);
});

test('immediate danger: 999 first', async () => {
  const r = await screen(['immediate_danger', 'fearful']);
  assert.equal(r.json.level, 'emergency');
  assert.equal(r.json.steps[0].code, 'call_999');
  assert.match(r.json.steps[0].text, /999/);
});

test('a child: children\'s services, and no consent needed', async () => {
  const r = await screen(['under_18', 'documents_held', 'fearful']);
  assert.equal(r.json.level, 'strong');
  const codes = stepCodes(r);
  assert.ok(codes.includes('child_safeguarding'));
  assert.ok(!codes.includes('refer_through_first_responder'), 'not the adult\'s consent-based route');
  const child = r.json.steps.find((x) => x.code === 'child_safeguarding').text;
  assert.match(child, /children's services/);
  assert.match(child, /does not have to consent/);
});

test('a token is neither needed nor looked at', async () => {
  const r = await screen(['fearful'], { token: 'not-a-token' });
  assert.equal(r.status, 200);
  assert.equal(r.json.level, 'possible');
});

test('bad input: the spec\'s errors, naming the field, never repeating the value', async () => {
  const secret = 'Ardita Krasniqi lives at 12 Hidden Road';
  const cases = [
    [{ indicators: ['fearful', secret] }, 'indicators[1]'],
    [{ indicators: [5] }, 'indicators[0]'],
    [{ indicators: 'fearful' }, 'indicators'],
    [{}, 'indicators'],
    [{ indicators: Array(65).fill('fearful') }, 'indicators'],
    [{ indicators: [], patient_name: secret }, 'patient_name'],
  ];
  for (const [body, field] of cases) {
    const r = await s.call('POST', '/api/v1/screening', { body });
    assert.equal(r.status, 422, JSON.stringify(body).slice(0, 60));
    assert.equal(r.json.error.code, 'validation_failed');
    assert.equal(r.json.error.field, field);
    assert.ok(!r.text.includes('Ardita') && !r.text.includes('Hidden Road'), 'the value is not repeated');
  }
  const notJson = await s.call('POST', '/api/v1/screening', { raw: '{"indicators": [', headers: { 'Content-Type': 'application/json' } });
  assert.equal(notJson.status, 400);
  assert.equal(notJson.json.error.code, 'bad_request');
  const notObject = await s.call('POST', '/api/v1/screening', { raw: '["fearful"]', headers: { 'Content-Type': 'application/json' } });
  assert.equal(notObject.status, 422);
  const form = await s.call('POST', '/api/v1/screening', { raw: 'indicators=fearful', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  assert.equal(form.status, 415);
  const big = await s.call('POST', '/api/v1/screening', { raw: JSON.stringify({ indicators: ['x'.repeat(1024 * 1024)] }), headers: { 'Content-Type': 'application/json' } });
  assert.equal(big.status, 413);
  assert.equal(big.json.error.code, 'payload_too_large');
  const put = await s.call('PUT', '/api/v1/screening', { body: { indicators: [] } });
  assert.equal(put.status, 405);
});

// The page, as a browser without JavaScript sends it: the signed-out form's
// CSRF token bound to its own cookie, as the sign-in form's is.
async function pageSession() {
  const first = await fetch(`${s.base}/screening`, { headers: { Accept: 'text/html' } });
  assert.equal(first.status, 200);
  const cookie = first.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const csrf = /name="csrf" value="([^"]+)"/.exec(await first.text())[1];
  const post = (fields) => fetch(`${s.base}/screening`, {
    method: 'POST', redirect: 'manual',
    headers: { Accept: 'text/html', Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: fields.toString(),
  });
  return { cookie, csrf, post };
}

test('the page: signed out, its CSRF token checked, a tampered code refused, the steps shown', async () => {
  const { csrf, post } = await pageSession();
  const ok = await post(new URLSearchParams([['csrf', csrf], ['indicator', 'speaks_for_them'], ['indicator', 'fearful']]));
  assert.equal(ok.status, 200);
  const html = await ok.text();
  assert.match(html, /strong signs of modern slavery/);
  assert.match(html, /href="tel:\+448000121700"/);
  assert.match(html, /value="fearful" checked/);
  const forged = await post(new URLSearchParams([['csrf', 'A'.repeat(43)], ['indicator', 'fearful']]));
  assert.equal(forged.status, 403);
  const tampered = await post(new URLSearchParams([['csrf', csrf], ['indicator', 'Ardita Krasniqi']]));
  assert.equal(tampered.status, 422);
  const text = await tampered.text();
  assert.match(text, /Choose only from the signs listed/);
  assert.ok(!text.includes('Ardita'), 'the value is not repeated');
});

// Every table's row count, in the database (and SQLite's file of reads).
function rowCounts() {
  const counts = {};
  const sqlite = (db) => (q) => spawnSync('sqlite3', [db, q], { encoding: 'utf8' });
  const sources = PG
    ? [['', (q) => s.sql(q), "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"]]
    : [['', sqlite(s.db), "SELECT name FROM sqlite_master WHERE type = 'table'"],
      ...(existsSync(`${s.db}-reads`) ? [['reads:', sqlite(`${s.db}-reads`), "SELECT name FROM sqlite_master WHERE type = 'table'"]] : [])];
  for (const [prefix, run, list] of sources) {
    const tables = run(list).stdout.split('\n').map((t) => t.trim()).filter(Boolean);
    assert.ok(tables.length > 0);
    const r = run(tables.map((t) => `SELECT '${t}', count(*) FROM "${t}"`).join(' UNION ALL '));
    assert.equal(r.status, 0, r.stderr);
    for (const line of r.stdout.trim().split('\n')) {
      const [t, n] = line.split('|');
      counts[prefix + t] = Number(n);
    }
  }
  return counts;
}

test('nothing is stored: no table changes, no audit entry, and the log holds only request lines', async () => {
  const before = rowCounts();
  assert.ok('audit' in before || 'reads:read_audit' in before || 'read_audit' in before, 'the audit tables are counted');
  const logBefore = s.stderr.length;
  const sent = [['fearful'], ['speaks_for_them', 'documents_held'], ['immediate_danger'], ['under_18', 'lives_at_work'], []];
  for (let i = 0; i < 40; i++) {
    const r = await screen(sent[i % sent.length]);
    assert.equal(r.status, 200);
    await s.call('GET', '/api/v1/screening');
    await screen(['not_a_sign']); // refused: stores nothing either
  }
  // The page too, signed out.
  const { csrf, post } = await pageSession();
  for (let i = 0; i < 5; i++) {
    assert.equal((await post(new URLSearchParams([['csrf', csrf], ['indicator', 'documents_held']]))).status, 200);
  }
  // Give any writer that would have written (there is none) time to do so:
  // a request that is answered after its audit entries (none here) ends
  // the batch first.
  await s.call('GET', '/healthz');
  assert.deepEqual(rowCounts(), before);
  const log = s.stderr.slice(logBefore);
  const lines = log.split('\n').filter((l) => l.includes('screening'));
  assert.ok(lines.length >= 125);
  for (const l of lines) assert.match(l, /^\S+ (GET|POST) (\/api\/v1)?\/screening \d{3} [\d.]+ms$/, l);
  for (const code of ['fearful', 'speaks_for_them', 'documents_held', 'immediate_danger', 'under_18', 'not_a_sign']) {
    assert.ok(!log.includes(code), `the log never holds ${code}`);
  }
  // The control: a request that does store something (a login's session)
  // shows in the same counts.
  await s.login('admin', ADMIN_PASSWORD);
  assert.notDeepEqual(rowCounts(), before, 'the counts see a write');
});
