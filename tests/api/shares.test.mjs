// Safeguarding shares without consent: a manager opens the record to another
// organisation's clinicians for 72 hours, with a reason; it is in the access
// log, listed for review, and ends by itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, survivorBody } from './harness.mjs';

let s, ctx, sv;
const REASON = 'At immediate risk: her former employer has found her address';
before(async () => {
  s = await Server.start();
  ctx = await s.seed();
  sv = (await s.call('POST', '/api/v1/survivors', { token: ctx.tokens.advocate, body: survivorBody({ known_as: 'At Risk', exploitation_types: ['labour'] }) })).json;
  await s.call('POST', `/api/v1/survivors/${sv.id}/registrations`, { token: ctx.tokens.advocate, body: { service: 'gp', registered_on: '2026-10-01' } });
});
after(async () => { await s.destroy(); });

const share = (who, body, id = sv.id) => s.call('POST', `/api/v1/survivors/${id}/safeguarding-shares`, { token: ctx.tokens[who], body });

test('only the owning organisation\'s manager shares, with another organisation and a real reason', async () => {
  assert.equal((await share('advocate', { org_id: ctx.orgs.health.id, reason: REASON })).status, 403);
  assert.equal((await share('clinician', { org_id: ctx.orgs.health.id, reason: REASON })).status, 403);
  assert.equal((await share('otherManager', { org_id: ctx.orgs.health.id, reason: REASON })).status, 404);
  for (const [body, field] of [
    [{ org_id: ctx.orgs.health.id, reason: 'at risk' }, 'reason'],
    [{ org_id: ctx.orgs.agency.id, reason: REASON }, 'org_id'],
    [{ org_id: '0123456789abcdef0123456789abcdef', reason: REASON }, 'org_id'],
    [{ reason: REASON }, 'org_id'],
  ]) {
    const r = await share('manager', body);
    assert.equal(r.status, 422, JSON.stringify(body));
    assert.equal(r.json.error.field, field);
  }
  const list = await s.call('GET', '/api/v1/safeguarding-shares', { token: ctx.tokens.manager });
  assert.deepEqual(list.json.items, []);
});

test('a share opens the record to that organisation\'s clinicians at once, as consent would', async () => {
  const cli = (path) => s.call('GET', path, { token: ctx.tokens.clinician });
  assert.equal((await cli(`/api/v1/survivors/${sv.id}`)).status, 404);
  const r = await share('manager', { org_id: ctx.orgs.health.id, reason: REASON });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.org_id, ctx.orgs.health.id);
  assert.equal(r.json.version, 1);
  assert.equal(r.json.reviewed_at, null);
  assert.equal(r.json.reviewed_by, null);
  assert.equal(Date.parse(r.json.expires_at) - Date.parse(r.json.created_at), 72 * 3600 * 1000);
  const seen = await cli(`/api/v1/survivors/${sv.id}`);
  assert.equal(seen.status, 200);
  assert.equal(seen.json.exploitation_types, undefined);
  assert.equal((await cli(`/api/v1/survivors/${sv.id}/registrations`)).json.items.length, 1);
  assert.equal((await cli(`/api/v1/survivors/${sv.id}/nrm`)).status, 403);
  // Another organisation's clinicians still see nothing.
  const log = await s.call('GET', `/api/v1/survivors/${sv.id}/access-log`, { token: ctx.tokens.manager });
  assert.ok(log.json.items.some((e) => e.action === 'share' && e.route === '/api/v1/survivors/{id}/safeguarding-shares'));
  for (const f of s.dbFiles()) assert.equal(f.includes(Buffer.from('former employer')), false);
});

test('managers list shares until one marks them reviewed', async () => {
  const open = await s.call('GET', '/api/v1/safeguarding-shares?reviewed=false', { token: ctx.tokens.manager });
  assert.equal(open.status, 200);
  assert.equal(open.json.items.length, 1);
  const item = open.json.items[0];
  assert.equal(item.reason, REASON);
  assert.equal(item.survivor_id, sv.id);
  assert.equal((await s.call('GET', '/api/v1/safeguarding-shares', { token: ctx.tokens.advocate })).status, 403);
  assert.deepEqual((await s.call('GET', '/api/v1/safeguarding-shares', { token: ctx.tokens.otherManager })).json.items, []);
  const undo = await s.call('PATCH', `/api/v1/safeguarding-shares/${item.id}`, { token: ctx.tokens.manager, body: { version: 1, reviewed: false } });
  assert.equal(undo.status, 422);
  const other = await s.call('PATCH', `/api/v1/safeguarding-shares/${item.id}`, { token: ctx.tokens.otherManager, body: { version: 1, reviewed: true } });
  assert.equal(other.status, 404);
  const done = await s.call('PATCH', `/api/v1/safeguarding-shares/${item.id}`, { token: ctx.tokens.manager, body: { version: 1, reviewed: true } });
  assert.equal(done.status, 200, done.text);
  assert.equal(done.json.version, 2);
  assert.equal(done.json.reviewed_by, ctx.users.manager.id);
  const stale = await s.call('PATCH', `/api/v1/safeguarding-shares/${item.id}`, { token: ctx.tokens.manager, body: { version: 1, reviewed: true } });
  assert.equal(stale.status, 409);
  assert.equal(stale.json.error.current_version, 2);
  assert.deepEqual((await s.call('GET', '/api/v1/safeguarding-shares?reviewed=false', { token: ctx.tokens.manager })).json.items, []);
  assert.equal((await s.call('GET', '/api/v1/safeguarding-shares?reviewed=true', { token: ctx.tokens.manager })).json.items.length, 1);
});

test('a share ends by itself after 72 hours', async () => {
  // The same database, served with the clock 73 hours ahead (a test-only option).
  const later = new Server();
  later.dir = s.dir;
  later.db = s.db;
  await later.spawn(['--clock-offset', String(73 * 3600)]);
  try {
    const token = await later.login('clinician');
    assert.equal((await later.call('GET', `/api/v1/survivors/${sv.id}`, { token })).status, 404);
    assert.deepEqual((await later.call('GET', '/api/v1/survivors', { token })).json.items, []);
  } finally {
    await later.stop();
  }
  // Within the 72 hours, on the real clock, it still holds. (The server ahead
  // swept the sessions it saw as expired: sign in again.)
  const token = await s.login('clinician');
  assert.equal((await s.call('GET', `/api/v1/survivors/${sv.id}`, { token })).status, 200);
});
