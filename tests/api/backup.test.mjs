// waymark backup and restore: a backup taken while the server serves a
// stream of writes, restored into a new database that checks clean and
// answers every record exactly as the original did; the backup holds no
// sealed text in clear.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Server, BIN, survivorBody, run, addRecordExamples, sqliteOnly } from './harness.mjs';
const ONLY = sqliteOnly('backup and restore of PostgreSQL are pg_dump\'s and pg_restore\'s');

let s, ctx;
const ids = [];
const NOTE = 'Saw her at the drop-in; the man from the car wash came asking again';
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
after(async () => { await s.destroy(); });

const backup = (to) => new Promise((res) => {
  const p = spawn(BIN, ['backup', '--db', s.db, '--to', to], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (d) => { out += d; });
  p.stderr.on('data', (d) => { out += d; });
  p.on('exit', (code) => res({ status: code, out }));
});

// Every survivor's whole record as the manager reads it.
async function records(server) {
  const all = {};
  for (const id of ids) {
    const r = await server.call('GET', `/api/v1/survivors/${id}/record`, { token: ctx.tokens.manager });
    assert.equal(r.status, 200, r.text);
    all[id] = r.json;
  }
  return all;
}

test('a backup taken during a stream of writes restores into a database that checks clean', { skip: ONLY }, async () => {
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
  writing = false;
  await writer;
  assert.equal(b.status, 0, b.out);
  assert.ok(existsSync(to) && existsSync(`${to}-reads`));
  const restored = join(s.dir, 'during-restored.db');
  const r = run(['restore', '--from', to, '--db', restored, '--key-file', `${s.db}.key`]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /every check holds/);
  assert.equal(run(['check', '--db', restored, '--key-file', `${s.db}.key`]).status, 0);
});

test('restoring a quiet backup reproduces every record exactly', { skip: ONLY }, async () => {
  const want = await records(s);
  const to = join(s.dir, 'quiet.bak');
  assert.equal((await backup(to)).status, 0);
  const restored = join(s.dir, 'quiet-restored.db');
  const r = run(['restore', '--from', to, '--db', restored, '--key-file', `${s.db}.key`]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const copy = new Server();
  copy.dir = s.dir;
  copy.db = restored;
  await copy.spawn(['--key-file', `${s.db}.key`]);
  try {
    assert.deepEqual(await records(copy), want);
  } finally {
    await copy.stop();
  }
});

test('a backup holds no name and no note in clear, and is private to its owner', { skip: ONLY }, async () => {
  const to = join(s.dir, 'plain.bak');
  assert.equal((await backup(to)).status, 0);
  for (const f of [to, `${to}-reads`]) {
    const bytes = readFileSync(f);
    for (const secret of ['Backed Up Person', NOTE.slice(0, 30), 'Written During']) {
      assert.equal(bytes.includes(Buffer.from(secret)), false, `${secret} in ${f}`);
    }
  }
  for (const f of [to, `${to}-reads`]) assert.equal(statSync(f).mode & 0o777, 0o600, f);
});

test('backup and restore refuse to write over anything, and a half backup', { skip: ONLY }, async () => {
  const to = join(s.dir, 'twice.bak');
  assert.equal((await backup(to)).status, 0);
  const again = await backup(to);
  assert.equal(again.status, 1);
  assert.match(again.out, /already exists/);
  // Never over a database, even a restored one.
  const r = run(['restore', '--from', to, '--db', s.db, '--key-file', `${s.db}.key`]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /already exists/);
  rmSync(`${to}-reads`);
  const half = run(['restore', '--from', to, '--db', join(s.dir, 'half.db'), '--key-file', `${s.db}.key`]);
  assert.equal(half.status, 1);
  assert.match(half.stderr, /read-audit file .* is missing/);
  assert.equal(existsSync(join(s.dir, 'half.db')), false);
  assert.equal(run(['backup', '--db', s.db]).status, 2);
});
