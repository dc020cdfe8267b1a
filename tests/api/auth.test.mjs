// Logging in and out, tokens, lock-out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, PASSWORD, ADMIN_PASSWORD, run, rollBack, survivorBody } from './harness.mjs';

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

// ---- a password an administrator set must be changed first ----

const FIRST = 'chosen by the administrator';
const newUser = async (username, role = 'advocate') => (await s.call('POST', '/api/v1/users', { token: ctx.tokens.admin, body: {
  username, password: FIRST, display_name: username, role, org_id: ctx.orgs.agency.id } })).json;
const change = (token, current_password, new_password) =>
  s.call('POST', '/api/v1/me/password', { token, body: { current_password, new_password } });

test('an account an administrator made signs in, but may do nothing before changing its password', async () => {
  const u = await newUser('newcomer', 'manager');
  assert.equal(u.password_change_required, true);
  const r = await login('newcomer', FIRST);
  assert.equal(r.status, 200);
  assert.equal(r.json.password_change_required, true);
  assert.equal(r.json.user.password_change_required, true);
  const token = r.json.token;
  const count = async () => (await s.call('GET', '/api/v1/survivors?limit=500', { token: ctx.tokens.manager })).json.items.length;
  const before = await count();
  const me = await s.call('GET', '/api/v1/me', { token });
  assert.equal(me.status, 200);
  assert.equal(me.json.password_change_required, true);
  for (const [method, path, body] of [
    ['GET', '/api/v1/orgs'], ['GET', '/api/v1/survivors'], ['POST', '/api/v1/survivors', survivorBody()],
    ['GET', `/api/v1/users/${u.id}`], ['GET', '/api/v1/account-events'],
    ['GET', `/api/v1/survivors/${'a'.repeat(32)}/access-log`]]) {
    const x = await s.call(method, path, { token, body });
    assert.equal(x.status, 403, `${method} ${path}`);
    assert.equal(x.json.error.code, 'password_change_required', `${method} ${path}`);
  }
  // Signing out stays open.
  const other = await s.login('newcomer', FIRST);
  assert.equal((await s.call('POST', '/api/v1/logout', { token: other })).status, 204);
  // Nothing was created meanwhile.
  assert.equal(await count(), before);
});

test('the owner changes it: checked, then every other session ends and everything opens', async () => {
  const u = await newUser('changer');
  const token = await s.login('changer', FIRST);
  const elsewhere = await s.login('changer', FIRST);
  const bad = [
    [{ current_password: 'not the password', new_password: 'a fine new password' }, 'current_password'],
    [{ current_password: FIRST, new_password: 'too short' }, 'new_password'],
    [{ current_password: FIRST, new_password: FIRST }, 'new_password'],
    [{ current_password: FIRST }, 'new_password'],
    [{ current_password: FIRST, new_password: 'a fine new password', password: 'x' }, 'password'],
  ];
  for (const [body, field] of bad) {
    const r = await s.call('POST', '/api/v1/me/password', { token, body });
    assert.equal(r.status, 422, JSON.stringify(body));
    assert.equal(r.json.error.field, field, JSON.stringify(body));
  }
  assert.equal((await s.call('POST', '/api/v1/me/password', { token, raw: '{"current_password":', headers: { 'Content-Type': 'application/json' } })).status, 400);
  assert.equal((await change(undefined, FIRST, 'a fine new password')).status, 401);
  assert.equal((await change(token, FIRST, 'a fine new password')).status, 204);
  const me = await s.call('GET', '/api/v1/me', { token });
  assert.equal(me.status, 200);
  assert.equal(me.json.password_change_required, false);
  assert.equal(me.json.version, u.version + 1);
  assert.equal((await s.call('GET', '/api/v1/orgs', { token })).status, 200);
  assert.equal((await s.call('GET', '/api/v1/me', { token: elsewhere })).status, 401);
  assert.equal((await login('changer', FIRST)).status, 401);
  const again = await login('changer', 'a fine new password');
  assert.equal(again.status, 200);
  assert.equal(again.json.password_change_required, false);
  // Anyone may change their own password again, with no flag involved.
  assert.equal((await change(again.json.token, 'a fine new password', 'and another one after')).status, 204);
  // The trail names the field, never a value.
  const rows = s.sql(`SELECT actor_id, action, fields FROM account_audit WHERE target_id = '${u.id}' ORDER BY seq`);
  assert.deepEqual(rows.stdout.trim().split('\n').slice(1), [`${u.id}|user.password|password`, `${u.id}|user.password|password`]);
  const all = s.sql('SELECT * FROM account_audit').stdout;
  assert.ok(!all.includes('a fine new password') && !all.includes(FIRST));
});

test('a password an administrator sets for someone else must be changed; their own need not', async () => {
  const u = await newUser('resetme');
  const t = await s.login('resetme', FIRST);
  await s.changePassword(t, FIRST, PASSWORD);
  const fresh = (await s.call('GET', `/api/v1/users/${u.id}`, { token: ctx.tokens.admin })).json;
  assert.equal(fresh.password_change_required, false);
  const p = await s.call('PATCH', `/api/v1/users/${u.id}`, { token: ctx.tokens.admin, body: { version: fresh.version, password: 'the admin knows this one' } });
  assert.equal(p.status, 200);
  assert.equal(p.json.password_change_required, true);
  const r = await login('resetme', 'the admin knows this one');
  assert.equal(r.json.password_change_required, true);
  assert.equal((await s.call('GET', '/api/v1/survivors', { token: r.json.token })).json.error.code, 'password_change_required');
  // Other changes by an administrator leave the flag alone.
  const again = (await s.call('GET', `/api/v1/users/${u.id}`, { token: ctx.tokens.admin })).json;
  const rename = await s.call('PATCH', `/api/v1/users/${u.id}`, { token: ctx.tokens.admin, body: { version: again.version, display_name: 'Reset Me' } });
  assert.equal(rename.json.password_change_required, true);

  // An administrator setting their own password knows it already.
  const admin2 = (await s.call('POST', '/api/v1/users', { token: ctx.tokens.admin, body: {
    username: 'admin2', password: FIRST, display_name: 'Second admin', role: 'admin' } })).json;
  const t2 = await s.login('admin2', FIRST);
  await s.changePassword(t2, FIRST, PASSWORD);
  const a2 = (await s.call('GET', '/api/v1/me', { token: t2 })).json;
  const own = await s.call('PATCH', `/api/v1/users/${admin2.id}`, { token: t2, body: { version: a2.version, password: 'my own new password' } });
  assert.equal(own.status, 200);
  assert.equal(own.json.password_change_required, false);
  const back = await login('admin2', 'my own new password');
  assert.equal(back.json.password_change_required, false);
  assert.equal((await s.call('GET', '/api/v1/users', { token: back.json.token })).status, 200);
});

test('accounts made on the command line need no change', async () => {
  const r = await login('admin', ADMIN_PASSWORD);
  assert.equal(r.status, 200);
  assert.equal(r.json.password_change_required, false);
  assert.equal((await s.call('GET', '/api/v1/orgs', { token: r.json.token })).status, 200);
});

test('the demo logins work at once, with nothing to change', async () => {
  const demo = new Server();
  demo.dir = s.dir;
  demo.db = s.dir + '/demo.db';
  const r = run(['demo', '--db', demo.db]);
  assert.equal(r.status, 0, r.stderr);
  const password = r.stdout.match(/every password is (\S+)\)/)[1];
  await demo.spawn();
  try {
    const l = await demo.call('POST', '/api/v1/login', { body: { username: 'advocate', password } });
    assert.equal(l.status, 200);
    assert.equal(l.json.password_change_required, false);
    const list = await demo.call('GET', '/api/v1/survivors', { token: l.json.token });
    assert.equal(list.status, 200);
    // One demo survivor agreed to the handover, so it can be tried at once.
    let handovers = 0;
    for (const sv of list.json.items) {
      const h = await demo.call('GET', `/api/v1/survivors/${sv.id}/handover`, { token: l.json.token });
      if (h.status === 200 && h.json.resourceType === 'Bundle') handovers++;
      else assert.equal(h.json.error?.code, 'consent_required', h.text);
    }
    assert.equal(handovers, 1);
  } finally {
    await demo.stop();
  }
});

test('a wrong current password counts toward the lock-out', async () => {
  await newUser('guessed');
  const token = await s.login('guessed', FIRST);
  for (let i = 0; i < 5; i++) assert.equal((await change(token, 'guess ' + i + ' at the password', 'a fine new password')).status, 422);
  const r = await change(token, FIRST, 'a fine new password');
  assert.equal(r.status, 429);
  assert.equal((await login('guessed', FIRST)).status, 429);
});

test('an older database upgrades with every account as it was (no change required)', async () => {
  const old = new Server();
  old.dir = s.dir;
  old.db = s.dir + '/older.db';
  const pw = s.dir + '/admin-password';
  assert.equal(run(['init', '--db', old.db, '--admin-password-file', pw]).status, 0);
  const undo = rollBack(old.db, 9);
  assert.equal(undo.status, 0, undo.stderr);
  await old.spawn();
  try {
    const r = await old.call('POST', '/api/v1/login', { body: { username: 'admin', password: ADMIN_PASSWORD } });
    assert.equal(r.status, 200);
    assert.equal(r.json.password_change_required, false);
    assert.equal((await old.call('GET', '/api/v1/orgs', { token: r.json.token })).status, 200);
  } finally {
    await old.stop();
  }
});
