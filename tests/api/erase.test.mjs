// waymark erase: a closed survivor and everything under them removed for good,
// leaving a trace that names nothing about the person.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Server, survivorBody, run, addRecordExamples } from './harness.mjs';

let s, ctx, sv, keep;
before(async () => {
  s = await Server.start();
  ctx = await s.seed();
  sv = (await s.call('POST', '/api/v1/survivors', { token: ctx.tokens.advocate, body: survivorBody({ known_as: 'Erasable Person' }) })).json;
  keep = (await s.call('POST', '/api/v1/survivors', { token: ctx.tokens.advocate, body: survivorBody({ known_as: 'Kept Person' }) })).json;
  await addRecordExamples(s, ctx.tokens.advocate, sv.id);
  await addRecordExamples(s, ctx.tokens.advocate, keep.id);
  await s.call('POST', `/api/v1/survivors/${sv.id}/safeguarding-shares`, { token: ctx.tokens.manager, body: { org_id: ctx.orgs.health.id, reason: 'At risk of serious harm this week' } });
  await s.call('GET', `/api/v1/survivors/${sv.id}/record`, { token: ctx.tokens.manager });
});
after(async () => { await s.destroy(); });

const sql = (q) => s.sql(q).stdout.trim();
const erase = (id, reason = 'Retention period over; closed case') => {
  const file = join(s.dir, 'reason');
  writeFileSync(file, reason + '\n');
  return run(['erase', '--db', s.db, '--survivor', id, '--reason-file', file]);
};

test('an active survivor is refused, and nothing is removed', async () => {
  await s.stop();
  const r = erase(sv.id);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /not closed/);
  assert.equal(sql(`SELECT count(*) FROM registrations WHERE survivor_id = '${sv.id}'`), '1');
  assert.equal(run(['erase', '--db', s.db, '--survivor', '0123456789abcdef0123456789abcdef', '--reason-file', join(s.dir, 'reason')]).status, 1);
  assert.equal(run(['erase', '--db', s.db, '--survivor', 'x', '--reason-file', join(s.dir, 'reason')]).status, 2);
  await s.spawn();
});

test('a closed survivor is removed for good, with everything under them', async () => {
  const token = await s.login('advocate');
  const cur = (await s.call('GET', `/api/v1/survivors/${sv.id}`, { token })).json;
  assert.equal((await s.call('PATCH', `/api/v1/survivors/${sv.id}`, { token, body: { version: cur.version, status: 'closed', closed_on: '2026-11-30' } })).status, 200);
  await s.stop();
  const entries = Number(sql('SELECT count(*) FROM audit'));
  const r = erase(sv.id);
  assert.equal(r.status, 0, r.stderr);
  // The audit trail keeps its entries (sequence numbers of rows now gone,
  // naming no one), so its chain still holds.
  assert.equal(Number(sql('SELECT count(*) FROM audit')), entries);
  const c = run(['check', '--db', s.db]);
  assert.equal(c.status, 0, c.stdout + c.stderr);
  // Nothing of theirs is left in any table, nor anywhere in the files.
  for (const t of ['nrm', 'asylum', 'plan', 'plan_reviews', 'registrations', 'appointments', 'referrals', 'medications', 'notes', 'consents', 'safeguarding_shares']) {
    assert.equal(sql(`SELECT count(*) FROM ${t} WHERE survivor_id = '${sv.id}'`), '0', t);
  }
  assert.equal(sql(`SELECT count(*) FROM survivors WHERE id = '${sv.id}'`), '0');
  for (const f of s.dbFiles()) assert.equal(f.includes(Buffer.from(sv.id)), false, 'the id is gone from the files');
  // The trace names nothing about them; the reason is sealed.
  assert.equal(sql('SELECT count(*) FROM erasures'), '1');
  assert.equal(sql("SELECT count(*) FROM erasures WHERE ran_by <> ''"), '1');
  for (const f of s.dbFiles()) assert.equal(f.includes(Buffer.from('Retention period over')), false);
  // Everyone else is untouched.
  assert.equal(sql(`SELECT count(*) FROM registrations WHERE survivor_id = '${keep.id}'`), '1');
  await s.spawn();
  const t2 = await s.login('manager');
  assert.equal((await s.call('GET', `/api/v1/survivors/${sv.id}`, { token: t2 })).status, 404);
  assert.equal((await s.call('GET', `/api/v1/survivors/${keep.id}/record`, { token: t2 })).status, 200);
});
