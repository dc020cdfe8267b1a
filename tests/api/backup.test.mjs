// waymark backup and restore, on SQLite and on PostgreSQL: a backup taken
// while the server serves a stream of writes, restored into a new database
// that checks clean and answers every record exactly as the original did;
// the backup (and, on PostgreSQL, a plain pg_dump) holds no sealed text in
// clear; neither command ever writes over anything.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Server, BIN, PG, pgTool, survivorBody, run, addRecordExamples } from './harness.mjs';

let s, ctx;
const ids = [];
const NOTE = 'Saw her at the drop-in; the man from the car wash came asking again';
// Text that is sealed at rest: it must never be found in a backup in clear.
const SECRETS = ['Backed Up Person', NOTE.slice(0, 30), 'Written During'];
// The PostgreSQL databases this file made to restore into (dropped at the end).
const made = [];
before(async () => {
  s = await Server.start();
  ctx = await s.seed();
  for (let i = 0; i < 4; i++) {
    const sv = (await s.call('POST', '/api/v1/survivors', { token: ctx.tokens.advocate, body: survivorBody({ known_as: `Backed Up Person ${i}` }) })).json;
    await addRecordExamples(s, ctx.tokens.advocate, sv.id);
    ids.push(sv.id);
  }
  const n = await s.call('POST', `/api/v1/survivors/${ids[0]}/notes`, { token: ctx.tokens.advocate, body: { kind: 'call', body: NOTE } });
  assert.equal(n.status, 201, n.text);
});
after(async () => {
  await s.destroy();
  for (const name of made) pgTool('dropdb', ['--force', name]);
});

// The key file: beside the database on SQLite, where the harness put it on
// PostgreSQL (a database there has no file to sit beside).
const key = () => (PG ? join(s.dir, 'waymark.key') : `${s.db}.key`);

// A new database to restore into: a path that does not exist yet, or a new
// empty PostgreSQL database made with createdb, as an operator would.
function target(name) {
  if (!PG) return join(s.dir, `${name}.db`);
  const db = `wm_${name.replace(/-/g, '_')}_${randomBytes(4).toString('hex')}`;
  const r = pgTool('createdb', ['-T', 'template0', db]);
  assert.equal(r.status, 0, r.stderr);
  made.push(db);
  return `postgresql:///${db}`;
}

const backup = (to) => new Promise((res) => {
  const p = spawn(BIN, ['backup', '--db', s.db, '--key-file', key(), '--to', to], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (d) => { out += d; });
  p.stderr.on('data', (d) => { out += d; });
  p.on('exit', (code) => res({ status: code, out }));
});

const restore = (from, db) => run(['restore', '--from', from, '--db', db, '--key-file', key()]);

// Every survivor the manager sees, each with its whole record.
async function records(server) {
  const list = await server.call('GET', '/api/v1/survivors?limit=500', { token: ctx.tokens.manager });
  assert.equal(list.status, 200, list.text);
  assert.equal(list.json.next ?? null, null, 'every survivor in one page');
  const all = {};
  for (const { id } of list.json.items) {
    const r = await server.call('GET', `/api/v1/survivors/${id}/record`, { token: ctx.tokens.manager });
    assert.equal(r.status, 200, r.text);
    all[id] = r.json;
  }
  for (const id of ids) assert.ok(all[id], 'each survivor made before is listed');
  return all;
}

test('a backup taken during a stream of writes restores into a database that checks clean', async () => {
  let writing = true, written = 0;
  const writer = (async () => {
    while (writing) {
      const r = await s.call('POST', '/api/v1/survivors', { token: ctx.tokens.advocate, body: survivorBody({ known_as: `Written During ${written}` }) });
      assert.equal(r.status, 201, r.text);
      written++;
    }
  })();
  while (written < 5) await new Promise((r) => setTimeout(r, 20));
  const to = join(s.dir, 'during.bak');
  const b = await backup(to);
  const atEnd = written;
  writing = false;
  await writer;
  assert.equal(b.status, 0, b.out);
  assert.ok(existsSync(to));
  if (!PG) assert.ok(existsSync(`${to}-reads`));
  const restored = target('during-restored');
  const r = restore(to, restored);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /every check holds/);
  assert.equal(run(['check', '--db', restored, '--key-file', key()]).status, 0);
  // The writes went on during the backup, and the snapshot holds a whole
  // number of them: at least those before it began, none after it ended.
  const copy = new Server();
  copy.dir = s.dir;
  copy.db = restored;
  await copy.spawn(['--key-file', key()]);
  try {
    const list = await copy.call('GET', '/api/v1/survivors?limit=500', { token: ctx.tokens.manager });
    const during = list.json.items.filter((x) => x.known_as.startsWith('Written During')).length;
    assert.ok(during >= 5 && during <= atEnd + 1, `${during} of ${atEnd} writes in the backup`);
  } finally {
    await copy.stop();
  }
});

test('restoring a quiet backup reproduces every record exactly', async () => {
  const want = await records(s);
  const to = join(s.dir, 'quiet.bak');
  assert.equal((await backup(to)).status, 0);
  const restored = target('quiet-restored');
  const r = restore(to, restored);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const copy = new Server();
  copy.dir = s.dir;
  copy.db = restored;
  await copy.spawn(['--key-file', key()]);
  try {
    assert.deepEqual(await records(copy), want);
  } finally {
    await copy.stop();
  }
});

function assertNoSecrets(bytes, where) {
  for (const secret of SECRETS) {
    for (const v of [secret, secret.toLowerCase()]) {
      assert.equal(bytes.includes(Buffer.from(v)), false, `${v} in ${where}`);
    }
  }
}

test('a backup holds no name and no note in clear, and is private to its owner', async () => {
  const to = join(s.dir, 'plain.bak');
  assert.equal((await backup(to)).status, 0);
  const files = PG ? [to] : [to, `${to}-reads`];
  for (const f of files) assert.equal(statSync(f).mode & 0o777, 0o600, f);
  if (!PG) {
    for (const f of files) assertNoSecrets(readFileSync(f), f);
    return;
  }
  // pg_dump's archive is compressed: read it as the SQL it restores.
  const sql = pgTool('pg_restore', ['-f', '-', to]);
  assert.equal(sql.status, 0, sql.stderr);
  assert.match(sql.stdout, /COPY public\.survivors/, 'the backup holds the survivors');
  assertNoSecrets(Buffer.from(sql.stdout), 'the backup');
});

test('a plain pg_dump of the database holds no name and no note in clear', { skip: !PG && 'PostgreSQL only (SQLite: the test above reads its files)' }, async () => {
  const dump = pgTool('pg_dump', ['--format=plain', '--no-owner', s.pgName]);
  assert.equal(dump.status, 0, dump.stderr);
  // What is not sealed is there in clear: the search would find it.
  assert.match(dump.stdout, /Agency One/);
  assertNoSecrets(Buffer.from(dump.stdout), 'the plain dump');
});

test('backup and restore refuse to write over anything, and a half backup', async () => {
  const to = join(s.dir, 'twice.bak');
  assert.equal((await backup(to)).status, 0);
  const before = readFileSync(to);
  const again = await backup(to);
  assert.equal(again.status, 1);
  assert.match(again.out, /already exists/);
  assert.ok(readFileSync(to).equals(before), 'the first backup is untouched');
  // Never over a database, even one with the very same data.
  const r = restore(to, s.db);
  assert.equal(r.status, 1);
  assert.match(r.stderr, PG ? /already holds tables/ : /already exists/);
  if (!PG) {
    rmSync(`${to}-reads`);
    const half = restore(to, join(s.dir, 'half.db'));
    assert.equal(half.status, 1);
    assert.match(half.stderr, /read-audit file .* is missing/);
    assert.equal(existsSync(join(s.dir, 'half.db')), false);
  }
  assert.equal(run(['backup', '--db', s.db, '--key-file', key()]).status, 2);
});

test('on PostgreSQL, a broken backup restores nothing at all', { skip: !PG && 'PostgreSQL only' }, async () => {
  const to = join(s.dir, 'broken.bak');
  assert.equal((await backup(to)).status, 0);
  const whole = readFileSync(to);
  const cut = join(s.dir, 'cut.bak');
  writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
  const db = target('broken-restored');
  const r = restore(cut, db);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /pg_restore failed/);
  const name = db.slice('postgresql:///'.length);
  const tables = pgTool('psql', ['-X', '-A', '-t', '-d', name, '-c',
    "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"]);
  assert.equal(tables.stdout.trim(), '0', 'one transaction: all or nothing');
  // Not a backup at all: said so, nothing run.
  const notOne = restore(key(), db);
  assert.equal(notOne.status, 1);
  assert.match(notOne.stderr, /is not a PostgreSQL backup/);
  // The whole one then restores into the same, still empty, database.
  const ok = restore(to, db);
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
});
