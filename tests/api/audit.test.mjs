// Every read and change of a survivor's record is in its access log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, survivorBody } from './harness.mjs';

let s, ctx;
before(async () => { s = await Server.start(); ctx = await s.seed(); });
after(async () => { await s.destroy(); });

const log = (id, token) => s.call('GET', `/api/v1/survivors/${id}/access-log`, { token });

test('create, read, list and update each leave an entry, newest first', async () => {
  const rec = (await s.call('POST', '/api/v1/survivors', { token: ctx.tokens.advocate, body: survivorBody({ known_as: 'Audited' }) })).json;
  await s.call('GET', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.advocate2 });
  await s.call('PATCH', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.advocate, body: { version: 1, gender: 'female' } });
  await s.call('GET', '/api/v1/survivors?q=audited', { token: ctx.tokens.manager });
  const r = await log(rec.id, ctx.tokens.manager);
  assert.equal(r.status, 200);
  const items = r.json.items;
  assert.deepEqual(items.map((e) => e.action), ['read', 'update', 'read', 'create']);
  assert.deepEqual(items.map((e) => e.route), ['/api/v1/survivors', '/api/v1/survivors/{id}', '/api/v1/survivors/{id}', '/api/v1/survivors']);
  assert.deepEqual(items.map((e) => e.user_id), [ctx.users.manager.id, ctx.users.advocate.id, ctx.users.advocate2.id, ctx.users.advocate.id]);
  assert.deepEqual(items.map((e) => e.role), ['manager', 'advocate', 'advocate', 'advocate']);
  for (const e of items) {
    assert.equal(e.org_id, ctx.orgs.agency.id);
    assert.match(e.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(!e.route.includes(rec.id), 'routes are patterns, never filled-in paths');
  }
  // Reading the log is itself recorded, and shows from the next reading on.
  const again = await log(rec.id, ctx.tokens.manager);
  assert.equal(again.json.items[0].action, 'read');
  assert.equal(again.json.items[0].route, '/api/v1/survivors/{id}/access-log');
  assert.equal(again.json.items.length, 5);
});

test('failed attempts leave no entry and do not change the log', async () => {
  const rec = (await s.call('POST', '/api/v1/survivors', { token: ctx.tokens.advocate, body: survivorBody() })).json;
  await s.call('PATCH', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.advocate, body: { version: 9, gender: 'male' } });
  await s.call('PATCH', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.advocate, body: { version: 1, gender: 'robot' } });
  await s.call('GET', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.otherAdvocate });
  const r = await log(rec.id, ctx.tokens.manager);
  assert.deepEqual(r.json.items.map((e) => e.action), ['create']);
});

test('only a manager of the record\'s organisation reads its log', async () => {
  const rec = (await s.call('POST', '/api/v1/survivors', { token: ctx.tokens.advocate, body: survivorBody() })).json;
  for (const role of ['advocate', 'clinician', 'analyst', 'admin']) {
    const r = await log(rec.id, ctx.tokens[role]);
    assert.equal(r.status, 403, role);
    assert.equal(r.json.error.code, 'forbidden');
  }
  const other = await log(rec.id, ctx.tokens.otherManager);
  assert.equal(other.status, 404);
  assert.equal((await log('0'.repeat(32), ctx.tokens.manager)).status, 404);
  // Refused readers leave no trace either.
  assert.deepEqual((await log(rec.id, ctx.tokens.manager)).json.items.map((e) => e.action), ['create']);
});

test('the log pages with limit and cursor', async () => {
  const rec = (await s.call('POST', '/api/v1/survivors', { token: ctx.tokens.advocate, body: survivorBody() })).json;
  for (let i = 0; i < 5; i++) await s.call('GET', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.advocate });
  const p1 = await s.call('GET', `/api/v1/survivors/${rec.id}/access-log?limit=4`, { token: ctx.tokens.manager });
  assert.equal(p1.json.items.length, 4);
  assert.ok(p1.json.next_cursor);
  const p2 = await s.call('GET', `/api/v1/survivors/${rec.id}/access-log?limit=4&cursor=${p1.json.next_cursor}`, { token: ctx.tokens.manager });
  assert.deepEqual(p2.json.items.map((e) => e.action), ['read', 'create']);
  assert.equal(p2.json.next_cursor, null);
});
