// Organisations and users, administered by the administrator only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, PASSWORD, survivorBody } from './harness.mjs';

let s, ctx;
before(async () => { s = await Server.start(); ctx = await s.seed(); });
after(async () => { await s.destroy(); });

test('the administrator creates organisations of the listed kinds', async () => {
  const r = await s.call('POST', '/api/v1/orgs', { token: ctx.tokens.admin, body: { name: 'Law Centre', kind: 'legal' } });
  assert.equal(r.status, 201);
  assert.match(r.json.id, /^[0-9a-f]{32}$/);
  assert.equal(r.json.name, 'Law Centre');
  assert.equal(r.json.kind, 'legal');
  assert.equal(r.json.version, 1);
  const bad = await s.call('POST', '/api/v1/orgs', { token: ctx.tokens.admin, body: { name: 'X', kind: 'church' } });
  assert.equal(bad.status, 422);
  assert.equal(bad.json.error.field, 'kind');
});

test('organisation names are unique, whatever their case', async () => {
  const r = await s.call('POST', '/api/v1/orgs', { token: ctx.tokens.admin, body: { name: 'agency one', kind: 'other' } });
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'conflict');
});

test('only the administrator creates organisations and users', async () => {
  for (const role of ['manager', 'advocate', 'clinician', 'analyst']) {
    const o = await s.call('POST', '/api/v1/orgs', { token: ctx.tokens[role], body: { name: 'Nope ' + role, kind: 'other' } });
    assert.equal(o.status, 403, role);
    assert.equal(o.json.error.code, 'forbidden');
    const u = await s.call('POST', '/api/v1/users', { token: ctx.tokens[role], body: {
      username: 'x' + role, password: PASSWORD, display_name: 'X', role: 'advocate', org_id: ctx.orgs.agency.id } });
    assert.equal(u.status, 403, role);
    // A manager lists their own organisation's accounts (below); no one else but the admin.
    if (role !== 'manager')
      assert.equal((await s.call('GET', '/api/v1/users', { token: ctx.tokens[role] })).status, 403);
  }
});

test('a manager lists only the accounts of their own organisation', async () => {
  const r = await s.call('GET', '/api/v1/users?limit=500', { token: ctx.tokens.manager });
  assert.equal(r.status, 200);
  const ids = r.json.items.map((u) => u.id);
  assert.ok(ids.includes(ctx.users.advocate.id) && ids.includes(ctx.users.manager.id));
  assert.ok(r.json.items.every((u) => u.org_id === ctx.users.manager.org_id));
  assert.ok(!ids.includes(ctx.users.clinician.id), 'another organisation\'s account');
});

test('everyone signed in can list organisations', async () => {
  const r = await s.call('GET', '/api/v1/orgs', { token: ctx.tokens.advocate });
  assert.equal(r.status, 200);
  const names = r.json.items.map((o) => o.name);
  assert.ok(names.includes('Agency One') && names.includes('Health Centre'));
  assert.equal(r.json.next_cursor, null);
});

test('users: the password must have 12 characters or more', async () => {
  const r = await s.call('POST', '/api/v1/users', { token: ctx.tokens.admin, body: {
    username: 'shorty', password: 'elevenchars', display_name: 'S', role: 'advocate', org_id: ctx.orgs.agency.id } });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.field, 'password');
  // Characters, not bytes: twelve accented letters pass.
  const ok = await s.call('POST', '/api/v1/users', { token: ctx.tokens.admin, body: {
    username: 'accented', password: 'éééééééééééé', display_name: 'A', role: 'advocate', org_id: ctx.orgs.agency.id } });
  assert.equal(ok.status, 201);
  assert.equal((await s.call('POST', '/api/v1/login', { body: { username: 'accented', password: 'éééééééééééé' } })).status, 200);
});

test('users: role, organisation and username are checked', async () => {
  const base = { username: 'newone', password: PASSWORD, display_name: 'N', role: 'advocate', org_id: ctx.orgs.agency.id };
  const cases = [
    [{ role: 'superuser' }, 'role'],
    [{ org_id: 'f'.repeat(32) }, 'org_id'],
    [{ org_id: 'not-an-id' }, 'org_id'],
    [{ org_id: undefined }, 'org_id'],
    [{ username: 'has space' }, 'username'],
    [{ username: '' }, 'username'],
    [{ display_name: 42 }, 'display_name'],
  ];
  for (const [over, field] of cases) {
    const r = await s.call('POST', '/api/v1/users', { token: ctx.tokens.admin, body: { ...base, ...over } });
    assert.equal(r.status, 422, JSON.stringify(over));
    assert.equal(r.json.error.field, field, JSON.stringify(over));
  }
  const list = await s.call('GET', '/api/v1/users?limit=500', { token: ctx.tokens.admin });
  assert.ok(!list.json.items.some((u) => u.username === 'newone'));
});

test('users: a username is taken once, whatever its case', async () => {
  const r = await s.call('POST', '/api/v1/users', { token: ctx.tokens.admin, body: {
    username: 'Advocate', password: PASSWORD, display_name: 'Dup', role: 'advocate', org_id: ctx.orgs.agency.id } });
  assert.equal(r.status, 409);
});

test('users: list pages with limit and cursor', async () => {
  const seen = new Set();
  let cursor = null, pages = 0;
  do {
    const r = await s.call('GET', `/api/v1/users?limit=3${cursor ? '&cursor=' + cursor : ''}`, { token: ctx.tokens.admin });
    assert.equal(r.status, 200);
    assert.ok(r.json.items.length <= 3);
    for (const u of r.json.items) { assert.ok(!seen.has(u.id)); seen.add(u.id); assert.equal(u.password_hash, undefined); }
    cursor = r.json.next_cursor;
    pages++;
  } while (cursor && pages < 20);
  assert.ok(seen.size >= 8);
  assert.ok(pages >= 3);
  for (const bad of ['limit=0', 'limit=501', 'limit=abc', 'cursor=xyz']) {
    const r = await s.call('GET', `/api/v1/users?${bad}`, { token: ctx.tokens.admin });
    assert.equal(r.status, 422, bad);
  }
});

test('users: PATCH needs the current version', async () => {
  const u = ctx.users.advocate2;
  const fresh = (await s.call('GET', `/api/v1/users/${u.id}`, { token: ctx.tokens.admin })).json;
  const ok = await s.call('PATCH', `/api/v1/users/${u.id}`, { token: ctx.tokens.admin, body: { version: fresh.version, display_name: 'Renamed' } });
  assert.equal(ok.status, 200);
  assert.equal(ok.json.display_name, 'Renamed');
  assert.equal(ok.json.version, fresh.version + 1);
  const stale = await s.call('PATCH', `/api/v1/users/${u.id}`, { token: ctx.tokens.admin, body: { version: fresh.version, display_name: 'Again' } });
  assert.equal(stale.status, 409);
  const missing = await s.call('PATCH', `/api/v1/users/${u.id}`, { token: ctx.tokens.admin, body: { display_name: 'Again' } });
  assert.equal(missing.status, 422);
  assert.equal(missing.json.error.field, 'version');
  const now = (await s.call('GET', `/api/v1/users/${u.id}`, { token: ctx.tokens.admin })).json;
  assert.equal(now.display_name, 'Renamed');
});

test('users: an administrator cannot disable their own account', async () => {
  const me = (await s.call('GET', '/api/v1/me', { token: ctx.tokens.admin })).json;
  const full = (await s.call('GET', `/api/v1/users/${me.id}`, { token: ctx.tokens.admin })).json;
  const r = await s.call('PATCH', `/api/v1/users/${me.id}`, { token: ctx.tokens.admin, body: { version: full.version, disabled: true } });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.field, 'disabled');
});

test('users: a new password revokes sessions and takes effect', async () => {
  const u = (await s.call('POST', '/api/v1/users', { token: ctx.tokens.admin, body: {
    username: 'rotator', password: PASSWORD, display_name: 'R', role: 'advocate', org_id: ctx.orgs.agency.id } })).json;
  const token = await s.login('rotator');
  const r = await s.call('PATCH', `/api/v1/users/${u.id}`, { token: ctx.tokens.admin, body: { version: u.version, password: 'a brand new password' } });
  assert.equal(r.status, 200);
  assert.equal((await s.call('GET', '/api/v1/me', { token })).status, 401);
  assert.equal((await s.call('POST', '/api/v1/login', { body: { username: 'rotator', password: PASSWORD } })).status, 401);
  assert.equal((await s.call('POST', '/api/v1/login', { body: { username: 'rotator', password: 'a brand new password' } })).status, 200);
});

test('users: an unknown user id is 404', async () => {
  assert.equal((await s.call('GET', `/api/v1/users/${'0'.repeat(32)}`, { token: ctx.tokens.admin })).status, 404);
  assert.equal((await s.call('GET', '/api/v1/users/nonsense', { token: ctx.tokens.admin })).status, 404);
});

test('users: a display name cannot be blanked or removed', async () => {
  const u = (await s.call('GET', `/api/v1/users/${ctx.users.analyst.id}`, { token: ctx.tokens.admin })).json;
  for (const display_name of ['   ', null]) {
    const r = await s.call('PATCH', `/api/v1/users/${u.id}`, { token: ctx.tokens.admin, body: { version: u.version, display_name } });
    assert.equal(r.status, 422);
    assert.equal(r.json.error.field, 'display_name');
  }
});

test('users: an administrator cannot change their own role', async () => {
  const me = (await s.call('GET', '/api/v1/me', { token: ctx.tokens.admin })).json;
  const full = (await s.call('GET', `/api/v1/users/${me.id}`, { token: ctx.tokens.admin })).json;
  const r = await s.call('PATCH', `/api/v1/users/${me.id}`, { token: ctx.tokens.admin, body: {
    version: full.version, role: 'manager', org_id: ctx.orgs.agency.id } });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.field, 'role');
});

test('changes to accounts leave a trail naming fields, never values', async () => {
  const u = (await s.call('POST', '/api/v1/users', { token: ctx.tokens.admin, body: {
    username: 'trailed', password: 'secret-password-xyz', display_name: 'Trail', role: 'advocate', org_id: ctx.orgs.agency.id } })).json;
  await s.call('PATCH', `/api/v1/users/${u.id}`, { token: ctx.tokens.admin, body: { version: 1, password: 'another-secret-pass', role: 'manager' } });
  const admin = (await s.call('GET', '/api/v1/me', { token: ctx.tokens.admin })).json;
  const rows = s.sql(`SELECT actor_id, action, fields FROM account_audit WHERE target_id = '${u.id}' ORDER BY seq`);
  assert.equal(rows.status, 0, rows.stderr);
  assert.deepEqual(rows.stdout.trim().split('\n'), [
    `${admin.id}|user.create|username,password,display_name,role,org_id`,
    `${admin.id}|user.update|role,password`,
  ]);
  const all = s.sql('SELECT * FROM account_audit').stdout;
  assert.ok(!all.includes('secret-password-xyz') && !all.includes('another-secret-pass'));
  const org = s.sql(`SELECT action FROM account_audit WHERE target_id = '${ctx.orgs.agency.id}'`);
  assert.equal(org.stdout.trim(), 'org.create');
});

// Text that cannot deceive: a right-to-left override makes "Ardita" display
// as another name, so one-line fields refuse it (and C1 controls, line
// separators, bidirectional isolates) and nothing is stored.
test('one-line text refuses bidirectional overrides: known_as', async () => {
  const list = async () => (await s.call('GET', '/api/v1/survivors?limit=500', { token: ctx.tokens.advocate })).json.items.length;
  const before = await list();
  for (const known_as of ['Ardita \u202Eahxoh', 'Ardita\u2066x\u2069', 'Ardita\u0085', 'Ardita\u2028Hoxha']) {
    const r = await s.call('POST', '/api/v1/survivors', { token: ctx.tokens.advocate, body: survivorBody({ known_as }) });
    assert.equal(r.status, 422, JSON.stringify(known_as));
    assert.equal(r.json.error.code, 'validation_failed');
    assert.equal(r.json.error.field, 'known_as');
  }
  assert.equal(await list(), before);
  // Right-to-left scripts themselves are welcome.
  const ok = await s.call('POST', '/api/v1/survivors', { token: ctx.tokens.advocate, body: survivorBody({ known_as: 'مريم' }) });
  assert.equal(ok.status, 201);
});

test('one-line text refuses bidirectional overrides: display_name', async () => {
  const r = await s.call('POST', '/api/v1/users', { token: ctx.tokens.admin, body: {
    username: 'bidi', password: PASSWORD, display_name: 'Manager \u202Eeno', role: 'advocate', org_id: ctx.orgs.agency.id } });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.field, 'display_name');
  const list = await s.call('GET', '/api/v1/users?limit=500', { token: ctx.tokens.admin });
  assert.ok(!list.json.items.some((u) => u.username === 'bidi'));
});

// ---- the trail of changes to an organisation's accounts ----

test('managers list every change to their people\'s accounts, newest first; no one else may', async () => {
  const u = (await s.call('POST', '/api/v1/users', { token: ctx.tokens.admin, body: {
    username: 'watched', password: 'the first secret pw', display_name: 'W', role: 'advocate', org_id: ctx.orgs.agency.id } })).json;
  const p = await s.call('PATCH', `/api/v1/users/${u.id}`, { token: ctx.tokens.admin, body: { version: u.version, password: 'the second secret pw' } });
  assert.equal(p.status, 200);
  const admin = (await s.call('GET', '/api/v1/me', { token: ctx.tokens.admin })).json;
  const r = await s.call('GET', '/api/v1/account-events', { token: ctx.tokens.manager });
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.items.slice(0, 2).map((e) => [e.actor_id, e.action, e.target_id, e.fields]), [
    [admin.id, 'user.update', u.id, 'password'],
    [admin.id, 'user.create', u.id, 'username,password,display_name,role,org_id'],
  ]);
  for (const e of r.json.items) {
    assert.deepEqual(Object.keys(e).sort(), ['action', 'actor_id', 'at', 'fields', 'target_id']);
    assert.match(e.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  }
  assert.ok(!r.text.includes('secret pw'));
  // Only accounts of the manager's organisation: the seeded advocate's own
  // change of password is there, the other agency's people are not.
  const targets = new Set(r.json.items.map((e) => e.target_id));
  assert.ok(r.json.items.some((e) => e.target_id === ctx.users.advocate.id && e.action === 'user.password' && e.actor_id === ctx.users.advocate.id));
  assert.ok(!targets.has(ctx.users.otherAdvocate.id) && !targets.has(ctx.users.otherManager.id) && !targets.has(ctx.users.clinician.id));
  assert.ok(!targets.has(admin.id));
  const theirs = await s.call('GET', '/api/v1/account-events?limit=500', { token: ctx.tokens.otherManager });
  assert.equal(theirs.status, 200);
  assert.ok(theirs.json.items.length > 0);
  assert.ok(theirs.json.items.every((e) => [ctx.users.otherManager.id, ctx.users.otherAdvocate.id].includes(e.target_id)));
  for (const role of ['admin', 'advocate', 'clinician', 'analyst']) {
    const x = await s.call('GET', '/api/v1/account-events', { token: ctx.tokens[role] });
    assert.equal(x.status, 403, role);
    assert.equal(x.json.error.code, 'forbidden', role);
  }
});

test('the account trail pages with limit and cursor', async () => {
  const all = (await s.call('GET', '/api/v1/account-events?limit=500', { token: ctx.tokens.manager })).json.items;
  assert.ok(all.length >= 4);
  const seen = [];
  let cursor = null, pages = 0;
  do {
    const r = await s.call('GET', `/api/v1/account-events?limit=2${cursor ? '&cursor=' + cursor : ''}`, { token: ctx.tokens.manager });
    assert.equal(r.status, 200);
    assert.ok(r.json.items.length <= 2);
    seen.push(...r.json.items);
    cursor = r.json.next_cursor;
    pages++;
  } while (cursor && pages < 100);
  assert.deepEqual(seen, all);
  const stolen = (await s.call('GET', '/api/v1/account-events?limit=1', { token: ctx.tokens.manager })).json.next_cursor;
  assert.equal((await s.call('GET', `/api/v1/account-events?cursor=${stolen}`, { token: ctx.tokens.otherManager })).status, 422);
  assert.equal((await s.call('GET', '/api/v1/account-events?limit=0', { token: ctx.tokens.manager })).status, 422);
});
