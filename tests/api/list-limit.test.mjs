// The survivor list's page limit and its audit buffer are one constant: a
// page of exactly the maximum leaves an entry for every record it shows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, survivorBody } from './harness.mjs';

const MAX = 500;
let s, ctx;
before(async () => {
  s = await Server.start();
  ctx = await s.seed();
  const create = (i) => s.call('POST', '/api/v1/survivors', { token: ctx.tokens.advocate, body: survivorBody({ known_as: `Limit ${i}` }) });
  for (let i = 0; i < MAX + 1; i += 10) {
    const batch = await Promise.all(Array.from({ length: Math.min(10, MAX + 1 - i) }, (_, k) => create(i + k)));
    for (const r of batch) assert.equal(r.status, 201);
  }
});
after(async () => { await s.destroy(); });

test('a page of the maximum size audits every record it lists', async () => {
  const r = await s.call('GET', `/api/v1/survivors?limit=${MAX}`, { token: ctx.tokens.advocate2 });
  assert.equal(r.status, 200);
  assert.equal(r.json.items.length, MAX);
  assert.equal(typeof r.json.next_cursor, 'string');
  const ids = r.json.items.map((x) => x.id);
  assert.equal(new Set(ids).size, MAX);
  for (let i = 0; i < ids.length; i += 10) {
    const logs = await Promise.all(ids.slice(i, i + 10).map((id) =>
      s.call('GET', `/api/v1/survivors/${id}/access-log`, { token: ctx.tokens.manager })));
    for (const l of logs) {
      assert.equal(l.status, 200);
      const reads = l.json.items.filter((e) => e.action === 'read' && e.user_id === ctx.users.advocate2.id);
      assert.equal(reads.length, 1);
      assert.equal(reads[0].route, '/api/v1/survivors');
    }
  }
  // The next page holds the last one.
  const next = await s.call('GET', `/api/v1/survivors?limit=${MAX}&cursor=${r.json.next_cursor}`, { token: ctx.tokens.advocate2 });
  assert.equal(next.json.items.length, 1);
});

test('a page over the maximum is refused', async () => {
  const r = await s.call('GET', `/api/v1/survivors?limit=${MAX + 1}`, { token: ctx.tokens.advocate });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.field, 'limit');
});
