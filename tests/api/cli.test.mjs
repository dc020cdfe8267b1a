// The waymark program: init, serve, flags, environment, migrations, keys.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, statSync, chmodSync, rmSync, existsSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, run, rollBack, ADMIN_PASSWORD } from './harness.mjs';

const dir = mkdtempSync(join(tmpdir(), 'waymark-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const pwFile = join(dir, 'pw');
writeFileSync(pwFile, ADMIN_PASSWORD + '\r\n');
let n = 0;
const fresh = () => join(dir, `db${n++}.db`);
const sql = (db, q) => spawnSync('sqlite3', [db, q], { encoding: 'utf8' });

test('--help describes the commands and their options', () => {
  const top = run(['--help']);
  assert.equal(top.status, 0);
  for (const c of ['init', 'serve', 'demo']) assert.match(top.stdout, new RegExp(`\\b${c}\\b`));
  assert.match(top.stdout, /WAYMARK_DB/);
  const serve = run(['serve', '--help']);
  assert.equal(serve.status, 0);
  for (const f of ['--db', '--listen', '--key-file', '--rate-limit', 'WAYMARK_LISTEN', 'WAYMARK_KEY_FILE']) assert.ok(serve.stdout.includes(f), f);
  const init = run(['init', '--help']);
  for (const f of ['--db', '--admin-password-file', '--admin-username', '--key-file']) assert.ok(init.stdout.includes(f), f);
  assert.equal(run(['frobnicate']).status, 2);
  assert.equal(run(['serve', '--no-such-flag']).status, 2);
});

test('init creates the database and a 0600 key file beside it, and the admin logs in', async () => {
  const db = fresh();
  const r = run(['init', '--db', db, '--admin-password-file', pwFile, '--admin-username', 'chief']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(statSync(db + '.key').mode & 0o777, 0o600);
  assert.equal(statSync(db).mode & 0o077, 0, 'the database is not readable by others');
  assert.ok(!r.stdout.includes(ADMIN_PASSWORD) && !r.stderr.includes(ADMIN_PASSWORD));
  const s = new Server();
  s.db = db;
  s.dir = dir;
  await s.spawn();
  try {
    // The password is the first line without its line ending (here CRLF).
    assert.equal((await s.call('POST', '/api/v1/login', { body: { username: 'chief', password: ADMIN_PASSWORD } })).status, 200);
  } finally { await s.stop(); }
});

test('init refuses a database that exists, and leaves it alone', () => {
  const db = fresh();
  assert.equal(run(['init', '--db', db, '--admin-password-file', pwFile]).status, 0);
  const before = readFileSync(db);
  const again = run(['init', '--db', db, '--admin-password-file', pwFile]);
  assert.notEqual(again.status, 0);
  assert.match(again.stderr, /exists/);
  assert.deepEqual(readFileSync(db), before);
});

test('init refuses a short administrator password', () => {
  const db = fresh();
  const short = join(dir, 'short');
  writeFileSync(short, 'tooshort\n');
  const r = run(['init', '--db', db, '--admin-password-file', short]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /12 characters/);
  assert.ok(!existsSync(db + '.key'), 'no key file left behind');
});

test('serve refuses a missing database, a wrong key and a key others can read', () => {
  const missing = run(['serve', '--db', join(dir, 'nothing.db'), '--key-file', pwFile]);
  assert.notEqual(missing.status, 0);
  const db = fresh();
  assert.equal(run(['init', '--db', db, '--admin-password-file', pwFile]).status, 0);
  const other = fresh();
  assert.equal(run(['init', '--db', other, '--admin-password-file', pwFile]).status, 0);
  const wrong = run(['serve', '--db', db, '--key-file', other + '.key', '--listen', '127.0.0.1:0']);
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /key file does not match/);
  chmodSync(db + '.key', 0o644);
  const open = run(['serve', '--db', db, '--listen', '127.0.0.1:0']);
  assert.equal(open.status, 1);
  assert.match(open.stderr, /chmod 600/);
});

test('a database made by a newer waymark is refused with a clear message', () => {
  const db = fresh();
  assert.equal(run(['init', '--db', db, '--admin-password-file', pwFile]).status, 0);
  assert.equal(sql(db, "INSERT INTO schema_migrations(version, name) VALUES (999, '999_future')").status, 0);
  const r = run(['serve', '--db', db, '--listen', '127.0.0.1:0']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /schema version 999, newer than this waymark knows/);
});

test('an older database is upgraded when served', async () => {
  const db = fresh();
  assert.equal(run(['init', '--db', db, '--admin-password-file', pwFile]).status, 0);
  const latest = Number(sql(db, 'SELECT max(version) FROM schema_migrations').stdout.trim());
  assert.ok(latest >= 10);
  // Roll the migrations after 003 back by hand: an "old" database.
  assert.equal(rollBack(db, 3).status, 0);
  const s = new Server();
  s.db = db;
  s.dir = dir;
  await s.spawn();
  await s.stop();
  assert.equal(Number(sql(db, 'SELECT max(version) FROM schema_migrations').stdout.trim()), latest);
  assert.equal(sql(db, "SELECT name FROM sqlite_master WHERE name = 'survivors_org_seq'").stdout.trim(), 'survivors_org_seq');
});

test('environment variables stand in for absent flags', async () => {
  const db = fresh();
  const key = join(dir, 'elsewhere.key');
  const init = spawnSync(process.env.WAYMARK_BIN || 'build/waymark', ['init', '--admin-password-file', pwFile],
    { encoding: 'utf8', env: { ...process.env, WAYMARK_DB: db, WAYMARK_KEY_FILE: key } });
  assert.equal(init.status, 0, init.stderr);
  assert.ok(existsSync(key) && !existsSync(db + '.key'));
  const s = new Server();
  s.db = db;
  s.dir = dir;
  const prev = { ...process.env };
  process.env.WAYMARK_KEY_FILE = key;
  try {
    await s.spawn();
    assert.equal((await s.call('GET', '/healthz')).status, 200);
  } finally {
    await s.stop();
    process.env = prev;
  }
});

test('SIGTERM stops the server cleanly', async () => {
  const s = await Server.start();
  try {
    assert.equal((await s.call('GET', '/healthz')).status, 200);
    const exit = await s.stop();
    assert.equal(exit.code, 0);
    assert.match(s.stderr, /stopped/);
  } finally { await s.destroy(); }
});

test('the demo database holds fictional survivors and prints its logins', () => {
  const db = fresh();
  const r = run(['demo', '--db', db]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /advocate/);
  assert.match(r.stdout, /manager/);
  assert.ok(Number(sql(db, 'SELECT count(*) FROM survivors').stdout.trim()) >= 5);
  const again = run(['demo', '--db', db]);
  assert.equal(again.status, 0, 'a second run reuses the database');
  assert.ok(Number(sql(db, 'SELECT count(*) FROM survivors').stdout.trim()) >= 5);
});
