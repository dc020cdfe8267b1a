// Sensitive text never rests in the clear, and never reaches the log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, survivorBody } from './harness.mjs';

let s, ctx, rec;
const secrets = {
  known_as: 'Qendresa-Known',
  legal_name: 'Valbona Legalname',
  phone: '+447700900777',
  address: '42 Hidden Street',
  care: 'Ask-gently-marker',
  child: 'Childname-Marker',
};

before(async () => {
  s = await Server.start();
  ctx = await s.seed();
  rec = (await s.call('POST', '/api/v1/survivors', { token: ctx.tokens.advocate, body: survivorBody({
    known_as: secrets.known_as, legal_name: secrets.legal_name,
    contact: { phone: secrets.phone, address: secrets.address },
    care_needs: { approach_with_care: secrets.care },
    dependants: [{ known_as: secrets.child }],
  }) })).json;
  await s.call('PATCH', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.advocate, body: { version: 1, gender: 'female' } });
  await s.call('GET', `/api/v1/survivors?q=${secrets.known_as}`, { token: ctx.tokens.advocate });
  await s.call('POST', '/api/v1/login', { body: { username: 'advocate', password: 'a wrong password here' } });
});
after(async () => { await s.destroy(); });

test('the database files hold no sensitive text in the clear', async () => {
  const files = s.dbFiles();
  assert.ok(files.length >= 1);
  for (const buf of files) {
    for (const [k, v] of Object.entries(secrets)) {
      assert.equal(buf.indexOf(Buffer.from(v)), -1, `${k} found in the clear`);
      assert.equal(buf.indexOf(Buffer.from(v.toLowerCase())), -1, `${k} (folded) found in the clear`);
    }
  }
  // ...yet the record reads back whole.
  const g = await s.call('GET', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.advocate });
  assert.equal(g.json.legal_name, secrets.legal_name);
  assert.equal(g.json.contact.phone, secrets.phone);
});

test('a record moved to another organisation in the database no longer opens', async () => {
  const r = (await s.call('POST', '/api/v1/survivors', { token: ctx.tokens.advocate, body: survivorBody({ known_as: 'Moved-Marker' }) })).json;
  const res = s.sql(`UPDATE survivors SET org_id = '${ctx.orgs.other.id}' WHERE id = '${r.id}'`);
  assert.equal(res.status, 0, res.stderr);
  const g = await s.call('GET', `/api/v1/survivors/${r.id}`, { token: ctx.tokens.otherAdvocate });
  assert.equal(g.status, 500);
  assert.ok(!g.text.includes('Moved-Marker'));
  assert.equal((await s.call('GET', `/api/v1/survivors/${r.id}`, { token: ctx.tokens.advocate })).status, 404);
});

test('the server log has one line per request with the route pattern only', async () => {
  await s.call('GET', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.advocate });
  await s.stop();
  const log = s.stderr;
  for (const [k, v] of Object.entries(secrets)) assert.ok(!log.includes(v), `${k} in the log`);
  assert.ok(!log.includes(rec.id), 'a survivor id in the log');
  for (const u of Object.values(ctx.users)) assert.ok(!log.includes(u.id), 'a user id in the log');
  assert.ok(!log.includes("a wrong password here"), "a body in the log");
  assert.match(log, /GET \/api\/v1\/survivors\/\{id\} 200 [\d.]+ms/);
  assert.match(log, /PATCH \/api\/v1\/survivors\/\{id\} 200/);
  assert.match(log, /POST \/api\/v1\/login 401/);
  assert.match(log, /stopped/);
});
