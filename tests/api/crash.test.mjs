// Crash safety: 8 clients stream writes (new survivors, updates with their
// versions, appointments and their changes, an NRM record replaced in turn); the
// server is killed with SIGKILL in the middle, at a different point each
// round, and restarted on the same database. Every write that was answered
// with success must be there afterwards, with the content and version it was
// answered with (or, for the one write in flight on a resource when the
// server died, either that write or the one before it: it was never
// answered, so either is correct). The database must then pass its own
// integrity check.
//
// The server comes from the harness (Server.start, spawn on the same
// database), so the test runs on whichever backend the harness selects; the
// file-level check (SQLite's integrity_check and foreign_key_check through
// the sqlite3 shell) runs when the database is a file, and `waymark check`
// runs on both.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Server, run, survivorBody } from './harness.mjs';

const CLIENTS = 8;
// Answered writes before the kill, one round each: early (just after the
// first creations), mid-stream, and later with many records updated.
const KILL_AFTER = [12, 60, 150];
// Each round's writes stop here whatever happens (bounds the test).
const ROUND_MAX_WRITES = 400;

let s;
let ctx;
before(async () => {
  s = await Server.start();
  ctx = await s.seed();
});
after(async () => { if (s) await s.destroy(); });

// What is known of one resource: the state last answered with success, and
// the state of a write sent but never answered (the server died first).
class Known {
  constructor(path, token, check) {
    this.path = path; this.token = token; this.check = check; this.acked = null;
    // Writes sent since the last answered one and never answered: the one in
    // flight when the server died may have landed; one sent after, not (but
    // a client cannot tell which was which).
    this.pending = [];
    this.history = []; // what was sent to it and answered, for a failure's message
  }
}

// One client: owns its resources, so each resource sees one write at a
// time and the last answered one is the latest.
async function client(n, round, tokens, stats, stop) {
  const token = tokens[n % tokens.length];
  const mine = [];
  let i = 0;
  // A write: sends, records what was in flight, then what was answered.
  const write = async (known, method, path, body, expect) => {
    if (known) known.pending.push({ body, version: (known.acked?.version ?? 0) + 1 });
    let r;
    try {
      r = await s.call(method, path, { token, body });
    } catch {
      if (known) known.history.push(`${method} ${JSON.stringify(body)} -> no answer`);
      return null; // the server died with it in flight: outcome unknown
    }
    if (known) known.history.push(`${method} ${JSON.stringify(body)} -> ${r.status} ${r.text.slice(0, 300)}`);
    if (r.status >= 200 && r.status < 300) {
      assert.equal(r.status, expect, `${method} ${path}: ${r.text}`);
      stats.acked++;
      if (known) { known.acked = { body, version: r.json.version }; known.pending = []; }
      return r;
    }
    // Only the death of the server may fail a write here: no client
    // shares a resource, so no 409 and no validation error is expected.
    if (stop.dead) return null;
    assert.fail(`${method} ${path}: ${r.status} ${r.text}`);
  };
  while (!stop.now && stats.acked < ROUND_MAX_WRITES) {
    const step = i++;
    const tag = `C${n}R${round}S${step}`;
    if (step % 6 === 0 || mine.length === 0) {
      const body = survivorBody({ known_as: `Known ${tag}` });
      const r = await write(null, 'POST', '/api/v1/survivors', body, 201);
      if (!r) continue;
      const k = new Known(`/api/v1/survivors/${r.json.id}`, token, (got, want) => assert.equal(got.known_as, want.known_as));
      k.acked = { body, version: r.json.version };
      k.history.push(`POST ${JSON.stringify(body.known_as)} -> ${r.status} version ${r.json.version}`);
      mine.push({ survivor: k, id: r.json.id, items: [], nrm: null });
      continue;
    }
    const rec = mine[step % mine.length];
    switch (step % 6) {
      case 1: case 4: { // the survivor's record, with its version
        const body = { known_as: `Changed ${tag}` };
        await write(rec.survivor, 'PATCH', rec.survivor.path, { version: rec.survivor.acked.version, ...body }, 200);
        break;
      }
      case 2: { // a new appointment (a list item)
        const body = { kind: 'gp', starts_at: '2026-12-10T09:30:00Z', provider: `Clinic ${tag}` };
        const r = await write(null, 'POST', `/api/v1/survivors/${rec.id}/appointments`, body, 201);
        if (r) {
          const k = new Known(`/api/v1/survivors/${rec.id}/appointments/${r.json.id}`, token,
            (got, want) => assert.equal(got.provider, want.provider));
          k.acked = { body, version: r.json.version };
          rec.items.push(k);
        }
        break;
      }
      case 3: { // a change to an appointment, or the NRM record written or replaced
        const item = rec.items[step % (rec.items.length || 1)];
        if (item && step % 2) {
          await write(item, 'PATCH', item.path, { version: item.acked.version, provider: `Changed ${tag}` }, 200);
        } else {
          if (!rec.nrm) rec.nrm = new Known(`/api/v1/survivors/${rec.id}/nrm`, token, (got, want) => assert.equal(got.first_responder, want.first_responder));
          const body = { referred_on: '2026-09-01', first_responder: `Responder ${tag}` };
          const v = rec.nrm.acked?.version;
          // A PUT whose creation was in flight and never answered may or
          // may not have landed: it is skipped once unknown.
          if (!v && rec.nrm.pending.length) break;
          await write(rec.nrm, 'PUT', rec.nrm.path, v ? { version: v, ...body } : body, v ? 200 : 201);
        }
        break;
      }
      default: { // case 5: a survivor's change again, a different field
        const body = { known_as: `Again ${tag}` };
        await write(rec.survivor, 'PATCH', rec.survivor.path, { version: rec.survivor.acked.version, ...body }, 200);
      }
    }
  }
  return mine;
}

// Every resource the clients were answered about, by kind.
function resources(all) {
  const out = [];
  for (const rec of all) {
    out.push(rec.survivor);
    out.push(...rec.items);
    if (rec.nrm && (rec.nrm.acked || rec.nrm.pending.length)) out.push(rec.nrm);
  }
  return out;
}

// The content a check compares: what the write sent, without its version.
function content(body) {
  const { version, ...rest } = body;
  return rest;
}

// The state among states whose version and content are what was read.
function found(k, got, states) {
  return states.find((st) => {
    if (got.version !== st.version) return false;
    try { k.check(got, content(st.body)); return true; } catch { return false; }
  });
}

async function verify(all, inFlight) {
  let checked = 0;
  for (const k of resources(all)) {
    const r = await s.call('GET', k.path, { token: k.token });
    const story = `\n${k.path} now: ${r.text.slice(0, 400)}\nits writes:\n  ${k.history.join('\n  ')}`;
    if (!k.acked) {
      // Only ever written by requests that were never answered: there as
      // one of them sent it, or not there at all.
      assert.ok(r.status === 200 || r.status === 404, `${k.path}: ${r.status}${story}`);
      if (r.status === 200) {
        const match = found(k, r.json, k.pending);
        assert.ok(match, `${k.path}: not as any write sent it${story}`);
        k.acked = { body: match.body, version: r.json.version };
      }
      k.pending = [];
      continue;
    }
    assert.equal(r.status, 200, `${k.path} lost${story}`);
    const match = found(k, r.json, [k.acked, ...k.pending]);
    assert.ok(match, `${k.path}: neither the answered write (version ${k.acked.version}) nor an unanswered one${story}`);
    // What is there now is known: the next round starts from it.
    if (match !== k.acked) inFlight.landed++;
    else if (k.pending.length) inFlight.lost++;
    k.acked = match;
    k.pending = [];
    checked++;
  }
  return checked;
}

// The integrity of the database while the server is down. A SQLite file is
// checked in a copy (with its write-ahead log), so that the server itself,
// not the shell, recovers the original when it starts again.
function integrity() {
  if (existsSync(s.db)) {
    const copy = mkdtempSync(join(tmpdir(), 'waymark-crash-'));
    copyFileSync(s.db, join(copy, 'db'));
    if (existsSync(s.db + '-wal')) copyFileSync(s.db + '-wal', join(copy, 'db-wal'));
    const ic = spawnSync('sqlite3', [join(copy, 'db'), 'PRAGMA integrity_check; PRAGMA foreign_key_check;'], { encoding: 'utf8' });
    rmSync(copy, { recursive: true, force: true });
    assert.equal(ic.status, 0, `sqlite3: ${ic.stderr}`);
    assert.equal(ic.stdout.trim(), 'ok', `integrity_check: ${ic.stdout}`);
  }
  // `waymark check`, on either backend: the database, every sealed value,
  // both audit chains and their recorded ends.
  const c = run(['check', '--db', s.db]);
  assert.equal(c.status, 0, `waymark check: ${c.stdout}${c.stderr}`);
  assert.match(c.stdout, /audit trail of changes: the chain of [1-9]\d* entries holds/);
}

test('every write answered with success survives SIGKILL, at several points', async (t) => {
  const tokens = [ctx.tokens.advocate, ctx.tokens.advocate2, ctx.tokens.manager];
  const all = [];
  for (const [round, killAfter] of KILL_AFTER.entries()) {
    const stats = { acked: 0 };
    const stop = { now: false, dead: false };
    const clients = Array.from({ length: CLIENTS }, (_, n) => client(n, round, tokens, stats, stop)
      .catch((e) => { stop.now = true; stop.error = e; return []; }));
    // Kill once the round's answered writes reach its point, while the
    // clients keep writing; bounded in time too, in case writes stall.
    const deadline = Date.now() + 30000;
    while (stats.acked < killAfter && Date.now() < deadline && !stop.error) await new Promise((res) => setTimeout(res, 5));
    if (stop.error) throw stop.error;
    assert.ok(stats.acked >= killAfter, `round ${round}: only ${stats.acked} writes answered`);
    stop.dead = true;
    s.proc.kill('SIGKILL');
    const exit = await s.exited;
    assert.equal(exit.signal, 'SIGKILL');
    stop.now = true;
    const results = await Promise.all(clients);
    if (stop.error) throw stop.error;
    for (const r of results) all.push(...r);
    integrity();
    await s.spawn();
    const inFlight = { landed: 0, lost: 0 };
    const checked = await verify(all, inFlight);
    assert.ok(checked >= killAfter / 2, `round ${round}: checked ${checked}`);
    t.diagnostic(`round ${round}: killed after ${stats.acked} answered writes; ${checked} resources `
      + `checked; unanswered updates: ${inFlight.landed} landed, ${inFlight.lost} did not`);
  }
  // A clean stop at the end, and the file checked once more.
  await s.stop();
  integrity();
});
