// Logging in and out, tokens, lock-out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, PASSWORD, ADMIN_PASSWORD } from './harness.mjs';

let s, ctx;
before(async () => { s = await Server.start(); ctx = await s.seed(); });
after(async () => { await s.destroy(); });

const login = (username, password) => s.call('POST', '/api/v1/login', { body: { username, password } });

test('login answers a token, its expiry and the user', async () => {
  const r = await login('advocate', PASSWORD);
  assert.equal(r.status, 200);
  assert.match(r.json.token, /^[A-Za-z0-9_-]{43}$/);
  assert.match(r.json.expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.ok(Date.parse(r.json.expires_at) > Date.now());
  assert.equal(r.json.user.username, 'advocate');
  assert.equal(r.json.user.role, 'advocate');
  assert.equal(r.json.user.org_id, ctx.orgs.agency.id);
  assert.equal(r.json.user.password_hash, undefined);
  assert.ok(!r.text.includes('argon2'));
});

test('usernames are case-insensitive at login', async () => {
  assert.equal((await login('ADVOCATE', PASSWORD)).status, 200);
});

test('GET /me answers the current user', async () => {
  const r = await s.call('GET', '/api/v1/me', { token: ctx.tokens.manager });
  assert.equal(r.status, 200);
  for (const k of ['id', 'username', 'display_name', 'role', 'org_id']) assert.ok(k in r.json, k);
  assert.equal(r.json.id, ctx.users.manager.id);
  assert.equal(r.json.role, 'manager');
});

test('a wrong password and an unknown user get the same 401', async () => {
  const a = await login('advocate2', 'not the password at all');
  const b = await login('nobody-by-this-name', 'not the password at all');
  assert.equal(a.status, 401);
  assert.equal(b.status, 401);
  assert.equal(a.json.error.code, 'unauthenticated');
  assert.deepEqual(a.json, b.json);
});

test('requests without a valid token are 401', async () => {
  for (const headers of [{}, { Authorization: 'Bearer' }, { Authorization: 'Bearer abc' },
    { Authorization: 'Basic YWRtaW46YWRtaW4=' },
    { Authorization: 'Bearer ' + 'A'.repeat(43) }]) {
    const r = await s.call('GET', '/api/v1/me', { headers });
    assert.equal(r.status, 401, JSON.stringify(headers));
    assert.equal(r.json.error.code, 'unauthenticated');
  }
});

test('logout revokes the token and only that token', async () => {
  const t1 = await s.login('advocate');
  const t2 = await s.login('advocate');
  assert.equal((await s.call('POST', '/api/v1/logout', { token: t1 })).status, 204);
  assert.equal((await s.call('GET', '/api/v1/me', { token: t1 })).status, 401);
  assert.equal((await s.call('GET', '/api/v1/me', { token: t2 })).status, 200);
  assert.equal((await s.call('POST', '/api/v1/logout', { token: t1 })).status, 401);
});

test('five failed logins lock the username for 15 minutes, even with the right password', async () => {
  const admin = ctx.tokens.admin;
  await s.call('POST', '/api/v1/users', { token: admin, body: {
    username: 'lockme', password: PASSWORD, display_name: 'Lock Me', role: 'advocate', org_id: ctx.orgs.agency.id } });
  for (let i = 0; i < 5; i++) assert.equal((await login('lockme', 'wrong password ' + i)).status, 401);
  const r = await login('lockme', PASSWORD);
  assert.equal(r.status, 429);
  assert.equal(r.json.error.code, 'rate_limited');
  const retry = Number(r.headers.get('retry-after'));
  assert.ok(retry > 800 && retry <= 900, `Retry-After ${retry}`);
  // Other accounts are not affected.
  assert.equal((await login('advocate', PASSWORD)).status, 200);
});

test('a username that does not exist locks the same way', async () => {
  for (let i = 0; i < 5; i++) assert.equal((await login('ghost-user', 'wrong password')).status, 401);
  const r = await login('ghost-user', 'wrong password');
  assert.equal(r.status, 429);
  assert.ok(Number(r.headers.get('retry-after')) > 0);
});

test('a successful login clears earlier failures', async () => {
  const admin = ctx.tokens.admin;
  await s.call('POST', '/api/v1/users', { token: admin, body: {
    username: 'forgetful', password: PASSWORD, display_name: 'F', role: 'advocate', org_id: ctx.orgs.agency.id } });
  for (let i = 0; i < 4; i++) await login('forgetful', 'wrong password');
  assert.equal((await login('forgetful', PASSWORD)).status, 200);
  for (let i = 0; i < 4; i++) assert.equal((await login('forgetful', 'wrong password')).status, 401);
  assert.equal((await login('forgetful', PASSWORD)).status, 200);
});

test('a disabled account cannot log in and loses its sessions', async () => {
  const admin = ctx.tokens.admin;
  const u = (await s.call('POST', '/api/v1/users', { token: admin, body: {
    username: 'leaver', password: PASSWORD, display_name: 'Leaver', role: 'advocate', org_id: ctx.orgs.agency.id } })).json;
  const token = await s.login('leaver');
  const p = await s.call('PATCH', `/api/v1/users/${u.id}`, { token: admin, body: { version: u.version, disabled: true } });
  assert.equal(p.status, 200);
  assert.equal(p.json.disabled, true);
  assert.equal((await s.call('GET', '/api/v1/me', { token })).status, 401);
  assert.equal((await login('leaver', PASSWORD)).status, 401);
});

test('login rejects malformed bodies', async () => {
  assert.equal((await s.call('POST', '/api/v1/login', { raw: '{"username":', headers: { 'Content-Type': 'application/json' } })).status, 400);
  const r = await s.call('POST', '/api/v1/login', { body: { username: 'admin' } });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.field, 'password');
  const u = await s.call('POST', '/api/v1/login', { body: { username: 'admin', password: ADMIN_PASSWORD, extra: 1 } });
  assert.equal(u.status, 422);
  assert.equal(u.json.error.field, 'extra');
});

test('a route that does not take the method answers 405 with Allow', async () => {
  const r = await s.call('GET', '/api/v1/login');
  assert.equal(r.status, 405);
  assert.equal(r.json.error.code, 'method_not_allowed');
  assert.equal(r.headers.get('allow'), 'POST');
  const d = await s.call('DELETE', `/api/v1/survivors/${'a'.repeat(32)}`, { token: ctx.tokens.advocate });
  assert.equal(d.status, 405);
  assert.match(d.headers.get('allow'), /GET/);
  assert.match(d.headers.get('allow'), /PATCH/);
});

test('guesses sent in parallel cannot outnumber the lock-out', async () => {
  await s.call('POST', '/api/v1/users', { token: ctx.tokens.admin, body: {
    username: 'parallel', password: PASSWORD, display_name: 'P', role: 'advocate', org_id: ctx.orgs.agency.id } });
  // Waves of parallel guesses (a few of each wave are checked at once, the
  // rest turned away busy, as the hashing is shared between usernames).
  const statuses = [];
  for (let wave = 0; wave < 4; wave++) {
    const tries = await Promise.all(Array.from({ length: 16 }, (_, i) => login('parallel', `guess ${wave}.${i}`)));
    statuses.push(...tries.map((t) => t.status));
  }
  assert.equal(statuses.filter((x) => x === 401).length, 5, statuses.join());
  assert.equal(statuses.filter((x) => x === 429).length, 59, statuses.join());
  assert.equal((await login('parallel', PASSWORD)).status, 429);
});
