import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from './harness.mjs';

let s;
before(async () => { s = await Server.start(); });
after(async () => { await s.destroy(); });

test('healthz answers ok when the database answers', async () => {
  const r = await s.call('GET', '/healthz');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { status: 'ok' });
  assert.match(r.headers.get('content-type'), /application\/json/);
});

test('an unknown path is 404 in the error shape', async () => {
  const r = await s.call('GET', '/api/v1/nothing-here');
  assert.equal(r.status, 404);
  assert.equal(r.json.error.code, 'not_found');
});
