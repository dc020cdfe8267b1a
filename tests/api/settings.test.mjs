// PATCH /api/v1/me: an account's own settings (the web pages' privacy mode).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, FIRST_PASSWORD } from './harness.mjs';

let s, ctx;
before(async () => { s = await Server.start(); ctx = await s.seed(); });
after(async () => { await s.destroy(); });

test('privacy mode is off by default and in every user answer', async () => {
  const me = await s.call('GET', '/api/v1/me', { token: ctx.tokens.advocate });
  assert.equal(me.status, 200);
  assert.equal(me.json.privacy_mode, false);
  const u = await s.call('GET', `/api/v1/users/${ctx.users.advocate.id}`, { token: ctx.tokens.admin });
  assert.equal(u.json.privacy_mode, false);
});

test('the owner turns privacy mode on and off, with the version they read', async () => {
  const token = ctx.tokens.advocate2;
  const me = (await s.call('GET', '/api/v1/me', { token })).json;
  const on = await s.call('PATCH', '/api/v1/me', { token, body: { version: me.version, privacy_mode: true } });
  assert.equal(on.status, 200);
  assert.equal(on.json.privacy_mode, true);
  assert.equal(on.json.version, me.version + 1);
  assert.equal(on.json.role, me.role);
  // Remembered: a new sign-in reads it, and the session keeps working.
  assert.equal((await s.call('GET', '/api/v1/me', { token })).json.privacy_mode, true);
  const stale = await s.call('PATCH', '/api/v1/me', { token, body: { version: me.version, privacy_mode: false } });
  assert.equal(stale.status, 409);
  assert.equal(stale.json.error.code, 'conflict');
  assert.equal(stale.json.error.current_version, me.version + 1);
  const off = await s.call('PATCH', '/api/v1/me', { token, body: { version: on.json.version, privacy_mode: false } });
  assert.equal(off.status, 200);
  assert.equal(off.json.privacy_mode, false);
});

test('an administrator changing the account keeps the owner\'s privacy mode', async () => {
  const token = ctx.tokens.analyst;
  const me = (await s.call('GET', '/api/v1/me', { token })).json;
  const on = await s.call('PATCH', '/api/v1/me', { token, body: { version: me.version, privacy_mode: true } });
  assert.equal(on.status, 200);
  const r = await s.call('PATCH', `/api/v1/users/${me.id}`, { token: ctx.tokens.admin, body: { version: on.json.version, display_name: 'Analyst' } });
  assert.equal(r.status, 200);
  assert.equal(r.json.privacy_mode, true);
  assert.equal(r.json.display_name, 'Analyst');
});

test('the body is checked: version and a boolean privacy_mode, nothing else', async () => {
  const token = ctx.tokens.manager;
  const me = (await s.call('GET', '/api/v1/me', { token })).json;
  const cases = [
    [{ privacy_mode: true }, 'version'],
    [{ version: me.version }, 'privacy_mode'],
    [{ version: me.version, privacy_mode: 'yes' }, 'privacy_mode'],
    [{ version: me.version, privacy_mode: true, role: 'admin' }, 'role'],
    [{ version: me.version, privacy_mode: true, password: 'a new password here' }, 'password'],
  ];
  for (const [body, field] of cases) {
    const r = await s.call('PATCH', '/api/v1/me', { token, body });
    assert.equal(r.status, 422, JSON.stringify(body));
    assert.equal(r.json.error.field, field);
  }
  const after = (await s.call('GET', '/api/v1/me', { token })).json;
  assert.equal(after.version, me.version);
  assert.equal(after.role, 'manager');
  assert.equal((await s.call('PATCH', '/api/v1/me', { body: { version: 1, privacy_mode: true } })).status, 401);
});

test('an account that must change its password may still set privacy mode, and nothing more', async () => {
  const r = await s.call('POST', '/api/v1/users', { token: ctx.tokens.admin, body: {
    username: 'newcomer', password: FIRST_PASSWORD, display_name: 'Newcomer', role: 'advocate', org_id: ctx.orgs.agency.id } });
  assert.equal(r.status, 201);
  const token = await s.login('newcomer', FIRST_PASSWORD);
  const p = await s.call('PATCH', '/api/v1/me', { token, body: { version: r.json.version, privacy_mode: true } });
  assert.equal(p.status, 200);
  assert.equal(p.json.password_change_required, true);
  assert.equal((await s.call('GET', '/api/v1/survivors', { token })).status, 403);
});
