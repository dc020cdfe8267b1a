// The request path: the route's action is checked before any handler, numbers
// out of range are a 422 naming their field, and reads show each role its view.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, survivorBody } from './harness.mjs';

let s, ctx, rec;
const JSON_TYPE = { 'Content-Type': 'application/json' };
const missing = '0123456789abcdef0123456789abcdef';

before(async () => {
  s = await Server.start();
  ctx = await s.seed();
  rec = (await s.call('POST', '/api/v1/survivors', {
    token: ctx.tokens.advocate,
    body: survivorBody({
      known_as: 'Viewed', exploitation_types: ['labour'],
      contact: { phone: '07700 900456', safe_to_call: true, address: '2 Quiet Street' },
    }),
  })).json;
});
after(async () => { await s.destroy(); });

async function snapshot() {
  const r = await s.call('GET', '/api/v1/survivors?limit=500', { token: ctx.tokens.manager });
  return JSON.stringify(r.json.items);
}

test('a role that may never call a route gets 403 before anything is looked up', async () => {
  // Whether or not the record exists, the answer is the same 403: the route's
  // action is refused before its handler runs.
  for (const id of [rec.id, missing, 'not-an-id']) {
    for (const who of ['analyst', 'admin']) {
      const r = await s.call('GET', `/api/v1/survivors/${id}`, { token: ctx.tokens[who] });
      assert.equal(r.status, 403, `${who} reading ${id}`);
      assert.equal(r.json.error.code, 'forbidden');
    }
    const r = await s.call('GET', `/api/v1/survivors/${id}/access-log`, { token: ctx.tokens.advocate });
    assert.equal(r.status, 403);
  }
  // The body is never read either: a malformed one still answers 403.
  const bad = await s.call('POST', '/api/v1/survivors', { token: ctx.tokens.analyst, raw: '{', headers: JSON_TYPE });
  assert.equal(bad.status, 403);
  const users = await s.call('POST', '/api/v1/users', { token: ctx.tokens.manager, raw: '{', headers: JSON_TYPE });
  assert.equal(users.status, 403);
  const orgs = await s.call('POST', '/api/v1/orgs', { token: ctx.tokens.advocate, body: { name: 'X', kind: 'other' } });
  assert.equal(orgs.status, 403);
  // Every signed-in role may see itself.
  for (const who of ['admin', 'manager', 'advocate', 'clinician', 'analyst']) {
    assert.equal((await s.call('GET', '/api/v1/me', { token: ctx.tokens[who] })).status, 200, who);
  }
});

test('a number too big for any integer is a 422 naming its field, and stores nothing', async () => {
  const before = await snapshot();
  const cases = [
    ['{"known_as":"A","entered_service_on":"2026-10-01","birth_year":123456789012345678901234567890}', 'birth_year'],
    ['{"known_as":"A","entered_service_on":"2026-10-01","dependants":[{"known_as":"B","birth_year":-99999999999999999999}]}', 'dependants[0].birth_year'],
  ];
  for (const [raw, field] of cases) {
    const r = await s.call('POST', '/api/v1/survivors', { token: ctx.tokens.advocate, raw, headers: JSON_TYPE });
    assert.equal(r.status, 422, raw);
    assert.equal(r.json.error.code, 'validation_failed');
    assert.equal(r.json.error.field, field);
  }
  // In range for C but not for the field: the schema's own 422.
  const big = await s.call('POST', '/api/v1/survivors', { token: ctx.tokens.advocate, body: survivorBody({ birth_year: 9007199254740991 }) });
  assert.equal(big.status, 422);
  assert.equal(big.json.error.field, 'birth_year');
  // A stale-version check cannot be dodged with a huge version either.
  const patch = await s.call('PATCH', `/api/v1/survivors/${rec.id}`, {
    token: ctx.tokens.advocate, raw: '{"version":99999999999999999999999,"known_as":"Changed"}', headers: JSON_TYPE,
  });
  assert.equal(patch.status, 422);
  assert.equal(patch.json.error.field, 'version');
  assert.equal(await snapshot(), before);
});

test('the owning organisation sees the whole record on every read path', async () => {
  const check = (r) => {
    assert.deepEqual(r.exploitation_types, ['labour']);
    assert.equal(r.contact.address, '2 Quiet Street');
  };
  for (const who of ['advocate', 'manager']) {
    check((await s.call('GET', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens[who] })).json);
    const list = await s.call('GET', '/api/v1/survivors?q=Viewed', { token: ctx.tokens[who] });
    assert.equal(list.json.items.length, 1);
    check(list.json.items[0]);
  }
  const cur = (await s.call('GET', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.advocate })).json;
  const p = await s.call('PATCH', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.advocate, body: { version: cur.version, gender: 'female' } });
  assert.equal(p.status, 200);
  check(p.json);
});
