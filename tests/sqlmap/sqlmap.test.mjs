// sqlmap (Debian's) against the running server on loopback, with valid
// tokens, over every kind of parameter that reaches SQL: the survivors'
// list filters, search and cursor; ids in paths (a survivor's, an item's,
// a user's); the JSON bodies of POST, PATCH and PUT, every value marked as
// an injection point with '*'; the report's from/to/org_id; the alerts'
// advocate/as_of; the sign-in form and the API's login.
//
// The test fails when sqlmap reports any parameter injectable, and fails
// (never skips) when sqlmap is missing, does not run, or tests nothing. A
// control target first proves the verdict can fail: a small server of the
// test's own that answers like a boolean-injectable query must be found
// injectable. sqlmap's session and output stay in a temporary folder; it
// talks to 127.0.0.1 only. Its own runner in make test (scripts/run-tests:
// sqlmap), against the sanitizer build; docs/testing.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, survivorBody, addRecordExamples } from '../api/harness.mjs';

let s;
let ctx;
let work;
const ids = {};

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'waymark-sqlmap-'));
  s = await Server.start();
  ctx = await s.seed();
  // A demo-like database: a few survivors with every part of the record.
  const t = ctx.tokens.advocate;
  for (const known_as of ['Ardita', 'Lule', 'Minh']) {
    const r = await s.call('POST', '/api/v1/survivors', { token: t, body: survivorBody({ known_as, languages: [{ code: 'sq' }] }) });
    assert.equal(r.status, 201, r.text);
    ids.survivor = r.json.id;
  }
  ids.items = await addRecordExamples(s, t, ids.survivor);
  const page = await s.call('GET', '/api/v1/survivors?limit=1', { token: t });
  ids.cursor = page.json.next_cursor;
  assert.ok(ids.cursor, 'a cursor to test');
});

after(async () => {
  if (s) await s.destroy();
  if (work) rmSync(work, { recursive: true, force: true });
});

// Runs sqlmap on one target; answers its output. The session is flushed
// and kept in this run's folder; HOME points there too, so nothing is
// written elsewhere.
function sqlmap(args, { level = 2, risk = 2, dbms } = {}) {
  // 401 is the answer to a wrong password: a page to compare, not a stop.
  const all = ['--batch', '--skip-waf', `--level=${level}`, `--risk=${risk}`, '--time-sec=1', '--timeout=10',
    '--retries=0', '--ignore-code=401', '--flush-session', '--disable-coloring', `--output-dir=${join(work, 'out')}`,
    ...(dbms ? [`--dbms=${dbms}`] : []), ...args];
  return new Promise((resolve, reject) => {
    const p = spawn('sqlmap', all, { env: { ...process.env, HOME: work }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (c) => { out += c; });
    p.stderr.on('data', (c) => { out += c; });
    p.on('error', (e) => reject(new Error(`sqlmap did not run (install it: scripts/install-deps): ${e.message}`)));
    p.on('close', (code) => resolve({ code, out }));
  });
}

// sqlmap's verdict: the lines that say a parameter is injectable.
const INJECTABLE = [/identified the following injection point/, /parameter '[^']*' is vulnerable/,
  /parameter '[^']*' appears to be '[^']*' injectable/, /parameter '[^']*' is '[^']*' injectable/];
function findings(out) {
  return out.split('\n').filter((l) => INJECTABLE.some((re) => re.test(l)));
}
function testedSomething(out) {
  return /testing for SQL injection on/.test(out);
}

// The backend the harness chose, for sqlmap's payloads.
const dbms = () => (String(s.db).startsWith('postgres') ? 'PostgreSQL' : 'SQLite');

function assertClean(name, { code, out }) {
  assert.ok(testedSomething(out), `${name}: sqlmap tested nothing (exit ${code}):\n${out.slice(-2000)}`);
  assert.doesNotMatch(out, /\[CRITICAL\]/, `${name}: sqlmap could not test:\n${out.slice(-2000)}`);
  assert.deepEqual(findings(out), [], `${name}: sqlmap reports an injection`);
  assert.match(out, /all tested parameters do not appear to be injectable/, `${name}: no verdict:\n${out.slice(-2000)}`);
}

test('control: sqlmap finds a boolean-based injection where there is one', async () => {
  // Answers as `SELECT ... WHERE id = <id>` would: a row while the
  // condition appended to the id holds, none when it does not.
  const evalCond = (v) => {
    const m = /^\d+\)*\s+AND\s+\(*(\d+)\s*=\s*(\d+)/i.exec(v);
    return m ? m[1] === m[2] : /^\d+$/.test(v);
  };
  const srv = createServer((req, res) => {
    const id = new URL(req.url, 'http://x').searchParams.get('id') || '';
    res.setHeader('Content-Type', 'text/html');
    res.end(evalCond(id) ? '<p>Record 1: Ardita, Tirana, since 2026</p>' : '<p>No such record</p>');
  });
  await new Promise((res) => srv.listen(0, '127.0.0.1', res));
  try {
    const r = await sqlmap(['-u', `http://127.0.0.1:${srv.address().port}/item?id=1`, '--technique=B'], { level: 1, risk: 1, dbms: 'SQLite' });
    assert.notDeepEqual(findings(r.out), [], `the control was not found injectable:\n${r.out.slice(-2000)}`);
  } finally {
    srv.close();
  }
});

// Each target: a name, sqlmap's arguments, and the token it uses.
function targets() {
  const base = s.base;
  const sv = ids.survivor;
  const { advocate, manager, admin } = ctx.tokens;
  const json = (data) => ['--data', JSON.stringify(data)];
  return [
    ['survivor list filters, search, cursor', advocate,
      ['-u', `${base}/api/v1/survivors?status=active&q=Ardita&advocate=me&limit=5&cursor=${ids.cursor}`]],
    ['survivor id in the path', advocate, ['-u', `${base}/api/v1/survivors/${sv}*`]],
    ['item ids in the path, status filter', advocate,
      ['-u', `${base}/api/v1/survivors/${sv}*/appointments/${ids.items.appointments}*`]],
    ['list of items with filter', advocate,
      ['-u', `${base}/api/v1/survivors/${sv}/registrations?status=registered&limit=5`]],
    ['access log cursor and limit', manager,
      ['-u', `${base}/api/v1/survivors/${sv}/access-log?limit=5&cursor=x`]],
    ['POST a survivor (JSON)', advocate, ['-u', `${base}/api/v1/survivors`,
      ...json({ known_as: 'Ana*', legal_name: 'Ana Test*', entered_service_on: '2026-10-01*', languages: [{ code: 'sq*' }] })]],
    ['PATCH a survivor (JSON)', advocate, ['-u', `${base}/api/v1/survivors/${sv}`, '--method=PATCH',
      ...json({ version: '1*', known_as: 'Lulu*', status: 'active*' })]],
    ['PUT the NRM record (JSON)', advocate, ['-u', `${base}/api/v1/survivors/${sv}/nrm`, '--method=PUT',
      ...json({ version: '1*', referred_on: '2026-09-01*', first_responder: 'Police*' })]],
    ['POST an appointment (JSON)', advocate, ['-u', `${base}/api/v1/survivors/${sv}/appointments`,
      ...json({ kind: 'gp*', starts_at: '2026-12-10T09:30:00Z*', provider: 'Clinic*' })]],
    ['report from/to/org_id', manager,
      ['-u', `${base}/api/v1/reports/outcomes?from=2026-01-01&to=2026-12-31&org_id=${ctx.orgs.agency.id}&months=true`]],
    ['alerts advocate/as_of', advocate, ['-u', `${base}/api/v1/alerts?advocate=me&as_of=2026-11-20&include_snoozed=true`]],
    ['user id in the path', admin, ['-u', `${base}/api/v1/users/${ctx.users.advocate.id}*`]],
    ['safeguarding shares filter', manager, ['-u', `${base}/api/v1/safeguarding-shares?reviewed=false&limit=5`]],
  ];
}

test('sqlmap finds no injection in the API', async (t) => {
  for (const [name, token, args] of targets()) {
    const started = Date.now();
    const r = await sqlmap([...args, '--headers', `Authorization: Bearer ${token}`], { dbms: dbms() });
    t.diagnostic(`${name}: ${r.out.split('\n').filter((l) => /testing for SQL injection on/.test(l)).length} parameters, ${((Date.now() - started) / 1000).toFixed(1)} s`);
    assertClean(name, r);
  }
  assert.equal((await s.call('GET', '/healthz')).status, 200, 'the server is still up');
});

test('sqlmap finds no injection in the sign-in form or the API login', async () => {
  // The form's CSRF token is bound to the signed-out cookie it comes with.
  const page = await fetch(`${s.base}/`, { headers: { Accept: 'text/html' } });
  const cookie = (page.headers.get('set-cookie') || '').split(';')[0];
  const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  assert.ok(cookie.startsWith('wm_pre=') && csrf, 'a sign-in form to test');
  // Every try checks a password (Argon2id): the lightest level keeps it
  // short, and the lock-out this sets off is part of what is tested.
  const opts = { level: 1, risk: 1, dbms: dbms() };
  assertClean('sign-in form', await sqlmap(['-u', `${s.base}/sign-in`, '--data', `csrf=${csrf}&username=advocate&password=wrong`,
    '-p', 'username,password', '--cookie', cookie, '--headers', 'Accept: text/html'], opts));
  assertClean('API login', await sqlmap(['-u', `${s.base}/api/v1/login`,
    '--data', JSON.stringify({ username: 'advocate2*', password: 'wrong*' })], opts));
  assert.equal((await s.call('GET', '/healthz')).status, 200, 'the server is still up');
});
