// waymark export, and the way back in: an organisation's whole caseload
// written as JSON lines, audited, refused to whoever may not read every part
// of it, and read back by waymark import into another installation whose
// accounts have the same usernames, where every record is as it was.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Server, run, addRecordExamples, survivorBody } from './harness.mjs';

let a, b, ctxA, ctxB;
before(async () => {
  a = await Server.start();
  ctxA = await a.seed();
  b = await Server.start();
  ctxB = await b.seed();
});
after(async () => { await a?.destroy(); await b?.destroy(); });

const day = (offset) => new Date(Date.now() + offset * 86400000).toISOString().slice(0, 10);
const names = ['Ardita', 'Blerina', 'Chiamaka'];

// Three survivors with everything a record can hold: every part, several
// items of a kind, a plan with a review, a changed item, and a snooze that
// names an appointment.
async function fill() {
  const { tokens, users } = ctxA;
  const made = [];
  for (const [i, known_as] of names.entries()) {
    const body = survivorBody({
      known_as, legal_name: `${known_as} Hoxha`, birth_year: 1990 + i, gender: 'female',
      languages: [{ code: 'sq', interpreter_needed: true }, { code: 'en', interpreter_needed: false }],
      contact: { phone: '07700 900123', safe_to_call: true, address: 'Flat 2,\n1 High Street' },
      dependants: [{ known_as: 'Mira', birth_year: 2020 }],
      care_needs: { clinician_gender: 'female', approach_with_care: 'Prefers mornings' },
      advocate_id: i === 2 ? users.advocate2.id : users.advocate.id,
    });
    const r = await a.call('POST', '/api/v1/survivors', { token: tokens.manager, body });
    assert.equal(r.status, 201, r.text);
    const ids = await addRecordExamples(a, tokens.manager, r.json.id);
    const ap = await a.call('POST', `/api/v1/survivors/${r.json.id}/appointments`, {
      token: tokens.manager,
      body: { kind: 'dental', starts_at: `${day(-3)}T09:00:00Z`, status: 'cancelled', cancelled_by: 'third_party', provider: 'Smile Dental' },
    });
    assert.equal(ap.status, 201, ap.text);
    const changed = await a.call('PATCH', `/api/v1/survivors/${r.json.id}/appointments/${ids.appointments}`, {
      token: tokens.manager, body: { version: 1, provider: 'Riverside Practice' },
    });
    assert.equal(changed.status, 200, changed.text);
    const sn = await a.call('POST', '/api/v1/alerts/snoozes', {
      token: tokens.manager,
      body: { survivor_id: r.json.id, rule: 'third_party_cancellation', item_id: ap.json.id, until: day(2), reason: 'Rebooked for next week' },
    });
    assert.equal(sn.status, 201, sn.text);
    made.push(r.json.id);
  }
  return made;
}

// A record as the API shows it, with what differs between installations
// taken out: ids and versions; the advocate and who snoozed, as usernames;
// the item a snooze names, as that item's place in its list.
function normal(rec, usernames) {
  const items = new Map();
  for (const [k, v] of Object.entries(rec)) {
    if (Array.isArray(v)) v.forEach((it, i) => items.set(it.id, `${k}[${i}]`));
  }
  const strip = (x) => {
    if (Array.isArray(x)) return x.map(strip);
    if (!x || typeof x !== 'object') return x;
    const out = {};
    for (const [k, v] of Object.entries(x)) {
      if (['id', 'survivor_id', 'org_id', 'version'].includes(k)) continue;
      if (k === 'advocate_id' || k === 'snoozed_by') out[k] = usernames.get(v) ?? v;
      else if (k === 'item_id') out[k] = items.get(v) ?? v;
      else out[k] = strip(v);
    }
    return out;
  };
  return strip(rec);
}

const usernamesOf = (ctx) => new Map(Object.entries(ctx.users).map(([name, u]) => [u.id, name]));
const exportTo = (s, ctx, as, to) => run(['export', '--db', s.db, '--org', ctx.orgs.agency.id, '--as', as, '--to', to]);

test('export then import into another installation reproduces every record', async () => {
  const ids = await fill();
  const file = join(a.dir, 'caseload.jsonl');
  const r = exportTo(a, ctxA, 'manager', file);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /3 survivors and \d+ parts of their records written/);
  assert.equal(statSync(file).mode & 0o777, 0o600, 'readable by its owner alone');
  for (const n of names) assert.ok(!r.stdout.includes(n) && !r.stderr.includes(n), 'no name in the output');

  // Every survivor exported has its audit entry, action export.
  for (const id of ids) {
    const log = (await a.call('GET', `/api/v1/survivors/${id}/access-log`, { token: ctxA.tokens.manager })).json.items;
    assert.ok(log.some((e) => e.action === 'export' && e.route === 'waymark export'), JSON.stringify(log));
  }

  const dry = run(['import', '--db', b.db, '--org', ctxB.orgs.agency.id, '--as', 'manager', '--file', file, '--dry-run']);
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, /3 would be created, 0 already present, 0 with problems; nothing was stored/);
  const imp = run(['import', '--db', b.db, '--org', ctxB.orgs.agency.id, '--as', 'manager', '--file', file]);
  assert.equal(imp.status, 0, imp.stderr);
  assert.match(imp.stdout, /3 created \(with \d+ parts of their records\), 0 already present/);

  const listB = (await b.call('GET', '/api/v1/survivors?limit=100', { token: ctxB.tokens.manager })).json.items;
  assert.equal(listB.length, 3);
  for (const id of ids) {
    const ra = (await a.call('GET', `/api/v1/survivors/${id}/record`, { token: ctxA.tokens.manager })).json;
    const twin = listB.find((x) => x.known_as === ra.survivor.known_as);
    assert.ok(twin, ra.survivor.known_as);
    const rb = (await b.call('GET', `/api/v1/survivors/${twin.id}/record`, { token: ctxB.tokens.manager })).json;
    assert.deepEqual(normal(rb, usernamesOf(ctxB)), normal(ra, usernamesOf(ctxA)));
    // The snooze still holds: its appointment's alert is not shown.
    const alerts = (await b.call('GET', '/api/v1/alerts?advocate=' + ctxB.users[ra.survivor.advocate_id === ctxA.users.advocate.id ? 'advocate' : 'advocate2'].id, { token: ctxB.tokens.manager })).json.items;
    assert.equal(alerts.filter((x) => x.survivor_id === twin.id && x.rule === 'third_party_cancellation').length, 0);
    // Each record brought in has its audit entries, naming the import.
    const log = (await b.call('GET', `/api/v1/survivors/${twin.id}/access-log`, { token: ctxB.tokens.manager })).json.items;
    assert.ok(log.some((e) => e.action === 'create' && e.route === 'waymark import'));
  }

  // A second run, or the file brought back where it came from, creates no one twice.
  const again = run(['import', '--db', b.db, '--org', ctxB.orgs.agency.id, '--as', 'manager', '--file', file]);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /0 created .*3 already present/);
  const home = run(['import', '--db', a.db, '--org', ctxA.orgs.agency.id, '--as', 'manager', '--file', file]);
  assert.equal(home.status, 0, home.stderr);
  assert.match(home.stdout, /0 created .*3 already present/);
  assert.equal((await a.call('GET', '/api/v1/survivors?limit=100', { token: ctxA.tokens.manager })).json.items.length, 3);
});

test('only a manager of the organisation may export; an existing file is never overwritten', async () => {
  for (const who of ['advocate', 'analyst', 'clinician', 'admin', 'otherManager']) {
    const to = join(a.dir, `by-${who}.jsonl`);
    const r = exportTo(a, ctxA, ctxA.users[who]?.username ?? who, to);
    assert.equal(r.status, 1, `${who}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /--as must be the username of an active manager/);
    assert.equal(existsSync(to), false);
  }
  const taken = join(a.dir, 'taken.jsonl');
  writeFileSync(taken, 'keep me\n');
  const r = exportTo(a, ctxA, 'manager', taken);
  assert.equal(r.status, 2);
  assert.equal(readFileSync(taken, 'utf8'), 'keep me\n');
});

test('an export edited into what the API refuses is refused, by line and field, and nothing is stored', async () => {
  const file = join(a.dir, 'caseload.jsonl');
  const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const first = lines.findIndex((l) => l.record === 'survivor');
  lines[first].body.gender = 'robot';
  const appt = lines.findIndex((l) => l.record === 'appointments');
  lines[appt].body.kind = 'spa';
  lines[appt].body.provider = '<script>alert(1)</script>';
  // A field no record has, named by the file: told where, never by its name.
  const reg = lines.findIndex((l) => l.record === 'registrations');
  lines[reg].body['Ardita Hoxha\u202e'] = 'x';
  const bad = join(b.dir, 'edited.jsonl');
  // Into an organisation that has none of these yet: the other agency.
  writeFileSync(bad, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  const other = ctxB.orgs.other.id;
  const r = run(['import', '--db', b.db, '--org', other, '--as', 'otherManager', '--file', bad]);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  const problems = r.stderr.split('\n').filter((l) => l.startsWith('line '));
  assert.ok(problems.some((l) => l.startsWith(`line ${first + 1} (survivor), field gender:`)), r.stderr);
  assert.ok(problems.some((l) => l.startsWith(`line ${appt + 1} (appointments), field kind:`)), r.stderr);
  assert.ok(problems.includes(`line ${reg + 1} (registrations): has a field of a name it may not have (not repeated here)`), r.stderr);
  assert.equal(problems.length, 3, r.stderr);
  // The advocates named are the first agency's: not refused, but told.
  assert.match(r.stdout, /\(survivor\), field advocate: not an advocate or manager of this organisation; brought in with no advocate/);
  assert.ok(!r.stderr.includes('script') && !r.stderr.includes('Ardita'));
  assert.equal((await b.call('GET', '/api/v1/survivors?limit=100', { token: ctxB.tokens.otherManager })).json.items.length, 0);
  const garbage = join(b.dir, 'garbage.jsonl');
  writeFileSync(garbage, '{"waymark_export":1}\n{"record":"survivor"\n');
  const g = run(['import', '--db', b.db, '--org', other, '--as', 'otherManager', '--file', garbage]);
  assert.equal(g.status, 1);
  assert.match(g.stderr, /line 2 \(\?\): is not a JSON object/);
});

test('without --as, the organisation\'s first active manager is named, and the audit trail says so', async () => {
  const file = join(a.dir, 'no-as.jsonl');
  const r = run(['export', '--db', a.db, '--org', ctxA.orgs.agency.id, '--to', file]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /as manager, the organisation's manager/);
  const first = JSON.parse(readFileSync(file, 'utf8').split('\n')[1]);
  const log = (await a.call('GET', `/api/v1/survivors/${first.id}/access-log`, { token: ctxA.tokens.manager })).json.items;
  const mine = log.filter((e) => e.action === 'export');
  assert.equal(mine.length, 2, 'one entry for each export so far');
  assert.ok(mine.every((e) => e.user_id === ctxA.users.manager.id), JSON.stringify(mine));
  // Into the other agency of the same installation, whose accounts are
  // none of these: every record comes in, with no advocate, and is told.
  const imp = run(['import', '--db', a.db, '--org', ctxA.orgs.other.id, '--file', file]);
  assert.equal(imp.status, 0, imp.stderr);
  assert.match(imp.stdout, /as othermanager, the organisation's manager/i);
  assert.match(imp.stdout, /3 created .*\n.*3 of them have no advocate/);
  const there = (await a.call('GET', '/api/v1/survivors?limit=100', { token: ctxA.tokens.otherManager })).json.items;
  assert.equal(there.length, 3);
  for (const x of there) {
    assert.equal(x.advocate_id ?? null, null);
    const rec = (await a.call('GET', `/api/v1/survivors/${x.id}/record`, { token: ctxA.tokens.otherManager })).json;
    const home = (await a.call('GET', `/api/v1/survivors/${first.id}/record`, { token: ctxA.tokens.manager })).json;
    if (rec.survivor.known_as === home.survivor.known_as) {
      const drop = (r) => { const n = normal(r, new Map()); delete n.survivor.advocate_id; for (const sn of n.snoozes) delete sn.snoozed_by; return n; };
      assert.deepEqual(drop(rec), drop(home));
    }
  }
});
