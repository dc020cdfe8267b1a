// The survivor's record: create, read, list, change; who may see what.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, survivorBody } from './harness.mjs';

let s, ctx;
before(async () => { s = await Server.start(); ctx = await s.seed(); });
after(async () => { await s.destroy(); });

const create = (token, body) => s.call('POST', '/api/v1/survivors', { token, body });

const full = {
  known_as: 'Lule',
  legal_name: 'Lule Hoxha',
  birth_year: 1999,
  gender: 'female',
  nationality: 'AL',
  languages: [{ code: 'sq', interpreter_needed: true, interpreter_gender: 'female' }, { code: 'en', interpreter_needed: false }],
  entered_service_on: '2026-09-14',
  exploitation_types: ['sexual', 'labour'],
  pregnant: true,
  due_on: '2027-02-01',
  dependants: [{ known_as: 'Ema', birth_year: 2022 }],
  contact: { phone: '+44 7700 900123', safe_to_call: true, safe_voicemail: false, safe_letters: false, address: '1 Example Road' },
  care_needs: { clinician_gender: 'female', advocate_attends: true, approach_with_care: 'Do not ask about family.', other: 'Prefers mornings' },
};

test('an advocate creates a record; it comes back whole with server fields', async () => {
  const r = await create(ctx.tokens.advocate, full);
  assert.equal(r.status, 201);
  const rec = r.json;
  assert.match(rec.id, /^[0-9a-f]{32}$/);
  assert.equal(rec.version, 1);
  assert.equal(rec.org_id, ctx.orgs.agency.id);
  assert.equal(rec.advocate_id, ctx.users.advocate.id, 'defaults to the creating advocate');
  assert.equal(rec.status, 'active');
  assert.match(rec.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  for (const [k, v] of Object.entries(full)) assert.deepEqual(rec[k], v, k);
  const g = await s.call('GET', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.advocate2 });
  assert.equal(g.status, 200, 'any advocate of the organisation may read it');
  assert.deepEqual(g.json, rec);
});

test('known_as and entered_service_on are required', async () => {
  const a = await create(ctx.tokens.advocate, { entered_service_on: '2026-01-01' });
  assert.equal(a.status, 422);
  assert.equal(a.json.error.code, 'validation_failed');
  assert.equal(a.json.error.field, 'known_as');
  const b = await create(ctx.tokens.advocate, { known_as: 'A' });
  assert.equal(b.json.error.field, 'entered_service_on');
  const c = await create(ctx.tokens.advocate, { known_as: '   ', entered_service_on: '2026-01-01' });
  assert.equal(c.status, 422);
  assert.equal(c.json.error.field, 'known_as');
});

test('a manager creates records too; a manager may assign them', async () => {
  const r = await create(ctx.tokens.manager, survivorBody({ advocate_id: ctx.users.advocate2.id }));
  assert.equal(r.status, 201);
  assert.equal(r.json.advocate_id, ctx.users.advocate2.id);
  const none = await create(ctx.tokens.manager, survivorBody());
  assert.equal(none.status, 201);
  assert.equal(none.json.advocate_id, undefined, 'a manager\'s new case is unassigned until assigned');
});

test('roles that never see case records get 403', async () => {
  const rec = (await create(ctx.tokens.advocate, survivorBody())).json;
  for (const role of ['admin', 'analyst']) {
    const t = ctx.tokens[role];
    assert.equal((await create(t, survivorBody())).status, 403, role);
    assert.equal((await s.call('GET', '/api/v1/survivors', { token: t })).status, 403, role);
    const g = await s.call('GET', `/api/v1/survivors/${rec.id}`, { token: t });
    assert.equal(g.status, 403, role);
    assert.equal(g.json.error.code, 'forbidden');
    assert.equal((await s.call('PATCH', `/api/v1/survivors/${rec.id}`, { token: t, body: { version: 1, known_as: 'X' } })).status, 403, role);
  }
});

test('another organisation\'s record is 404, exactly like one that does not exist', async () => {
  const rec = (await create(ctx.tokens.advocate, survivorBody())).json;
  const t = ctx.tokens.otherAdvocate;
  const theirs = await s.call('GET', `/api/v1/survivors/${rec.id}`, { token: t });
  const missing = await s.call('GET', `/api/v1/survivors/${'0'.repeat(32)}`, { token: t });
  assert.equal(theirs.status, 404);
  assert.deepEqual(theirs.json, missing.json);
  const p = await s.call('PATCH', `/api/v1/survivors/${rec.id}`, { token: t, body: { version: 1, known_as: 'Taken' } });
  assert.equal(p.status, 404);
  const list = await s.call('GET', '/api/v1/survivors?limit=500', { token: ctx.tokens.otherManager });
  assert.ok(!list.json.items.some((x) => x.id === rec.id));
  const again = await s.call('GET', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.advocate });
  assert.equal(again.json.known_as, 'Ardita', 'the other organisation changed nothing');
});

test('a clinician without a sharing consent sees nothing and may not create', async () => {
  const rec = (await create(ctx.tokens.advocate, survivorBody())).json;
  const t = ctx.tokens.clinician;
  assert.equal((await s.call('GET', `/api/v1/survivors/${rec.id}`, { token: t })).status, 404);
  const l = await s.call('GET', '/api/v1/survivors', { token: t });
  assert.equal(l.status, 200);
  assert.deepEqual(l.json.items, []);
  assert.equal((await create(t, survivorBody())).status, 403);
  assert.equal((await s.call('PATCH', `/api/v1/survivors/${rec.id}`, { token: t, body: { version: 1 } })).status, 403);
});

test('PATCH changes only what it names, and bumps the version', async () => {
  const rec = (await create(ctx.tokens.advocate, full)).json;
  const r = await s.call('PATCH', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.advocate, body: {
    version: 1, known_as: 'Lulu', contact: { safe_voicemail: true }, legal_name: null } });
  assert.equal(r.status, 200);
  assert.equal(r.json.version, 2);
  assert.equal(r.json.known_as, 'Lulu');
  assert.equal(r.json.legal_name, undefined, 'null removes an optional field');
  assert.deepEqual(r.json.contact, { ...full.contact, safe_voicemail: true }, 'nested objects merge');
  assert.deepEqual(r.json.languages, full.languages);
  assert.equal(r.json.created_at, rec.created_at);
  const g = await s.call('GET', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.advocate });
  assert.deepEqual(g.json, r.json);
});

test('a stale version is 409 and changes nothing', async () => {
  const rec = (await create(ctx.tokens.advocate, survivorBody())).json;
  const first = await s.call('PATCH', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.advocate, body: { version: 1, gender: 'female' } });
  assert.equal(first.status, 200);
  const second = await s.call('PATCH', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.advocate2, body: { version: 1, gender: 'male' } });
  assert.equal(second.status, 409);
  assert.equal(second.json.error.code, 'conflict');
  const g = await s.call('GET', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.advocate });
  assert.equal(g.json.gender, 'female');
  assert.equal(g.json.version, 2);
});

test('concurrent PATCHes with the same version: exactly one wins', async () => {
  const rec = (await create(ctx.tokens.advocate, survivorBody())).json;
  const tries = await Promise.all(Array.from({ length: 8 }, (_, i) =>
    s.call('PATCH', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.advocate, body: { version: 1, birth_year: 1990 + i } })));
  const statuses = tries.map((t) => t.status).sort();
  assert.equal(statuses.filter((x) => x === 200).length, 1, statuses.join());
  assert.equal(statuses.filter((x) => x === 409).length, 7, statuses.join());
  const g = await s.call('GET', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.advocate });
  assert.equal(g.json.version, 2);
  assert.equal(g.json.birth_year, tries.find((t) => t.status === 200).json.birth_year);
});

test('PATCH without a version is 422 naming version', async () => {
  const rec = (await create(ctx.tokens.advocate, survivorBody())).json;
  for (const body of [{ known_as: 'B' }, { version: '1', known_as: 'B' }]) {
    const r = await s.call('PATCH', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.advocate, body });
    assert.equal(r.status, 422);
    assert.equal(r.json.error.field, 'version');
  }
});

test('closing needs closed_on; reopening clears it', async () => {
  const rec = (await create(ctx.tokens.advocate, survivorBody())).json;
  const bad = await s.call('PATCH', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.advocate, body: { version: 1, status: 'closed' } });
  assert.equal(bad.status, 422);
  assert.equal(bad.json.error.field, 'closed_on');
  const early = await s.call('PATCH', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.advocate, body: { version: 1, status: 'closed', closed_on: '2026-09-01' } });
  assert.equal(early.status, 422, 'closed before entering the service');
  assert.equal(early.json.error.field, 'closed_on');
  const closed = await s.call('PATCH', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.advocate, body: { version: 1, status: 'closed', closed_on: '2026-11-01' } });
  assert.equal(closed.status, 200);
  assert.equal(closed.json.closed_on, '2026-11-01');
  const open = await s.call('PATCH', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.advocate, body: { version: 2, status: 'active' } });
  assert.equal(open.status, 200);
  assert.equal(open.json.status, 'active');
  assert.equal(open.json.closed_on, undefined);
});

test('only a manager moves a case to another advocate', async () => {
  const rec = (await create(ctx.tokens.advocate, survivorBody())).json;
  const byAdvocate = await s.call('PATCH', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.advocate, body: { version: 1, advocate_id: ctx.users.advocate2.id } });
  assert.equal(byAdvocate.status, 403);
  const toOtherOrg = await s.call('PATCH', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.manager, body: { version: 1, advocate_id: ctx.users.otherAdvocate.id } });
  assert.equal(toOtherOrg.status, 422);
  assert.equal(toOtherOrg.json.error.field, 'advocate_id');
  const toClinician = await s.call('PATCH', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.manager, body: { version: 1, advocate_id: ctx.users.analyst.id } });
  assert.equal(toClinician.status, 422);
  const ok = await s.call('PATCH', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.manager, body: { version: 1, advocate_id: ctx.users.advocate2.id } });
  assert.equal(ok.status, 200);
  assert.equal(ok.json.advocate_id, ctx.users.advocate2.id);
  const byAdvocateOnCreate = await create(ctx.tokens.advocate, survivorBody({ advocate_id: ctx.users.advocate2.id }));
  assert.equal(byAdvocateOnCreate.status, 403);
});

test('server-set fields cannot be written', async () => {
  const rec = (await create(ctx.tokens.advocate, survivorBody())).json;
  for (const field of ['id', 'org_id', 'created_at', 'updated_at']) {
    const r = await s.call('PATCH', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.advocate, body: { version: 1, [field]: rec[field] } });
    assert.equal(r.status, 422, field);
    assert.equal(r.json.error.field, field);
    const c = await create(ctx.tokens.advocate, survivorBody({ [field]: rec[field] }));
    assert.equal(c.status, 422, field);
  }
});

test('lists filter by advocate, status and exact name, and page', async () => {
  const t = ctx.tokens.advocate2;
  const a = (await create(t, survivorBody({ known_as: 'Zenebech', legal_name: 'Zenebech Tesfaye' }))).json;
  const b = (await create(t, survivorBody({ known_as: 'Tigist' }))).json;
  await s.call('PATCH', `/api/v1/survivors/${b.id}`, { token: t, body: { version: 1, status: 'closed', closed_on: '2026-11-02' } });

  const mine = await s.call('GET', '/api/v1/survivors?advocate=me&limit=500', { token: t });
  assert.equal(mine.status, 200);
  assert.ok(mine.json.items.every((x) => x.advocate_id === ctx.users.advocate2.id));
  assert.ok(mine.json.items.some((x) => x.id === a.id));

  const byId = await s.call('GET', `/api/v1/survivors?advocate=${ctx.users.advocate2.id}&limit=500`, { token: ctx.tokens.manager });
  assert.deepEqual(byId.json.items.map((x) => x.id).sort(), mine.json.items.map((x) => x.id).sort());

  const active = await s.call('GET', '/api/v1/survivors?advocate=me&status=active&limit=500', { token: t });
  assert.ok(active.json.items.some((x) => x.id === a.id));
  assert.ok(!active.json.items.some((x) => x.id === b.id));
  const closed = await s.call('GET', '/api/v1/survivors?status=closed&limit=500', { token: t });
  assert.ok(closed.json.items.some((x) => x.id === b.id));
  assert.ok(closed.json.items.every((x) => x.status === 'closed'));

  for (const q of ['zenebech', '  ZENEBECH ', 'Zenebech%20Tesfaye', 'zenebech%20tesfaye']) {
    const r = await s.call('GET', `/api/v1/survivors?q=${q.replace(/ /g, '%20')}`, { token: t });
    assert.equal(r.status, 200, q);
    assert.deepEqual(r.json.items.map((x) => x.id), [a.id], q);
  }
  for (const q of ['Zene', 'Zenebech%20T', 'Tesfaye']) {
    const r = await s.call('GET', `/api/v1/survivors?q=${q}`, { token: t });
    assert.deepEqual(r.json.items, [], `partial match ${q}`);
  }
  const theirs = await s.call('GET', '/api/v1/survivors?q=zenebech', { token: ctx.tokens.otherAdvocate });
  assert.deepEqual(theirs.json.items, [], 'never across organisations');

  for (const bad of ['advocate=someone', 'status=open', 'limit=0', 'limit=501', 'cursor=-1']) {
    const r = await s.call('GET', `/api/v1/survivors?${bad}`, { token: t });
    assert.equal(r.status, 422, bad);
  }
});

test('names with accents match whatever their case', async () => {
  const rec = (await create(ctx.tokens.advocate, survivorBody({ known_as: 'Ārdita Çela' }))).json;
  const r = await s.call('GET', `/api/v1/survivors?q=${encodeURIComponent('ārdita çela')}`, { token: ctx.tokens.advocate });
  assert.deepEqual(r.json.items.map((x) => x.id), [rec.id]);
});

test('pages follow next_cursor without gaps or repeats', async () => {
  const t = ctx.tokens.manager;
  for (let i = 0; i < 7; i++) await create(t, survivorBody({ known_as: `Pager ${i}` }));
  const all = (await s.call('GET', '/api/v1/survivors?limit=500', { token: t })).json.items.map((x) => x.id);
  const got = [];
  let cursor = null;
  do {
    const r = await s.call('GET', `/api/v1/survivors?limit=4${cursor ? '&cursor=' + encodeURIComponent(cursor) : ''}`, { token: t });
    assert.equal(r.status, 200);
    got.push(...r.json.items.map((x) => x.id));
    cursor = r.json.next_cursor;
  } while (cursor);
  assert.deepEqual(got, all);
});

test('an advocate may take an unassigned case, but not unassign or hand one over', async () => {
  const open = (await create(ctx.tokens.manager, survivorBody())).json;
  const take = await s.call('PATCH', `/api/v1/survivors/${open.id}`, { token: ctx.tokens.advocate2, body: { version: 1, advocate_id: ctx.users.advocate2.id } });
  assert.equal(take.status, 200);
  const drop = await s.call('PATCH', `/api/v1/survivors/${open.id}`, { token: ctx.tokens.advocate2, body: { version: 2, advocate_id: null } });
  assert.equal(drop.status, 403);
  const g = await s.call('GET', `/api/v1/survivors/${open.id}`, { token: ctx.tokens.manager });
  assert.equal(g.json.advocate_id, ctx.users.advocate2.id);
  const unassign = await s.call('PATCH', `/api/v1/survivors/${open.id}`, { token: ctx.tokens.manager, body: { version: 2, advocate_id: null } });
  assert.equal(unassign.status, 200);
  assert.equal(unassign.json.advocate_id, undefined);
});

test('a version out of range never matches a stored one', async () => {
  const rec = (await create(ctx.tokens.advocate, survivorBody())).json;
  for (const version of [4294967297, 0, -1, 1.5]) {
    const r = await s.call('PATCH', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.advocate, body: { version, gender: 'male' } });
    assert.equal(r.status, 422, String(version));
    assert.equal(r.json.error.field, 'version');
  }
  const g = await s.call('GET', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.advocate });
  assert.equal(g.json.version, 1);
  assert.equal(g.json.gender, undefined);
});

test('unknown or server-set fields are refused even when null', async () => {
  const rec = (await create(ctx.tokens.advocate, survivorBody())).json;
  for (const field of ['colour', 'id', 'version_2']) {
    const c = await create(ctx.tokens.advocate, survivorBody({ [field]: null }));
    assert.equal(c.status, 422, field);
    assert.equal(c.json.error.field, field);
    const p = await s.call('PATCH', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.advocate, body: { version: 1, [field]: null } });
    assert.equal(p.status, 422, field);
  }
  const dup = await create(ctx.tokens.advocate, survivorBody({ exploitation_types: ['labour', 'labour'] }));
  assert.equal(dup.status, 422);
  assert.equal(dup.json.error.field, 'exploitation_types[1]');
});

test('cursors are opaque, and good only for the user and list they came from', async () => {
  for (let i = 0; i < 3; i++) await create(ctx.tokens.advocate, survivorBody({ known_as: `Cursor ${i}` }));
  const page = await s.call('GET', '/api/v1/survivors?limit=1', { token: ctx.tokens.advocate });
  const cursor = page.json.next_cursor;
  assert.ok(cursor);
  assert.doesNotMatch(cursor, /^\d+$/, 'no record count shows through');
  const again = await s.call('GET', '/api/v1/survivors?limit=1', { token: ctx.tokens.advocate });
  assert.notEqual(again.json.next_cursor, cursor);
  const ok = await s.call('GET', `/api/v1/survivors?limit=1&cursor=${cursor}`, { token: ctx.tokens.advocate });
  assert.equal(ok.status, 200);
  assert.notEqual(ok.json.items[0].id, page.json.items[0].id);
  const other = await s.call('GET', `/api/v1/survivors?limit=1&cursor=${cursor}`, { token: ctx.tokens.advocate2 });
  assert.equal(other.status, 422);
  assert.equal(other.json.error.field, 'cursor');
  const elsewhere = await s.call('GET', `/api/v1/orgs?limit=1&cursor=${cursor}`, { token: ctx.tokens.advocate });
  assert.equal(elsewhere.status, 422);
  const tampered = cursor.slice(0, -2) + (cursor.endsWith('AA') ? 'AB' : 'AA');
  assert.equal((await s.call('GET', `/api/v1/survivors?limit=1&cursor=${tampered}`, { token: ctx.tokens.advocate })).status, 422);
});
