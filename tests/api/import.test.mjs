// waymark import: a caseload from a spreadsheet's CSV, checked whole with the
// API's rules before anything is stored, never twice, and never echoing a
// name into its output.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server, run, ADMIN_PASSWORD, FIRST_PASSWORD, PASSWORD } from './harness.mjs';

let s, org, manager, advocate;
before(async () => {
  s = await Server.start();
  const admin = await s.login('admin', ADMIN_PASSWORD);
  org = (await s.call('POST', '/api/v1/orgs', { token: admin, body: { name: 'Agency One', kind: 'support_agency' } })).json;
  const user = async (username, role) => (await s.call('POST', '/api/v1/users', {
    token: admin, body: { username, password: FIRST_PASSWORD, display_name: username, role, org_id: org.id },
  })).json;
  advocate = await user('advocate', 'advocate');
  await user('manager', 'manager');
  const first = await s.login('manager', FIRST_PASSWORD);
  await s.changePassword(first, FIRST_PASSWORD, PASSWORD);
  manager = await s.login('manager');
});
after(async () => { await s.destroy(); });

const NAMES = ['Ardita', 'Blerina', 'Chiamaka', 'Dorota', 'Esi', 'Fatima', 'Zoë Ünal'];
// A caseload as Excel saves it: a byte-order mark, CRLF line ends, quoted
// cells holding commas and a line break, a blank row, trailing empty
// columns, UK dates. Row 4 repeats row 2's ref; after the blank row 5, rows
// 7 and 8 are invalid (a date that is no day; a gender the API does not
// know). Row numbers are the spreadsheet's.
const HEADER = 'Case no,known_as,legal_name,languages,entered_service_on,advocate,address,gp_provider,gp_registered_on,nrm_referred_on,birth_year,gender,,';
const ROWS = [
  'NG-001,Ardita,"Hoxha, Ardita",sq*;en,01/10/2026,advocate,"Flat 2,\n1 High Street",Riverside Practice,03/10/2026,15/09/2026,1994,female,,',
  'NG-002,Blerina,,en,2/10/2026,,,,,,,,',
  'NG-001,Chiamaka,,,05/10/2026,,,,,,,,',
  '',
  'NG-003,Dorota,,pl,06/10/2026,advocate,,,,,,,',
  'NG-004,Esi,,,31/02/2026,,,,,,,,',
  'NG-005,Fatima,,,07/10/2026,,,,,,,robot,,',
];
const messy = (rows = ROWS) => '\ufeff' + [HEADER, ...rows].join('\r\n') + '\r\n';
const file = (name, content) => { const p = join(s.dir, name); writeFileSync(p, content); return p; };
const map = () => file('map.json', JSON.stringify({ 'Case no': 'ref' }));
const importCsv = (path, ...extra) => run(['import', '--db', s.db, '--org', org.id, '--as', 'manager', '--file', path, '--map', map(), ...extra]);
const list = async () => (await s.call('GET', '/api/v1/survivors?limit=100', { token: manager })).json.items;
const noNames = (r) => { for (const n of NAMES) assert.ok(!(r.stdout + r.stderr).includes(n), 'no name in the output'); };

test('one bad row means nothing is stored: exactly the two problems, by row and column, no names', async () => {
  const r = importCsv(file('messy.csv', messy()));
  assert.equal(r.status, 1, r.stdout + r.stderr);
  const problems = r.stderr.split('\n').filter((l) => l.startsWith('row '));
  assert.deepEqual(problems.map((l) => l.replace(/:.*/, '')), ['row 7, column entered_service_on', 'row 8, column gender']);
  assert.match(r.stderr, /nothing was stored/);
  noNames(r);
  assert.deepEqual(await list(), []);
});

test('--dry-run says what would be created and stores nothing', async () => {
  const r = importCsv(file('messy.csv', messy()), '--dry-run', '--skip-invalid');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /row 2: would create a survivor, a GP registration, an NRM referral/);
  assert.match(r.stdout, /row 4: already present \(the same ref as row 2\)/);
  assert.match(r.stdout, /3 would be created, 1 already present, 2 with problems/);
  noNames(r);
  assert.deepEqual(await list(), []);
});

test('--skip-invalid stores the valid rows, as the API shows them, each with its audit entry', async () => {
  const r = importCsv(file('messy.csv', messy()), '--skip-invalid');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /3 created, 1 already present, 2 with problems not stored/);
  noNames(r);
  const got = await list();
  assert.deepEqual(got.map((x) => x.known_as).sort(), ['Ardita', 'Blerina', 'Dorota']);
  const ardita = got.find((x) => x.known_as === 'Ardita');
  assert.equal(ardita.legal_name, 'Hoxha, Ardita');
  assert.equal(ardita.contact.address, 'Flat 2,\n1 High Street');
  assert.equal(ardita.entered_service_on, '2026-10-01');
  assert.equal(ardita.birth_year, 1994);
  assert.equal(ardita.advocate_id, advocate.id);
  assert.deepEqual(ardita.languages, [{ code: 'sq', interpreter_needed: true }, { code: 'en', interpreter_needed: false }]);
  assert.equal(got.find((x) => x.known_as === 'Blerina').entered_service_on, '2026-10-02');
  const gp = (await s.call('GET', `/api/v1/survivors/${ardita.id}/registrations`, { token: manager })).json.items;
  assert.deepEqual(gp.map((g) => [g.service, g.provider, g.registered_on]), [['gp', 'Riverside Practice', '2026-10-03']]);
  const nrm = (await s.call('GET', `/api/v1/survivors/${ardita.id}/nrm`, { token: manager })).json;
  assert.equal(nrm.referred_on, '2026-09-15');
  const log = (await s.call('GET', `/api/v1/survivors/${ardita.id}/access-log`, { token: manager })).json.items;
  const created = log.filter((e) => e.action === 'create');
  assert.equal(created.length, 3, 'the survivor, the registration and the NRM');
  assert.ok(created.every((e) => e.route === 'waymark import'));
});

test('a second run creates no one twice: the refs are already present', async () => {
  const fixed = ROWS.slice(0, 5);
  const r = importCsv(file('again.csv', messy(fixed)));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /0 created, 4 already present/);
  assert.equal((await list()).length, 3);
  // The refs are kept as keyed hashes, never as the agency wrote them.
  for (const f of s.dbFiles()) assert.equal(f.includes(Buffer.from('NG-001')), false);
});

test('erasing an imported survivor forgets their ref with everything else of theirs', async () => {
  const sv = (await list()).find((x) => x.known_as === 'Dorota');
  const closed = await s.call('PATCH', `/api/v1/survivors/${sv.id}`, { token: manager, body: { version: sv.version, status: 'closed', closed_on: '2026-11-30' } });
  assert.equal(closed.status, 200, closed.text);
  assert.equal(s.sql(`SELECT count(*) FROM import_refs WHERE survivor_id = '${sv.id}'`).stdout.trim(), '1');
  const r = run(['erase', '--db', s.db, '--survivor', sv.id, '--reason-file', file('reason', 'Retention period over\n')]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(s.sql(`SELECT count(*) FROM import_refs WHERE survivor_id = '${sv.id}'`).stdout.trim(), '0');
});

test('a Windows-1252 file is refused with how to save it as UTF-8, and read with --encoding cp1252', async () => {
  const text = 'ref,known_as,entered_service_on\r\nNG-009,Zo\xeb \xdcnal,08/10/2026\r\n';
  const p = file('old.csv', Buffer.from(text, 'latin1'));
  const refused = run(['import', '--db', s.db, '--org', org.id, '--as', 'manager', '--file', p]);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /not UTF-8.*CSV UTF-8.*--encoding cp1252/s);
  const ok = run(['import', '--db', s.db, '--org', org.id, '--as', 'manager', '--file', p, '--encoding', 'cp1252']);
  assert.equal(ok.status, 0, ok.stderr);
  noNames(ok);
  assert.ok((await list()).some((x) => x.known_as === 'Zoë Ünal'));
});

test('a dependants column brings each child with their birth year; a bad one says which column', async () => {
  const p = file('deps.csv', 'ref,known_as,entered_service_on,dependants\nDEP-1,Gulnara,01/10/2026,Ana:2019; Luka\n');
  const r = run(['import', '--db', s.db, '--org', org.id, '--as', 'manager', '--file', p]);
  assert.equal(r.status, 0, r.stderr);
  const g = (await list()).find((x) => x.known_as === 'Gulnara');
  assert.deepEqual(g.dependants, [{ known_as: 'Ana', birth_year: 2019 }, { known_as: 'Luka' }]);
  for (const [cell, msg] of [['Mira:19', /row 2, column dependants: must be names, each with its birth year/],
    ['Mira:2150', /row 2, column dependants: dependants\[0\]\.birth_year is in the future/]]) {
    const bad = run(['import', '--db', s.db, '--org', org.id, '--as', 'manager', '--dry-run', '--file', file('deps-bad.csv', `ref,known_as,entered_service_on,dependants\nDEP-2,Hana,01/10/2026,${cell}\n`)]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, msg);
    assert.ok(!bad.stderr.includes('Mira'), 'no name in the output');
  }
});

test('--date-format reads other dates; a heading that is none of ours is refused', async () => {
  const p = file('us.csv', 'ref,known_as,entered_service_on\nUS-1,Gulnara,10/31/2026\n');
  const bad = run(['import', '--db', s.db, '--org', org.id, '--as', 'manager', '--file', p, '--dry-run']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /row 2, column entered_service_on: must be a date/);
  const us = run(['import', '--db', s.db, '--org', org.id, '--as', 'manager', '--file', p, '--date-format', 'mm/dd/yyyy', '--dry-run']);
  assert.equal(us.status, 0, us.stderr);
  const odd = run(['import', '--db', s.db, '--org', org.id, '--as', 'manager', '--file', file('odd.csv', 'ref,surname\nX,Y\n')]);
  assert.equal(odd.status, 1);
  assert.match(odd.stderr, /row 1, column surname: is not a column/);
  const twice = run(['import', '--db', s.db, '--org', org.id, '--as', 'manager', '--file', file('twice.csv', 'ref,known_as,known_as\nX,Y,Z\n')]);
  assert.equal(twice.status, 1);
  assert.match(twice.stderr, /row 1, column known_as: stands for the same column/);
  const lost = run(['import', '--db', s.db, '--org', org.id, '--as', 'manager', '--dry-run', '--file', file('lost.csv', 'ref,,known_as,entered_service_on\nX,Y,Z,01/10/2026\n')]);
  assert.equal(lost.status, 1);
  assert.match(lost.stderr, /row 2, column \(with no heading\): has a value under no heading/);
});

test('--as must be a manager of the organisation: an advocate may not import', () => {
  const r = run(['import', '--db', s.db, '--org', org.id, '--as', 'advocate', '--file', 'docs/import-template.csv', '--dry-run']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /--as must be the username of an active manager/);
});

test('the template in docs/ is read as it stands: every heading known, its example row valid', () => {
  const r = run(['import', '--db', s.db, '--org', org.id, '--as', 'manager', '--file', 'docs/import-template.csv', '--dry-run']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /row 2: would create a survivor, a GP registration, an NRM referral\n/);
});

// ---- Excel workbooks (.xlsx) ----

// Debian's python3 (python3-openpyxl is installed for it), not another on PATH.
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const XLSX = join(dirname(fileURLToPath(import.meta.url)), 'xlsx.py');
const workbook = (name, spec) => {
  const p = join(s.dir, name);
  const r = spawnSync(PYTHON, [XLSX, p], { input: JSON.stringify(spec), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return p;
};
const hostile = (kind) => {
  const p = join(s.dir, `${kind}.xlsx`);
  const r = spawnSync(PYTHON, [XLSX, p, '--hostile', kind], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return p;
};

// A second organisation, so the same rows can be imported again from scratch.
let org2, manager2, advocate2;
const as2 = (path, ...extra) => run(['import', '--db', s.db, '--org', org2.id, '--as', 'manager2', '--file', path, '--map', map(), ...extra]);
const list2 = async () => (await s.call('GET', '/api/v1/survivors?limit=100', { token: manager2 })).json.items;

// The messy caseload's rows as Excel holds them: the dates of rows 2, 4, 6
// and 8 are date cells (serial numbers), the others text; the birth year is
// a number; row 5 is blank.
const D = (d) => ({ date: d });
const SHEET = [
  ['Case no', 'known_as', 'legal_name', 'languages', 'entered_service_on', 'advocate', 'address', 'gp_provider', 'gp_registered_on', 'nrm_referred_on', 'birth_year', 'gender'],
  ['NG-001', 'Ardita', 'Hoxha, Ardita', 'sq*;en', D('2026-10-01'), 'advocate2', 'Flat 2,\n1 High Street', 'Riverside Practice', D('2026-10-03'), '15/09/2026', 1994, 'female'],
  ['NG-002', 'Blerina', null, 'en', '2/10/2026'],
  ['NG-001', 'Chiamaka', null, null, D('2026-10-05')],
  [],
  ['NG-003', 'Dorota', null, 'pl', D('2026-10-06'), 'advocate2'],
  ['NG-004', 'Esi', null, null, '31/02/2026'],
  ['NG-005', 'Fatima', null, null, D('2026-10-07'), null, null, null, null, null, null, 'robot'],
];

test('the .xlsx of the same rows imports the same: problems by row and column, then the valid rows', async () => {
  const admin = await s.login('admin', ADMIN_PASSWORD);
  org2 = (await s.call('POST', '/api/v1/orgs', { token: admin, body: { name: 'Agency Two', kind: 'support_agency' } })).json;
  const user = async (username, role) => (await s.call('POST', '/api/v1/users', {
    token: admin, body: { username, password: FIRST_PASSWORD, display_name: username, role, org_id: org2.id },
  })).json;
  advocate2 = await user('advocate2', 'advocate');
  await user('manager2', 'manager');
  await s.changePassword(await s.login('manager2', FIRST_PASSWORD), FIRST_PASSWORD, PASSWORD);
  manager2 = await s.login('manager2');

  const p = workbook('messy.xlsx', { rows: SHEET });
  const r = as2(p);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  const problems = r.stderr.split('\n').filter((l) => l.startsWith('row '));
  assert.deepEqual(problems.map((l) => l.replace(/:.*/, '')), ['row 7, column entered_service_on', 'row 8, column gender']);
  noNames(r);
  assert.deepEqual(await list2(), []);

  const ok = as2(p, '--skip-invalid');
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /3 created, 1 already present, 2 with problems not stored/);
  noNames(ok);
  const got = await list2();
  assert.deepEqual(got.map((x) => x.known_as).sort(), ['Ardita', 'Blerina', 'Dorota']);
  const ardita = got.find((x) => x.known_as === 'Ardita');
  assert.equal(ardita.legal_name, 'Hoxha, Ardita');
  assert.equal(ardita.contact.address, 'Flat 2,\n1 High Street');
  assert.equal(ardita.entered_service_on, '2026-10-01');
  assert.equal(ardita.birth_year, 1994);
  assert.equal(ardita.advocate_id, advocate2.id);
  assert.deepEqual(ardita.languages, [{ code: 'sq', interpreter_needed: true }, { code: 'en', interpreter_needed: false }]);
  assert.equal(got.find((x) => x.known_as === 'Blerina').entered_service_on, '2026-10-02');
  assert.equal(got.find((x) => x.known_as === 'Dorota').entered_service_on, '2026-10-06');
  const gp = (await s.call('GET', `/api/v1/survivors/${ardita.id}/registrations`, { token: manager2 })).json.items;
  assert.deepEqual(gp.map((g) => [g.service, g.provider, g.registered_on]), [['gp', 'Riverside Practice', '2026-10-03']]);
  const nrm = (await s.call('GET', `/api/v1/survivors/${ardita.id}/nrm`, { token: manager2 })).json;
  assert.equal(nrm.referred_on, '2026-09-15');
});

test('a workbook that counts its dates from 1904 is read on the right days', async () => {
  const p = workbook('mac.xlsx', { date1904: true, rows: [['ref', 'known_as', 'entered_service_on'], ['MAC-1', 'Gulnara', D('2026-10-08')]] });
  const r = as2(p);
  assert.equal(r.status, 0, r.stderr);
  assert.equal((await list2()).find((x) => x.known_as === 'Gulnara').entered_service_on, '2026-10-08');
});

test('hostile workbooks are refused with a plain message, and nothing is stored', async () => {
  const before = (await list2()).length;
  const cases = {
    formula: /row 2 holds a formula: copy the sheet and paste it as values/,
    bomb: /a part of the workbook unpacks to more than 64 MB/,
    doctype: /holds a DOCTYPE/,
    'long-cell': /a cell is longer than 32767 bytes/,
    'not-zip': /not an Excel workbook \(\.xlsx\) that can be read/,
  };
  for (const [kind, message] of Object.entries(cases)) {
    const r = as2(hostile(kind));
    assert.equal(r.status, 1, `${kind}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, message, kind);
  }
  assert.equal((await list2()).length, before);
});
