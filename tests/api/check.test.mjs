// waymark check: the database whole, every sealed value opening under the
// key file, and the audit trail's chain holding; a change made behind the
// server's back is found and its place named, never a person.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { Server, survivorBody, run, addRecordExamples, PG, pgTool, rollBack } from './harness.mjs';

let s, ctx, sv;
before(async () => {
  s = await Server.start();
  ctx = await s.seed();
  sv = (await s.call('POST', '/api/v1/survivors', { token: ctx.tokens.advocate, body: survivorBody({ known_as: 'Checked Person' }) })).json;
  await addRecordExamples(s, ctx.tokens.advocate, sv.id);
  for (let i = 0; i < 3; i++) await s.call('GET', `/api/v1/survivors/${sv.id}/record`, { token: ctx.tokens.advocate });
});
after(async () => { await s.destroy(); });

// SQL run behind the server's back (sqlite3's shell, or psql).
const sql = (db, q) => (PG ? s.sql(q) : spawnSync('sqlite3', [db, q], { encoding: 'utf8' }));
const check = () => run(['check', '--db', s.db]);

test('an honest database passes, while the server runs and after it stops', async () => {
  let r = check();
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /audit trail of changes: the chain of \d+ entries holds/);
  assert.match(r.stdout, /audit trail of reads: the chain of [1-9]\d* entries holds/);
  assert.match(r.stdout, /survivors: \d+ sealed values open/);
  assert.match(r.stdout, /everything holds/);
  if (PG) {
    // PostgreSQL's indexes are checked by amcheck where the database has it.
    assert.match(r.stdout, /the indexes' structure was not checked \(the amcheck extension is not installed/);
    assert.equal(s.sql('CREATE EXTENSION amcheck').status, 0);
    r = check();
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /database: amcheck finds all [1-9]\d* indexes sound/);
    assert.match(r.stdout, /database: every foreign key holds \([1-9]\d* checked row by row\)/);
  }
  await s.stop();
  r = check();
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout + r.stderr, /Checked Person/);
  await s.spawn();
});

// Each case on a copy of the stopped server's database (its files, or a
// PostgreSQL database made from it as a template), so they do not add up.
async function tampered(file, q) {
  await s.stop();
  if (PG) {
    const keep = `${s.pgName}_orig`;
    assert.equal(pgTool('createdb', ['-T', s.pgName, keep]).status, 0);
    try {
      const t = s.sql(q);
      assert.equal(t.status, 0, t.stderr);
      return check();
    } finally {
      assert.equal(pgTool('dropdb', [s.pgName]).status, 0);
      assert.equal(pgTool('createdb', ['-T', keep, s.pgName]).status, 0);
      pgTool('dropdb', [keep]);
      await s.spawn();
    }
  }
  const files = [s.db, `${s.db}-reads`];
  for (const f of files) copyFileSync(f, `${f}.orig`);
  try {
    const target = file === 'reads' ? `${s.db}-reads` : s.db;
    const t = sql(target, q);
    assert.equal(t.status, 0, t.stderr);
    return check();
  } finally {
    for (const f of files) {
      copyFileSync(`${f}.orig`, f);
      for (const ext of ['-wal', '-shm']) if (existsSync(f + ext)) spawnSync('rm', ['-f', f + ext]);
    }
    await s.spawn();
  }
}

test('an audit entry changed in the database is found, and named by its seq', async () => {
  const seq = sql(s.db, 'SELECT seq FROM audit ORDER BY seq LIMIT 1 OFFSET 2').stdout.trim();
  const r = await tampered('main', `UPDATE audit SET at = at - 3600 WHERE seq = ${seq}`);
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout, new RegExp(`FAILED audit trail of changes: the chain breaks at entry seq ${seq}`));
  assert.match(r.stdout, /1 problem found/);
});

test('a read removed from the read-audit file is found', async () => {
  await s.stop(); await s.spawn(); // the reads above are committed
  const r = await tampered('reads', 'DELETE FROM read_audit WHERE seq = (SELECT min(seq) FROM read_audit)');
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout, /FAILED audit trail of reads: the chain breaks at entry seq \d+/);
});

test('entries cut from the end of the trail are found', async () => {
  const r = await tampered('main', 'DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)');
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout, /entries were removed from its end/);
});

test('an entry inserted into the trail is found', async () => {
  // A copy of the first entry, its mac and all, put in the first free seq
  // after it (on SQLite, with the trigger that records the trail's end
  // dropped first, as a tamperer would).
  const copy = 'INSERT INTO audit(seq, at, survivor_seq, user_seq, org_seq, role, action, route, mac) '
    + 'SELECT (SELECT min(a.seq) + 1 FROM audit a WHERE NOT EXISTS (SELECT 1 FROM audit b WHERE b.seq = a.seq + 1)), '
    + 'at, survivor_seq, user_seq, org_seq, role, action, route, mac FROM audit WHERE seq = (SELECT min(seq) FROM audit)';
  const r = await tampered('main', PG ? copy : `DROP TRIGGER audit_head_after_insert; ${copy}`);
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout, /the chain breaks at entry seq \d+/);
});

test('a sealed value changed or moved to another row does not open', async () => {
  const r = await tampered('main', `UPDATE registrations SET body = (SELECT body FROM appointments LIMIT 1) WHERE survivor_id = '${sv.id}'`);
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout, /FAILED registrations: the sealed value of row seq \d+ does not open/);
  assert.doesNotMatch(r.stdout, new RegExp(sv.id));
});

test('a row that points at nothing fails the engine\'s foreign-key check', async () => {
  // The engine's own enforcement turned off first: SQLite's pragma, or
  // PostgreSQL's replication role, which skips the constraints' triggers.
  const off = PG ? 'SET session_replication_role = replica;' : 'PRAGMA foreign_keys = OFF;';
  const r = await tampered('main', `${off} INSERT INTO org_days(org_id, day, created_by, created_at) VALUES ('no-such-org', 1, 'x', 1)`);
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout, /FAILED database: a row of org_days refers to a missing row of orgs/);
});

test('a trail written before the chain existed is linked when the database is next opened', async () => {
  await s.stop();
  // SQLite: the migrations from 020 on undone. PostgreSQL: the state its
  // migration 021 leaves a trail in (every mac NULL, no recorded ends),
  // without undoing the later migrations, which do not all undo cleanly.
  const undo = PG
    ? s.sql('UPDATE audit SET mac = NULL; UPDATE read_audit SET mac = NULL; '
      + 'DELETE FROM audit_head; DELETE FROM read_head')
    : rollBack(s.db, 19);
  assert.equal(undo.status, 0, undo.stderr);
  await s.spawn();
  await s.stop();
  assert.equal(sql(s.db, 'SELECT count(*) FROM audit WHERE mac IS NULL').stdout.trim(), '0');
  const r = check();
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /audit trail of changes: the chain of [1-9]\d* entries holds/);
  await s.spawn();
});

test('the wrong key file is refused before anything is read', async () => {
  const r = run(['check', '--db', s.db, '--key-file', '/nonexistent/key']);
  assert.equal(r.status, 1);
  assert.equal(run(['check']).status, 2);
});
