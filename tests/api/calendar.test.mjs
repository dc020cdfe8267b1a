// An advocate's secret calendar feed (/cal/TOKEN.ics): made, read by a real
// iCalendar parser (Debian's python3-icalendar), revoked. What a calendar
// app sees: the caseload's appointments with time, place, kind and the
// survivor's initials - never a name - and nothing of anyone else's
// caseload. Each fetch is an audited read of the survivors it shows; the
// token is in no answer but the one that made it, and in no log line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Server, PASSWORD, survivorBody } from './harness.mjs';

let s, ctx, feedPath;
const ids = {};

// Parses a feed with python3-icalendar and answers what it found: each
// event's properties (a list where a name came more than once) and the
// parser's own complaints.
const PARSE = `
import json, sys
from icalendar import Calendar
cal = Calendar.from_ical(sys.stdin.buffer.read().decode('utf-8'))
def value(v):
    if isinstance(v, list):
        return [value(x) for x in v]
    return v.dt.isoformat() if hasattr(v, 'dt') else str(v)
events = [{k: value(v) for k, v in ev.items()} for ev in cal.walk('VEVENT')]
errors = [e for c in cal.walk() for e in c.errors]
print(json.dumps({'calendar': {k: value(v) for k, v in cal.items()}, 'events': events, 'errors': errors}))
`;
// Debian's python3 (python3-icalendar is installed for it), not another on PATH.
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
function parse(text) {
  const r = spawnSync(PYTHON, ['-c', PARSE], { input: text, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const day = (n) => new Date(Date.now() + n * 86400e3).toISOString().slice(0, 10);
// A place name a calendar must show as it was typed, whatever it holds.
const HOSTILE_PLACE = 'Riverside Surgery; Suite 3, "Back door" \\ ring twice\\nDTSTART:19700101T000000Z '
  + 'Ġëñëŕàł Ĥőšƥíţàł — ደሴ ሆስፒታል مستشفى';

async function appointment(token, survivor, body) {
  const r = await s.call('POST', `/api/v1/survivors/${survivor}/appointments`, { token, body });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

before(async () => {
  s = await Server.start();
  ctx = await s.seed();
  const t = ctx.tokens;
  const survivor = async (token, over) => (await s.call('POST', '/api/v1/survivors', { token, body: survivorBody(over) })).json.id;
  ids.mine = await survivor(t.advocate, { known_as: 'Ardita Berisha', legal_name: 'Ardita Xhafaj' });
  ids.closed = await survivor(t.advocate, { known_as: 'Teuta Krasniqi' });
  ids.colleague = await survivor(t.advocate2, { known_as: 'Mirela Dushku' });
  ids.other = await survivor(t.otherAdvocate, { known_as: 'Zana Hoxha' });
  ids.gp = (await appointment(t.advocate, ids.mine, {
    kind: 'gp', starts_at: `${day(3)}T09:30:00Z`, duration_min: 45, provider: HOSTILE_PLACE,
    interpreter: { language: 'sq', needed: true, booked: true },
  })).id;
  ids.cancelled = (await appointment(t.advocate, ids.mine, {
    kind: 'sexual_health', starts_at: `${day(10)}T14:00:00Z`, provider: 'Clinic 4',
    status: 'cancelled', cancelled_by: 'provider', interpreter: { needed: true, booked: false },
  })).id;
  await appointment(t.advocate, ids.mine, { kind: 'dental', starts_at: `${day(200)}T09:00:00Z`, provider: 'Too far ahead' });
  await appointment(t.advocate, ids.mine, { kind: 'dental', starts_at: `${day(-40)}T09:00:00Z`, provider: 'Too long ago' });
  await appointment(t.advocate, ids.closed, { kind: 'gp', starts_at: `${day(2)}T09:00:00Z`, provider: 'Closed case surgery' });
  const cur = (await s.call('GET', `/api/v1/survivors/${ids.closed}`, { token: t.advocate })).json;
  const closed = await s.call('PATCH', `/api/v1/survivors/${ids.closed}`, { token: t.advocate, body: { version: cur.version, status: 'closed', closed_on: day(0) } });
  assert.equal(closed.status, 200, closed.text);
  await appointment(t.advocate2, ids.colleague, { kind: 'gp', starts_at: `${day(3)}T11:00:00Z`, provider: 'Colleague surgery' });
  await appointment(t.otherAdvocate, ids.other, { kind: 'gp', starts_at: `${day(3)}T12:00:00Z`, provider: 'Other agency surgery' });
});
after(async () => { await s.destroy(); });

test('an advocate makes a feed: its URL is shown once, and never again', async () => {
  const none = await s.call('GET', '/api/v1/me/calendar-feed', { token: ctx.tokens.advocate });
  assert.equal(none.status, 200);
  assert.deepEqual(none.json, { exists: false, created_at: null });
  const r = await s.call('POST', '/api/v1/me/calendar-feed', { token: ctx.tokens.advocate });
  assert.equal(r.status, 201, r.text);
  const url = new URL(r.json.url);
  assert.equal(url.origin, s.base);
  assert.match(url.pathname, /^\/cal\/[A-Za-z0-9_-]{43}\.ics$/);
  assert.match(r.json.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  feedPath = url.pathname;
  const seen = await s.call('GET', '/api/v1/me/calendar-feed', { token: ctx.tokens.advocate });
  assert.deepEqual(seen.json, { exists: true, created_at: r.json.created_at });
  assert.ok(!seen.text.includes(feedPath.slice(5, -4)), 'the token is not shown again');
});

test('the feed is iCalendar a real parser reads: time, place, kind and initials', async () => {
  const r = await s.call('GET', feedPath);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'text/calendar; charset=utf-8');
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
  // RFC 5545 §3.1: CRLF line ends, at most 75 octets a line.
  assert.ok(r.text.endsWith('\r\n'));
  assert.ok(!/[^\r]\n/.test(r.text), 'no bare LF');
  for (const line of r.text.split('\r\n')) assert.ok(Buffer.byteLength(line) <= 75, `too long: ${line}`);
  const cal = parse(r.text);
  assert.deepEqual(cal.errors, []);
  assert.equal(cal.calendar.VERSION, '2.0');
  assert.equal(cal.events.length, 2, JSON.stringify(cal.events));
  const gp = cal.events.find((e) => e.STATUS === 'CONFIRMED');
  assert.equal(gp.SUMMARY, 'GP appointment — A.B.');
  // One property, its text intact. (python3-icalendar 4.0.3 unescapes "\\n"
  // wrongly - a backslash then a line break - so the exact text is read
  // below by RFC 5545's own rule; its DTSTART is text, not a property.)
  assert.equal(typeof gp.LOCATION, 'string');
  assert.ok(gp.LOCATION.startsWith('Riverside Surgery; Suite 3, "Back door" \\ ring twice'), gp.LOCATION);
  assert.ok(gp.LOCATION.endsWith('DTSTART:19700101T000000Z Ġëñëŕàł Ĥőšƥíţàł — ደሴ ሆስፒታል مستشفى'), gp.LOCATION);
  const unfolded = r.text.replace(/\r\n[ \t]/g, '').split('\r\n');
  const locations = unfolded.filter((l) => l.startsWith('LOCATION:'));
  const unescape = (v) => v.replace(/\\([\\;,nN])/g, (_, c) => (c === 'n' || c === 'N' ? '\n' : c));
  assert.ok(locations.map((l) => unescape(l.slice(9))).includes(HOSTILE_PLACE), 'the place as it was typed');
  assert.equal(gp.DESCRIPTION, 'Interpreter booked.');
  assert.equal(gp.DTSTART, `${day(3)}T09:30:00+00:00`);
  assert.equal(gp.DTEND, `${day(3)}T10:15:00+00:00`);
  assert.match(gp.UID, /^[0-9a-f]{32}@waymark$/);
  assert.ok(!gp.UID.includes(ids.gp), 'the UID is not our id');
  const cancelled = cal.events.find((e) => e.STATUS === 'CANCELLED');
  assert.equal(cancelled.SUMMARY, 'Cancelled: Sexual health appointment — A.B.');
  assert.equal(cancelled.DESCRIPTION, 'Interpreter needed: not booked yet.');
  // Every property once: the hostile place made no property of its own.
  for (const ev of cal.events) {
    for (const [k, v] of Object.entries(ev)) assert.ok(!Array.isArray(v), `${k} came more than once`);
    assert.deepEqual(Object.keys(ev).sort(), ['CLASS', 'DESCRIPTION', 'DTEND', 'DTSTAMP', 'DTSTART',
      'LOCATION', 'SEQUENCE', 'STATUS', 'SUMMARY', 'UID']);
  }
  // Stable from one fetch to the next.
  const again = parse((await s.call('GET', feedPath)).text);
  assert.deepEqual(again.events.map((e) => e.UID).sort(), cal.events.map((e) => e.UID).sort());
});

test('initials only: no name, no language, nothing of another caseload or another window', async () => {
  const text = (await s.call('GET', feedPath)).text;
  for (const word of ['Ardita', 'Berisha', 'Xhafaj', 'Teuta', 'Krasniqi', 'Mirela', 'Zana', 'sq']) {
    assert.ok(!text.includes(word), `${word} is in the feed`);
  }
  for (const place of ['Closed case surgery', 'Colleague surgery', 'Other agency surgery', 'Too far ahead', 'Too long ago']) {
    assert.ok(!text.includes(place), `${place} is in the feed`);
  }
  assert.ok(!text.includes(ids.mine) && !text.includes(ids.gp), 'no id of ours');
});

test('a place name with a line break is refused, so no property can be injected', async () => {
  const r = await s.call('POST', `/api/v1/survivors/${ids.mine}/appointments`, { token: ctx.tokens.advocate,
    body: { kind: 'gp', starts_at: `${day(4)}T09:00:00Z`, provider: 'Surgery\r\nSUMMARY:Injected\r\nATTENDEE:mailto:x@example.org' } });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.field, 'provider');
  assert.equal(parse((await s.call('GET', feedPath)).text).events.length, 2);
});

test('each fetch is a read of each survivor shown, in their access log', async () => {
  const before = await s.call('GET', `/api/v1/survivors/${ids.mine}/access-log?limit=500`, { token: ctx.tokens.manager });
  const count = (log) => log.json.items.filter((e) => e.route === '/cal/{token}.ics').length;
  assert.equal((await s.call('GET', feedPath)).status, 200);
  const after1 = await s.call('GET', `/api/v1/survivors/${ids.mine}/access-log?limit=500`, { token: ctx.tokens.manager });
  assert.equal(count(after1), count(before) + 1, 'one entry a fetch');
  const entry = after1.json.items.find((e) => e.route === '/cal/{token}.ics');
  assert.equal(entry.action, 'read');
  assert.equal(entry.user_id, ctx.users.advocate.id);
  assert.equal(entry.role, 'advocate');
  const closedLog = await s.call('GET', `/api/v1/survivors/${ids.closed}/access-log?limit=500`, { token: ctx.tokens.manager });
  assert.equal(count(closedLog), 0, 'a survivor not shown is not read');
});

test('only advocates have a feed', async () => {
  for (const role of ['manager', 'clinician', 'analyst', 'admin']) {
    const r = await s.call('POST', '/api/v1/me/calendar-feed', { token: ctx.tokens[role] });
    assert.equal(r.status, 403, role);
  }
  assert.equal((await s.call('POST', '/api/v1/me/calendar-feed')).status, 401);
});

test('a new feed replaces the old; revoking ends it at once; unknown and revoked answer alike', async () => {
  const unknown = await s.call('GET', `/cal/${'A'.repeat(43)}.ics`);
  assert.equal(unknown.status, 404);
  const made = await s.call('POST', '/api/v1/me/calendar-feed', { token: ctx.tokens.advocate });
  const newPath = new URL(made.json.url).pathname;
  assert.notEqual(newPath, feedPath);
  const old = await s.call('GET', feedPath);
  assert.equal(old.status, 404);
  assert.equal(old.text, unknown.text);
  assert.equal((await s.call('GET', newPath)).status, 200);
  const del = await s.call('DELETE', '/api/v1/me/calendar-feed', { token: ctx.tokens.advocate });
  assert.equal(del.status, 204);
  const gone = await s.call('GET', newPath);
  assert.equal(gone.status, 404);
  assert.equal(gone.text, unknown.text);
  assert.deepEqual((await s.call('GET', '/api/v1/me/calendar-feed', { token: ctx.tokens.advocate })).json, { exists: false, created_at: null });
  assert.equal((await s.call('DELETE', '/api/v1/me/calendar-feed', { token: ctx.tokens.advocate })).status, 204);
  assert.equal((await s.call('GET', `/cal/${newPath.slice(5, -4)}`)).status, 404, 'the suffix is part of the address');
  // Both changes are in the account trail the organisation's managers read.
  const events = await s.call('GET', '/api/v1/account-events', { token: ctx.tokens.manager });
  const mine = events.json.items.filter((e) => e.target_id === ctx.users.advocate.id).map((e) => e.action);
  assert.ok(mine.includes('user.calendar_feed') && mine.includes('user.calendar_feed_off'), mine.join());
});

test('a disabled account\'s feed answers 404', async () => {
  const made = await s.call('POST', '/api/v1/me/calendar-feed', { token: ctx.tokens.advocate2 });
  const path = new URL(made.json.url).pathname;
  const text = (await s.call('GET', path)).text;
  assert.equal(parse(text).events[0].SUMMARY, 'GP appointment — M.D.');
  assert.ok(!text.includes('Ardita B') && !text.includes('Riverside'), 'not another advocate\'s caseload');
  const u = await s.call('GET', `/api/v1/users/${ctx.users.advocate2.id}`, { token: ctx.tokens.admin });
  const off = await s.call('PATCH', `/api/v1/users/${ctx.users.advocate2.id}`, { token: ctx.tokens.admin, body: { version: u.json.version, disabled: true } });
  assert.equal(off.status, 200, off.text);
  assert.equal((await s.call('GET', path)).status, 404);
});

test('the settings page makes and revokes a feed without JavaScript', async () => {
  const cookies = new Map();
  const jar = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const go = async (path, fields) => {
    const res = await fetch(s.base + path, {
      method: fields ? 'POST' : 'GET', redirect: 'manual', body: fields && new URLSearchParams(fields).toString(),
      headers: { Accept: 'text/html', Cookie: jar(), ...(fields && { 'Content-Type': 'application/x-www-form-urlencoded' }) },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const i = pair.indexOf('=');
      cookies.set(pair.slice(0, i), pair.slice(i + 1));
    }
    return { status: res.status, text: await res.text() };
  };
  const csrf = (html) => html.match(/name="csrf" value="([^"]+)"/)[1];
  const home = await go('/');
  assert.equal((await go('/sign-in', { csrf: csrf(home.text), username: 'advocate', password: PASSWORD })).status, 303);
  const page = await go('/settings');
  assert.match(page.text, /Calendar feed/);
  assert.match(page.text, /Create a calendar feed/);
  const made = await go('/settings/calendar-feed', { csrf: csrf(page.text) });
  assert.equal(made.status, 200);
  const url = made.text.match(/id="feed-url"[^>]*value="([^"]+)"/)[1];
  assert.match(url, /\/cal\/[A-Za-z0-9_-]{43}\.ics$/);
  assert.match(made.text, /Keep it secret/);
  assert.equal((await s.call('GET', new URL(url).pathname)).status, 200);
  const later = await go('/settings');
  assert.ok(!later.text.includes(new URL(url).pathname), 'shown once');
  assert.match(later.text, /Revoke the calendar feed/);
  assert.equal((await go('/settings/calendar-feed/revoke', { csrf: csrf(later.text) })).status, 303);
  assert.equal((await s.call('GET', new URL(url).pathname)).status, 404);
});

test('no token is in any log line', async () => {
  await s.stop();
  const tokens = [...s.stderr.matchAll(/[A-Za-z0-9_-]{43}/g)];
  assert.deepEqual(tokens.map((m) => m[0]), [], 'nothing shaped like a token');
  assert.ok(!s.stderr.includes('/cal/') || /\/cal\/\{token\}\.ics/.test(s.stderr));
  assert.match(s.stderr, /\/cal\/\{token\}\.ics/, 'the feed is logged by its pattern');
});
