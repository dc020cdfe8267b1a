// Bulk-access detection: an account that reads more distinct survivors
// within an hour than its threshold is listed for its organisation's
// managers at GET /api/v1/bulk-access.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, survivorBody } from './harness.mjs';

let s, ctx;
const ids = [];
before(async () => {
  s = await Server.start(['--bulk-read-threshold', '3']);
  ctx = await s.seed();
  for (let i = 0; i < 5; i++) {
    const r = await s.call('POST', '/api/v1/survivors', { token: ctx.tokens.advocate, body: survivorBody({ known_as: `Bulk ${i}` }) });
    assert.equal(r.status, 201);
    ids.push(r.json.id);
  }
});
after(async () => { await s.destroy(); });

const bulk = (token, query = '') => s.call('GET', `/api/v1/bulk-access${query}`, { token });
const read = (id, token) => s.call('GET', `/api/v1/survivors/${id}`, { token });

test('creating records, and reading no more than the threshold, flags nobody', async () => {
  for (const id of ids.slice(0, 3)) assert.equal((await read(id, ctx.tokens.advocate)).status, 200);
  // The same three again: still three distinct survivors.
  for (const id of ids.slice(0, 3)) assert.equal((await read(id, ctx.tokens.advocate)).status, 200);
  const r = await bulk(ctx.tokens.manager);
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { items: [], next_cursor: null });
});

test('an account over the threshold is listed for its managers only', async () => {
  assert.equal((await read(ids[3], ctx.tokens.advocate)).status, 200);
  const r = await bulk(ctx.tokens.manager);
  assert.equal(r.status, 200);
  assert.equal(r.json.items.length, 1);
  const e = r.json.items[0];
  assert.deepEqual(Object.keys(e).sort(),
    ['detected_at', 'distinct_survivors', 'role', 'threshold', 'user_id', 'window_end', 'window_start']);
  assert.equal(e.user_id, ctx.users.advocate.id);
  assert.equal(e.role, 'advocate');
  assert.equal(e.distinct_survivors, 4);
  assert.equal(e.threshold, 3);
  for (const k of ['window_start', 'window_end', 'detected_at']) assert.match(e[k], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(Date.parse(e.window_end) - Date.parse(e.window_start), 3600 * 1000);
  // Another organisation's manager sees nothing of it.
  assert.deepEqual((await bulk(ctx.tokens.otherManager)).json.items, []);
  for (const role of ['advocate', 'clinician', 'analyst', 'admin']) {
    const denied = await bulk(ctx.tokens[role]);
    assert.equal(denied.status, 403, role);
    assert.equal(denied.json.error.code, 'forbidden');
  }
  assert.equal((await s.call('GET', '/api/v1/bulk-access')).status, 401);
});

test('reads through a list count, and the open event follows further reads', async () => {
  const list = await s.call('GET', '/api/v1/survivors?limit=500', { token: ctx.tokens.advocate2 });
  assert.equal(list.status, 200);
  assert.equal(list.json.items.length, 5);
  const r = await bulk(ctx.tokens.manager);
  assert.equal(r.json.items.length, 2);
  assert.equal(r.json.items[0].user_id, ctx.users.advocate2.id, 'newest first');
  assert.equal(r.json.items[0].distinct_survivors, 5);
  // The advocate reads the fifth: the same event, counting five.
  assert.equal((await read(ids[4], ctx.tokens.advocate)).status, 200);
  const again = await bulk(ctx.tokens.manager);
  assert.equal(again.json.items.length, 2);
  assert.equal(again.json.items[1].user_id, ctx.users.advocate.id);
  assert.equal(again.json.items[1].distinct_survivors, 5);
});

test('the list pages with limit and cursor', async () => {
  const first = await bulk(ctx.tokens.manager, '?limit=1');
  assert.equal(first.json.items.length, 1);
  assert.equal(typeof first.json.next_cursor, 'string');
  const second = await bulk(ctx.tokens.manager, `?limit=1&cursor=${first.json.next_cursor}`);
  assert.equal(second.json.items.length, 1);
  assert.equal(second.json.next_cursor, null);
  assert.notEqual(second.json.items[0].user_id, first.json.items[0].user_id);
  assert.equal((await bulk(ctx.tokens.manager, '?limit=0')).status, 422);
});

test('reading the list leaves no entry in any survivor\'s access log', async () => {
  const log = async () => (await s.call('GET', `/api/v1/survivors/${ids[0]}/access-log?limit=500`, { token: ctx.tokens.manager })).json.items;
  const before = await log();
  await bulk(ctx.tokens.manager);
  const after = await log();
  // Only the previous reading of the log itself was added.
  assert.equal(after.length, before.length + 1);
  assert.equal(after[0].route, '/api/v1/survivors/{id}/access-log');
});
