// Several servers, one database: two `waymark serve` processes on one
// PostgreSQL database serve the same data, as behind a load balancer
// (docs/deployment.md). PostgreSQL only: a SQLite file has one server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, PG, PASSWORD, survivorBody } from './harness.mjs';

const skip = !PG && 'PostgreSQL only: run by the api-pg runner (WAYMARK_TEST_PG=1)';

let a, b, ctx;
before(async () => {
  if (!PG) return;
  a = await Server.start(['--threads', '4']);
  ctx = await a.seed();
  b = new Server();
  b.dir = a.dir;
  b.db = a.db; // the same database, a second process with its own pool
  await b.spawn(['--threads', '4']);
});
after(async () => {
  if (b) await b.stop();
  if (a) await a.destroy();
});

// Each server, in turn: a request of the i-th client goes to servers[i % 2].
const servers = () => [a, b];

test('a token from one server works on the other', { skip }, async () => {
  const token = await a.login('advocate');
  const me = await b.call('GET', '/api/v1/me', { token });
  assert.equal(me.status, 200);
  assert.equal(me.json.username, 'advocate');
  const other = await b.login('manager');
  assert.equal((await a.call('GET', '/api/v1/me', { token: other })).status, 200);
});

test('a change made on one server is read on the other, at once', { skip }, async () => {
  const token = ctx.tokens.advocate;
  const made = await a.call('POST', '/api/v1/survivors', { token, body: survivorBody({ known_as: 'Seen On Both' }) });
  assert.equal(made.status, 201);
  const read = await b.call('GET', `/api/v1/survivors/${made.json.id}`, { token });
  assert.equal(read.status, 200);
  assert.equal(read.json.known_as, 'Seen On Both');
  const changed = await b.call('PATCH', `/api/v1/survivors/${made.json.id}`, { token, body: { version: 1, known_as: 'Changed On B' } });
  assert.equal(changed.status, 200);
  const again = await a.call('GET', `/api/v1/survivors/${made.json.id}`, { token });
  assert.equal(again.json.version, 2);
  assert.equal(again.json.known_as, 'Changed On B');
  // Both servers' reads and changes are in one access log, in order.
  const log = await b.call('GET', `/api/v1/survivors/${made.json.id}/access-log`, { token: ctx.tokens.manager });
  assert.equal(log.status, 200);
  assert.deepEqual(log.json.items.map((e) => e.action).reverse(), ['create', 'read', 'update', 'read']);
});

test('a dashboard kept by one server shows a change made on the other at once', { skip }, async () => {
  const token = ctx.tokens.advocate;
  const sv = (await a.call('POST', '/api/v1/survivors', { token, body: survivorBody({ known_as: 'Kept On A', entered_service_on: '2026-01-05' }) })).json;
  const mine = async () => {
    const d = await a.call('GET', '/api/v1/dashboard', { token });
    assert.equal(d.status, 200, d.text);
    return { row: d.json.survivors.find((x) => x.id === sv.id), rules: d.json.alerts.filter((x) => x.survivor_id === sv.id).map((x) => x.rule) };
  };
  const first = await mine();
  assert.equal(first.row.known_as, 'Kept On A');
  assert.ok(first.rules.includes('gp_unregistered'));
  assert.deepEqual(await mine(), first, 'kept, and the same');
  // Changed on b: a's next dashboard shows the new name and the alert gone.
  const renamed = await b.call('PATCH', `/api/v1/survivors/${sv.id}`, { token, body: { version: sv.version, known_as: 'Changed On B' } });
  assert.equal(renamed.status, 200, renamed.text);
  assert.equal((await b.call('POST', `/api/v1/survivors/${sv.id}/registrations`, { token, body: { service: 'gp', registered_on: '2026-01-10' } })).status, 201);
  const after = await mine();
  assert.equal(after.row.known_as, 'Changed On B');
  assert.equal(after.rules.includes('gp_unregistered'), false);
});

test('24 concurrent updates of one record across both servers: exactly one succeeds, the rest 409', { skip }, async () => {
  const token = ctx.tokens.advocate;
  const sv = (await a.call('POST', '/api/v1/survivors', { token, body: survivorBody({ known_as: 'Raced' }) })).json;
  for (let round = 0; round < 6; round++) {
    const version = (await a.call('GET', `/api/v1/survivors/${sv.id}`, { token })).json.version;
    const answers = await Promise.all(Array.from({ length: 24 }, (_, i) =>
      servers()[i % 2].call('PATCH', `/api/v1/survivors/${sv.id}`, { token, body: { version, known_as: `Writer ${round}-${i}` } })));
    const statuses = answers.map((r) => r.status);
    assert.equal(statuses.filter((c) => c === 200).length, 1, `round ${round}: ${statuses}`);
    assert.equal(statuses.filter((c) => c === 409).length, 23, `round ${round}: ${statuses}`);
    // The one that won is what both servers now read.
    const winner = answers.find((r) => r.status === 200).json;
    for (const s of servers()) {
      const now = (await s.call('GET', `/api/v1/survivors/${sv.id}`, { token })).json;
      assert.equal(now.version, version + 1);
      assert.equal(now.known_as, winner.known_as);
    }
  }
});

test('a sign-out on one server ends the session on the other at the next request', { skip }, async () => {
  const token = await a.login('advocate2');
  // Used on b first, so that b has just found it valid.
  assert.equal((await b.call('GET', '/api/v1/me', { token })).status, 200);
  assert.equal((await a.call('POST', '/api/v1/logout', { token })).status, 204);
  assert.equal((await b.call('GET', '/api/v1/me', { token })).status, 401);
  assert.equal((await a.call('GET', '/api/v1/me', { token })).status, 401);
});

test('an account disabled on one server loses its sessions on the other at once', { skip }, async () => {
  const admin = ctx.tokens.admin;
  const u = (await a.call('POST', '/api/v1/users', { token: admin, body: {
    username: 'twoservers', password: PASSWORD, display_name: 'Two Servers', role: 'advocate', org_id: ctx.orgs.agency.id } })).json;
  let token = (await b.call('POST', '/api/v1/login', { body: { username: 'twoservers', password: PASSWORD } })).json.token;
  await b.call('POST', '/api/v1/me/password', { token, body: { current_password: PASSWORD, new_password: 'a password of its own' } });
  token = await b.login('twoservers', 'a password of its own');
  assert.equal((await b.call('GET', '/api/v1/me', { token })).status, 200);
  const p = await a.call('PATCH', `/api/v1/users/${u.id}`, { token: admin, body: { version: (await a.call('GET', `/api/v1/users/${u.id}`, { token: admin })).json.version, disabled: true } });
  assert.equal(p.status, 200);
  assert.equal((await b.call('GET', '/api/v1/me', { token })).status, 401);
});

test('a lock-out holds across servers: failures on both count together', { skip }, async () => {
  const admin = ctx.tokens.admin;
  await a.call('POST', '/api/v1/users', { token: admin, body: {
    username: 'lockedtwice', password: PASSWORD, display_name: 'Locked', role: 'advocate', org_id: ctx.orgs.agency.id } });
  const login = (s, password) => s.call('POST', '/api/v1/login', { body: { username: 'lockedtwice', password } });
  // Five failures, split across the two servers.
  for (let i = 0; i < 5; i++) assert.equal((await login(servers()[i % 2], 'wrong password ' + i)).status, 401);
  for (const s of servers()) {
    const r = await login(s, PASSWORD);
    assert.equal(r.status, 429, 'locked on both, even with the right password');
    assert.equal(r.json.error.code, 'rate_limited');
  }
});
