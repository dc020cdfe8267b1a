// waymark rotate-key: a new key added and every value sealed again under it
// while the server runs and keeps answering; names still found, sign-in
// still working, the audit chain still holding; then the old key retired.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Server, survivorBody, run, addRecordExamples, PASSWORD } from './harness.mjs';
import { stepOf, totpAt } from './totp.mjs';

let s, ctx, tf;
const ids = [];
before(async () => {
  s = await Server.start();
  ctx = await s.seed();
  for (let i = 0; i < 3; i++) {
    const sv = (await s.call('POST', '/api/v1/survivors', { token: ctx.tokens.advocate, body: survivorBody({ known_as: `Rotated Person ${i}` }) })).json;
    await addRecordExamples(s, ctx.tokens.advocate, sv.id);
    // A second version of the survivor, so a kept version is sealed too.
    await s.call('PATCH', `/api/v1/survivors/${sv.id}`, { token: ctx.tokens.advocate, body: { version: sv.version, phone: '07700 900123' } });
    ids.push(sv.id);
  }
  const share = await s.call('POST', `/api/v1/survivors/${ids[0]}/safeguarding-shares`, { token: ctx.tokens.manager, body: { org_id: ctx.orgs.health.id, reason: 'At risk of serious harm this week' } });
  assert.equal(share.status, 201, share.text);
  // A two-factor secret: sealed bytes of their own, to be sealed again too.
  const secret = (await s.call('POST', '/api/v1/me/two-factor', { token: ctx.tokens.clinician })).json.secret;
  const step = stepOf();
  const done = await s.call('POST', '/api/v1/me/two-factor/confirm', { token: ctx.tokens.clinician, body: { totp: totpAt(secret, step) } });
  assert.equal(done.status, 200, done.text);
  tf = { secret, step };
});
after(async () => { await s.destroy(); });

const sql = (q) => s.sql(q).stdout.trim();
const keyIds = () => readFileSync(s.keyFile, 'utf8').split('\n').filter((l) => l.startsWith('waymark-key ')).map((l) => Number(l.split(' ')[1]));
const sealedUnder = (id) => Number(sql(`SELECT (SELECT count(*) FROM survivors WHERE key_id = ${id}) + (SELECT count(*) FROM versions WHERE key_id = ${id}) + (SELECT count(*) FROM appointments WHERE key_id = ${id}) + (SELECT count(*) FROM safeguarding_shares WHERE key_id = ${id}) + (SELECT count(*) FROM two_factor WHERE key_id = ${id})`));

async function records() {
  const all = {};
  for (const id of ids) {
    const r = await s.call('GET', `/api/v1/survivors/${id}/record`, { token: ctx.tokens.manager });
    assert.equal(r.status, 200, r.text);
    all[id] = r.json;
  }
  return all;
}

test('the newest key cannot be retired, nor the only one', () => {
  const r = run(['rotate-key', '--db', s.db, '--retire', '1']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /newest/);
  assert.deepEqual(keyIds(), [1]);
});

test('a new key seals every value again while the server serves, which learns it on the fly', async () => {
  const want = await records();
  assert.ok(sealedUnder(1) >= 5, String(sealedUnder(1)));
  const r = run(['rotate-key', '--db', s.db]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /key 2 added/);
  assert.match(r.stdout, /every value is sealed under key 2/);
  assert.deepEqual(keyIds(), [1, 2]);
  assert.match(readFileSync(s.keyFile, 'utf8'), /^waymark-index [0-9a-f]{64}$/m);
  assert.equal(sealedUnder(1), 0);
  await new Promise((r) => setTimeout(r, 50)); // as below: closed keep-alive connections
  // The same server, never restarted, reads everything and seals new values under key 2.
  assert.deepEqual(await records(), want);
  const sv = (await s.call('POST', '/api/v1/survivors', { token: ctx.tokens.advocate, body: survivorBody({ known_as: 'Sealed Under Two' }) })).json;
  assert.equal(sql(`SELECT key_id FROM survivors WHERE id = '${sv.id}'`), '2');
  // Names are still found through their blind index; sign-in still works.
  const found = await s.call('GET', '/api/v1/survivors?q=Rotated%20Person%201', { token: ctx.tokens.advocate });
  assert.equal(found.status, 200);
  assert.equal(found.json.items.length, 1);
  await s.login('advocate', PASSWORD);
  assert.equal(run(['check', '--db', s.db]).status, 0);
});

test('the old key is retired once nothing uses it, and everything still opens after a restart', async () => {
  const want = await records();
  const r = run(['rotate-key', '--db', s.db, '--retire', '1']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.deepEqual(keyIds(), [2]);
  await s.stop();
  await s.spawn();
  assert.deepEqual(await records(), want);
  const found = await s.call('GET', '/api/v1/survivors?q=Sealed%20Under%20Two', { token: ctx.tokens.advocate });
  assert.equal(found.json.items.length, 1);
  await s.login('manager', PASSWORD);
  // The two-factor secret sealed again under key 2 still gives the codes.
  const first = await s.call('POST', '/api/v1/login', { body: { username: 'clinician', password: PASSWORD } });
  assert.equal(first.json.error?.code, 'two_factor_required', first.text);
  const code = totpAt(tf.secret, Math.max(stepOf(), tf.step + 1));
  const signed = await s.call('POST', '/api/v1/login/two-factor', { body: { challenge: first.json.error.challenge, totp: code } });
  assert.equal(signed.status, 200, signed.text);
  const c = run(['check', '--db', s.db]);
  assert.equal(c.status, 0, c.stdout);
  assert.match(c.stdout, /the chain of \d+ entries holds/);
});

test('a key still in use is not retired', async () => {
  // The server has not met key 3 when it writes: it seals under key 2.
  const r = run(['rotate-key', '--db', s.db]);
  assert.equal(r.status, 0, r.stderr);
  const sv = (await s.call('POST', '/api/v1/survivors', { token: ctx.tokens.advocate, body: survivorBody({ known_as: 'Under The Old Key' }) })).json;
  assert.equal(sql(`SELECT key_id FROM survivors WHERE id = '${sv.id}'`), '2');
  const refused = run(['rotate-key', '--db', s.db, '--retire', '2']);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /1 value is still sealed under key 2/);
  assert.deepEqual(keyIds(), [2, 3]);
  const again = run(['rotate-key', '--db', s.db, '--reseal']);
  assert.equal(again.status, 0, again.stderr);
  assert.deepEqual(keyIds(), [2, 3]);
  assert.equal(run(['rotate-key', '--db', s.db, '--retire', '2']).status, 0);
  // The commands above held the event loop for seconds: let the client see
  // the keep-alive connections the server closed meanwhile, before reusing one.
  await new Promise((r) => setTimeout(r, 50));
  assert.equal((await s.call('GET', `/api/v1/survivors/${sv.id}`, { token: ctx.tokens.advocate })).status, 200);
});
