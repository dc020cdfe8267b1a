// Two-factor sign-in (TOTP): enrolment, the second step of a sign-in,
// replays refused, recovery codes once, the lock-out, an organisation's
// requirement, an administrator's reset, and nothing of it in the logs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, PASSWORD, FIRST_PASSWORD } from './harness.mjs';
import { base32Decode, stepOf, totpAt } from './totp.mjs';

let s, ctx;
const secrets = []; // every secret, code and challenge seen, for the log check
before(async () => { s = await Server.start(); ctx = await s.seed(); });
after(async () => { await s.destroy(); });

const call = (...a) => s.call(...a);
const login = (body) => call('POST', '/api/v1/login', { body });
const second = (body) => call('POST', '/api/v1/login/two-factor', { body });

// A new account of org (the first agency by default), its password changed.
async function account(username, org_id = ctx.orgs.agency.id) {
  const r = await call('POST', '/api/v1/users', { token: ctx.tokens.admin, body: {
    username, password: FIRST_PASSWORD, display_name: username, role: 'advocate', org_id } });
  assert.equal(r.status, 201, r.text);
  const first = await login({ username, password: FIRST_PASSWORD });
  await s.changePassword(first.json.token, FIRST_PASSWORD, PASSWORD);
  return { id: r.json.id, username, token: first.json.token };
}

// Enrols the account: its secret, recovery codes and the step it confirmed.
async function enrol(token, username) {
  const start = await call('POST', '/api/v1/me/two-factor', { token });
  assert.equal(start.status, 201, start.text);
  const { secret, otpauth_uri: uri } = start.json;
  const step = stepOf();
  const done = await call('POST', '/api/v1/me/two-factor/confirm', { token, body: { totp: totpAt(secret, step) } });
  assert.equal(done.status, 200, done.text);
  secrets.push(secret, uri, ...done.json.recovery_codes);
  if (username) assert.ok(uri.includes(`Waymark:${username}?`));
  return { secret, codes: done.json.recovery_codes, step };
}

test('enrolment: a secret as text and otpauth URI, a first code confirms, ten recovery codes once', async () => {
  const a = await account('tf.enrol');
  const none = await call('GET', '/api/v1/me/two-factor', { token: a.token });
  assert.deepEqual(none.json, { enrolled: false, required: false, pending: false, recovery_codes_left: 0 });
  const start = await call('POST', '/api/v1/me/two-factor', { token: a.token });
  assert.equal(start.status, 201);
  const { secret, otpauth_uri: uri } = start.json;
  secrets.push(secret, uri);
  assert.match(secret, /^[A-Z2-7]{32}$/);
  assert.equal(base32Decode(secret).length, 20);
  const u = new URL(uri);
  assert.equal(u.protocol, 'otpauth:');
  assert.equal(u.host, 'totp');
  assert.equal(decodeURIComponent(u.pathname), '/Waymark:tf.enrol');
  assert.equal(u.searchParams.get('issuer'), 'Waymark');
  assert.equal(u.searchParams.get('secret'), secret);
  assert.equal(u.searchParams.get('algorithm'), 'SHA1');
  assert.equal(u.searchParams.get('digits'), '6');
  assert.equal(u.searchParams.get('period'), '30');
  // Until confirmed, the owner can see it again; nothing is required yet.
  const pending = await call('GET', '/api/v1/me/two-factor', { token: a.token });
  assert.equal(pending.json.pending, true);
  assert.equal(pending.json.secret, secret);
  assert.equal((await login({ username: a.username, password: PASSWORD })).status, 200);
  // A wrong code does not confirm.
  const step = stepOf();
  const wrongCode = ['000000', '111111', '222222'].find((c) => ![-1, 0, 1].some((d) => totpAt(secret, step + d) === c));
  const wrong = await call('POST', '/api/v1/me/two-factor/confirm', { token: a.token, body: { totp: wrongCode } });
  assert.equal(wrong.status, 422);
  assert.equal(wrong.json.error.field, 'totp');
  const ok = await call('POST', '/api/v1/me/two-factor/confirm', { token: a.token, body: { totp: totpAt(secret, step) } });
  assert.equal(ok.status, 200);
  const codes = ok.json.recovery_codes;
  secrets.push(...codes);
  assert.equal(codes.length, 10);
  assert.equal(new Set(codes).size, 10);
  for (const c of codes) assert.match(c, /^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/);
  const status = await call('GET', '/api/v1/me/two-factor', { token: a.token });
  assert.deepEqual(status.json, { enrolled: true, required: false, pending: false, recovery_codes_left: 10 });
  // Shown once: not again, and a second enrolment is refused until turned off.
  assert.ok(!status.text.includes(secret));
  assert.equal((await call('POST', '/api/v1/me/two-factor', { token: a.token })).status, 409);
  assert.equal((await call('POST', '/api/v1/me/two-factor/confirm', { token: a.token, body: { totp: '123456' } })).status, 409);
  // The secret is sealed at rest: neither its bytes nor its text are in the database.
  const raw = base32Decode(secret);
  for (const f of s.dbFiles()) {
    assert.ok(!f.includes(raw), 'secret bytes in the database');
    assert.ok(!f.includes(Buffer.from(secret)), 'secret text in the database');
    for (const c of codes) assert.ok(!f.includes(Buffer.from(c)), 'a recovery code in the database');
  }
  // The account trail says two-factor changed, never the values.
  const trail = await call('GET', '/api/v1/account-events?limit=500', { token: ctx.tokens.manager });
  assert.ok(trail.json.items.some((e) => e.action === 'user.two_factor' && e.target_id === a.id && e.fields === 'two_factor'));
});

test('sign-in: the password alone answers two_factor_required and no token; the code then signs in; a used code is refused', async () => {
  const a = await account('tf.signin');
  const { secret, step } = await enrol(a.token, a.username);
  const first = await login({ username: a.username, password: PASSWORD });
  assert.equal(first.status, 401);
  assert.equal(first.json.error.code, 'two_factor_required');
  assert.equal(first.json.token, undefined);
  const challenge = first.json.error.challenge;
  assert.match(challenge, /^[A-Za-z0-9_-]{40,200}$/);
  secrets.push(challenge);
  // The code of the step confirmed at enrolment is used already.
  const used = await second({ challenge, totp: totpAt(secret, step) });
  assert.equal(used.status, 401);
  assert.equal(used.json.error.code, 'two_factor_failed');
  const next = totpAt(secret, step + 1);
  const ok = await second({ challenge, totp: next });
  assert.equal(ok.status, 200, ok.text);
  assert.match(ok.json.token, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(ok.json.user.username, a.username);
  assert.equal((await call('GET', '/api/v1/me', { token: ok.json.token })).status, 200);
  // The same code again: refused, through either route.
  const replay = await second({ challenge, totp: next });
  assert.equal(replay.status, 401);
  assert.equal(replay.json.error.code, 'two_factor_failed');
  const replay2 = await login({ username: a.username, password: PASSWORD, totp: next });
  assert.equal(replay2.status, 401);
  assert.equal(replay2.json.error.code, 'two_factor_failed');
  assert.equal(replay2.json.token, undefined);
  // A wrong password with a code says nothing about the code.
  const wrongPw = await login({ username: a.username, password: 'not the password', totp: next });
  assert.equal(wrongPw.status, 401);
  assert.equal(wrongPw.json.error.code, 'unauthenticated');
  assert.equal(wrongPw.json.error.challenge, undefined);
});

test('one request with password and totp signs in (the spec\'s login body)', async () => {
  const a = await account('tf.onestep');
  const { secret, step } = await enrol(a.token);
  const r = await login({ username: a.username, password: PASSWORD, totp: totpAt(secret, step + 1) });
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.token);
});

test('a recovery code signs in once', async () => {
  const a = await account('tf.recovery');
  const { codes } = await enrol(a.token);
  const r = await login({ username: a.username, password: PASSWORD, recovery_code: codes[3].toUpperCase() });
  assert.equal(r.status, 200, r.text);
  const again = await login({ username: a.username, password: PASSWORD, recovery_code: codes[3] });
  assert.equal(again.status, 401);
  assert.equal(again.json.error.code, 'two_factor_failed');
  // Through the second step too, with another one.
  const ch = (await login({ username: a.username, password: PASSWORD })).json.error.challenge;
  assert.equal((await second({ challenge: ch, recovery_code: codes[4] })).status, 200);
  assert.equal((await second({ challenge: ch, recovery_code: codes[4] })).status, 401);
  // Another account's code is not one of this account's.
  const b = await account('tf.recovery2');
  const bcodes = (await enrol(b.token)).codes;
  assert.equal((await login({ username: a.username, password: PASSWORD, recovery_code: bcodes[0] })).status, 401);
  const status = await call('GET', '/api/v1/me/two-factor', { token: r.json.token });
  assert.equal(status.json.recovery_codes_left, 8);
});

test('wrong codes count towards the lock-out, and a locked account is refused even the right code', async () => {
  const a = await account('tf.lockout');
  const { secret, step } = await enrol(a.token);
  const right = new Set([-1, 0, 1, 2].map((d) => totpAt(secret, step + d)));
  const wrong = ['000000', '111111', '222222', '333333', '444444', '555555', '666666'].filter((c) => !right.has(c));
  const ch = (await login({ username: a.username, password: PASSWORD })).json.error.challenge; // 1st failure
  for (let i = 0; i < 4; i++) {
    const r = await second({ challenge: ch, totp: wrong[i] });
    assert.equal(r.status, 401, `attempt ${i}`);
    assert.equal(r.json.error.code, 'two_factor_failed');
  }
  const locked = await second({ challenge: ch, totp: totpAt(secret, step + 1) });
  assert.equal(locked.status, 429);
  assert.equal(locked.json.error.code, 'rate_limited');
  assert.equal((await login({ username: a.username, password: PASSWORD, totp: totpAt(secret, step + 1) })).status, 429);
});

test('a challenge that is altered, or of an account changed since, is refused', async () => {
  const a = await account('tf.challenge');
  const { secret, step } = await enrol(a.token);
  const ch = (await login({ username: a.username, password: PASSWORD })).json.error.challenge;
  const flipped = ch.slice(0, 10) + (ch[10] === 'A' ? 'B' : 'A') + ch.slice(11);
  const r = await second({ challenge: flipped, totp: totpAt(secret, step + 1) });
  assert.equal(r.status, 401);
  assert.equal(r.json.error.code, 'unauthenticated');
  assert.equal((await second({ challenge: ch })).status, 422);
  // The password changed after the challenge was made: it is void.
  const t = (await login({ username: a.username, password: PASSWORD, totp: totpAt(secret, step + 1) })).json.token;
  await s.changePassword(t, PASSWORD, PASSWORD + ' two');
  const stale = await second({ challenge: ch, recovery_code: 'abcde-fghjk' });
  assert.equal(stale.status, 401);
  assert.equal(stale.json.error.code, 'unauthenticated');
});

test('an organisation that requires two factors sends its accounts to enrol before anything else', async () => {
  const admin = ctx.tokens.admin;
  const org = (await call('POST', '/api/v1/orgs', { token: admin, body: { name: 'Strict Agency', kind: 'support_agency' } })).json;
  assert.equal(org.two_factor_required, false);
  const a = await account('tf.strict', org.id);
  // Used just before (the server keeps its answer for a second).
  assert.equal((await call('GET', '/api/v1/survivors', { token: a.token })).status, 200);
  // Only an administrator sets it; with the version read.
  assert.equal((await call('PATCH', `/api/v1/orgs/${org.id}`, { token: ctx.tokens.manager, body: { version: org.version, two_factor_required: true } })).status, 403);
  const stale = await call('PATCH', `/api/v1/orgs/${org.id}`, { token: admin, body: { version: org.version + 5, two_factor_required: true } });
  assert.equal(stale.status, 409);
  const set = await call('PATCH', `/api/v1/orgs/${org.id}`, { token: admin, body: { version: org.version, two_factor_required: true } });
  assert.equal(set.status, 200, set.text);
  assert.equal(set.json.two_factor_required, true);
  assert.equal(set.json.version, org.version + 1);
  const listed = (await call('GET', '/api/v1/orgs?limit=500', { token: admin })).json.items.find((o) => o.id === org.id);
  assert.equal(listed.two_factor_required, true);
  // An existing session is held back at once.
  const held = await call('GET', '/api/v1/survivors', { token: a.token });
  assert.equal(held.status, 403);
  assert.equal(held.json.error.code, 'two_factor_enrolment_required');
  const me = await call('GET', '/api/v1/me', { token: a.token });
  assert.equal(me.status, 200);
  assert.equal(me.json.two_factor_enrolment_required, true);
  // A new sign-in says so, and opens only the session's own routes.
  const r = await login({ username: a.username, password: PASSWORD });
  assert.equal(r.status, 200);
  assert.equal(r.json.two_factor_enrolment_required, true);
  assert.equal((await call('GET', '/api/v1/dashboard', { token: r.json.token })).status, 403);
  assert.equal((await call('GET', '/api/v1/me/two-factor', { token: r.json.token })).json.required, true);
  await enrol(r.json.token);
  assert.equal((await call('GET', '/api/v1/survivors', { token: r.json.token })).status, 200);
  // The held-back session too, the moment the account is enrolled.
  assert.equal((await call('GET', '/api/v1/survivors', { token: a.token })).status, 200);
  const after = await call('GET', '/api/v1/me', { token: r.json.token });
  assert.equal(after.json.two_factor_enrolment_required, undefined);
  // Everyone else's login answer is as it was.
  const plain = await login({ username: 'advocate2', password: PASSWORD });
  assert.deepEqual(Object.keys(plain.json).sort(), ['expires_at', 'password_change_required', 'token', 'user']);
  // Turned off again: nothing is held back.
  const off = await call('PATCH', `/api/v1/orgs/${org.id}`, { token: admin, body: { version: set.json.version, two_factor_required: false } });
  assert.equal(off.json.two_factor_required, false);
});

test('an administrator resets the two factors of someone who lost their device: audited, sessions ended', async () => {
  const a = await account('tf.lost');
  const { secret, step } = await enrol(a.token);
  const t = (await login({ username: a.username, password: PASSWORD, totp: totpAt(secret, step + 1) })).json.token;
  const before = await call('GET', `/api/v1/users/${a.id}`, { token: ctx.tokens.admin });
  assert.equal(before.json.two_factor_enrolled, true);
  assert.equal((await call('DELETE', `/api/v1/users/${a.id}/two-factor`, { token: ctx.tokens.manager })).status, 403);
  assert.equal((await call('DELETE', `/api/v1/users/${'0'.repeat(32)}/two-factor`, { token: ctx.tokens.admin })).status, 404);
  const r = await call('DELETE', `/api/v1/users/${a.id}/two-factor`, { token: ctx.tokens.admin });
  assert.equal(r.status, 204);
  assert.equal((await call('GET', '/api/v1/me', { token: t })).status, 401);
  const after = await call('GET', `/api/v1/users/${a.id}`, { token: ctx.tokens.admin });
  assert.equal(after.json.two_factor_enrolled, false);
  const trail = await call('GET', '/api/v1/account-events?limit=500', { token: ctx.tokens.manager });
  const ev = trail.json.items.find((e) => e.action === 'user.two_factor_reset' && e.target_id === a.id);
  assert.ok(ev);
  assert.equal(ev.actor_id, (await call('GET', '/api/v1/me', { token: ctx.tokens.admin })).json.id);
  assert.equal(ev.fields, 'two_factor');
  // The password alone signs in again; the owner may enrol afresh.
  const again = await login({ username: a.username, password: PASSWORD });
  assert.equal(again.status, 200);
  await enrol(again.json.token);
});

test('the owner turns it off with the password and a code', async () => {
  const a = await account('tf.off');
  const { codes } = await enrol(a.token);
  const t = (await login({ username: a.username, password: PASSWORD, recovery_code: codes[0] })).json.token;
  const noCode = await call('POST', '/api/v1/me/two-factor/disable', { token: t, body: { password: PASSWORD } });
  assert.equal(noCode.status, 422);
  const badPw = await call('POST', '/api/v1/me/two-factor/disable', { token: t, body: { password: 'wrong password!', recovery_code: codes[1] } });
  assert.equal(badPw.status, 422);
  assert.equal(badPw.json.error.field, 'password');
  const badCode = await call('POST', '/api/v1/me/two-factor/disable', { token: t, body: { password: PASSWORD, recovery_code: codes[0] } });
  assert.equal(badCode.status, 422);
  assert.equal(badCode.json.error.field, 'recovery_code');
  const ok = await call('POST', '/api/v1/me/two-factor/disable', { token: t, body: { password: PASSWORD, recovery_code: codes[1] } });
  assert.equal(ok.status, 204, ok.text);
  assert.equal((await call('GET', '/api/v1/me/two-factor', { token: t })).json.enrolled, false);
  assert.equal((await login({ username: a.username, password: PASSWORD })).status, 200);
});

test('no secret, code, URI or challenge reaches the server log', async () => {
  assert.ok(secrets.length > 20);
  for (const x of secrets) assert.ok(!s.stderr.includes(x), 'a two-factor secret in the log');
  assert.ok(!s.stderr.includes('otpauth'));
});
