// The HTTP edge, part 2: bodies are JSON only (415 otherwise), HEAD works on
// every GET route, and paths are matched before they are decoded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, survivorBody, ADMIN_PASSWORD, run, addRecordExamples } from './harness.mjs';
import { exchange, parse } from './edge-net.mjs';

let s, ctx, rec;
before(async () => {
  s = await Server.start();
  ctx = await s.seed();
  rec = (await s.call('POST', '/api/v1/survivors', { token: ctx.tokens.advocate, body: survivorBody() })).json;
});
after(async () => { await s.destroy(); });

const login = JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD });

test('a body that is not declared JSON answers 415, before any handler', async () => {
  for (const type of [undefined, 'text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x', 'application/jsonp', 'application/json-seq', 'application/problem+json', 'json']) {
    const headers = type ? { 'Content-Type': type } : {};
    // fetch adds text/plain to a string body when no type is given: a Blob without type sends none.
    const raw = type ? login : new Blob([login]);
    const r = await s.call('POST', '/api/v1/login', { raw, headers });
    assert.equal(r.status, 415, String(type));
    assert.equal(r.json.error.code, 'unsupported_media_type', String(type));
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(r.headers.get('cache-control'), 'no-store');
  }
  // Nothing was created by a refused body either.
  const before = (await s.call('GET', '/api/v1/survivors', { token: ctx.tokens.advocate })).json.items.length;
  const c = await s.call('POST', '/api/v1/survivors', { token: ctx.tokens.advocate, raw: JSON.stringify(survivorBody()), headers: { 'Content-Type': 'text/plain' } });
  assert.equal(c.status, 415);
  assert.equal((await s.call('GET', '/api/v1/survivors', { token: ctx.tokens.advocate })).json.items.length, before);
});

test('application/json is accepted in any case and with parameters', async () => {
  for (const type of ['application/json', 'Application/JSON', 'application/json; charset=utf-8', 'application/json;charset=UTF-8', 'application/json ; charset=utf-8']) {
    const r = await s.call('POST', '/api/v1/login', { raw: login, headers: { 'Content-Type': type } });
    assert.equal(r.status, 200, type);
  }
});

test('a chunked body needs the JSON type too', async () => {
  const chunk = `${login.length.toString(16)}\r\n${login}\r\n0\r\n\r\n`;
  const plain = parse((await exchange(s.port, `POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n${chunk}`)).text);
  assert.equal(plain.status, 415);
  const json = parse((await exchange(s.port, `POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunk}`, { ms: 30000 })).text); // a sign-in (Argon2id) may be slow on a busy machine; the server closes when done
  assert.equal(json.status, 200);
});

test('a request without a body needs no type', async () => {
  const token = await s.login('advocate');
  assert.equal((await s.call('GET', '/api/v1/me', { token })).status, 200);
  const r = parse((await exchange(s.port, `POST /api/v1/logout HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`)).text);
  assert.equal(r.status, 204);
  assert.equal((await s.call('GET', '/api/v1/me', { token })).status, 401);
});

test('HEAD answers on every GET route as GET does, without a body', async () => {
  // The server's own route table, as `waymark routes` prints it.
  const gets = run(['routes']).stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/))
    .filter(([m]) => m === 'GET').map(([, p]) => p);
  assert.ok(gets.length >= 5);
  const items = await addRecordExamples(s, ctx.tokens.advocate, rec.id);
  // A snooze is made through the alerts, not under the record.
  const until = new Date(Date.now() + 5 * 86400e3).toISOString().slice(0, 10);
  items.snoozes = (await s.call('POST', '/api/v1/alerts/snoozes', {
    token: ctx.tokens.advocate, body: { survivor_id: rec.id, rule: 'plan_missing', until, reason: 'Plan meeting booked' },
  })).json.id;
  // The advocate's calendar feed, whose URL is its own key.
  const feed = (await s.call('POST', '/api/v1/me/calendar-feed', { token: ctx.tokens.advocate })).json;
  const feedPath = new URL(feed.url, 'http://x').pathname;
  // (an appointment's card is of that appointment)
  const kindOf = (p) => p.replace(/^\/api\/v1\/survivors\/\{id\}\//, '').replace('/{item_id}', '').replace(/\/card\.pdf$/, '');
  for (const pattern of gets) {
    const path = pattern === '/cal/{token}.ics' ? feedPath : pattern.replace('/users/{id}', `/users/${ctx.users.advocate.id}`)
      .replace('/orgs/{id}', `/orgs/${ctx.orgs.agency.id}`)
      .replace('{item_id}', items[kindOf(pattern)]).replace('{id}', rec.id)
      + (pattern.startsWith('/api/v1/reports/') ? '?from=2026-01-01&to=2026-03-31' : ''); // a period is required
    // Who may GET each: an administrator the accounts, an advocate their
    // calendar feed, the feed's URL nobody else (no token), a manager the rest.
    const token = path.includes('/users') ? ctx.tokens.admin
      : path.includes('/calendar-feed') ? ctx.tokens.advocate
        : path.startsWith('/cal/') ? undefined : ctx.tokens.manager;
    const g = await s.call('GET', path, { token });
    const h = await s.call('HEAD', path, { token });
    assert.equal(h.status, g.status, path);
    assert.ok(g.status === 200, `${path}: ${g.status}`);
    assert.equal(h.text, '', path);
    assert.equal(h.headers.get('x-content-type-options'), 'nosniff');
  }
  // Without a token, HEAD is refused as GET is.
  assert.equal((await s.call('HEAD', '/api/v1/me')).status, 401);
});

test('405 lists HEAD beside GET in Allow', async () => {
  const r = await s.call('DELETE', '/healthz');
  assert.equal(r.status, 405);
  assert.equal(r.headers.get('allow'), 'GET, HEAD');
  const l = await s.call('HEAD', '/api/v1/login');
  assert.equal(l.status, 405);
  assert.equal(l.headers.get('allow'), 'POST');
  const v = await s.call('DELETE', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.advocate });
  assert.equal(v.headers.get('allow'), 'GET, HEAD, PATCH');
});

// Over a raw socket, so that nothing on the way rewrites the path.
async function rawGet(path, token) {
  const r = await exchange(s.port, `GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`);
  return parse(r.text);
}

test('%2F is never a path separator', async () => {
  const t = ctx.tokens.advocate;
  assert.equal((await rawGet(`/api/v1/survivors/${rec.id}`, t)).status, 200);
  for (const path of [`/api/v1/survivors%2F${rec.id}`, `/api/v1/survivors%2f${rec.id}`, '/api/v1%2Fme', `/api%2Fv1%2Fsurvivors%2F${rec.id}`]) {
    const r = await rawGet(path, t);
    assert.equal(r.status, 404, path);
    assert.equal(r.json.error.code, 'not_found');
  }
  // Inside a parameter, %2F is a character of the id: no such record.
  const p = await rawGet(`/api/v1/survivors/${rec.id}%2Faccess-log`, ctx.tokens.manager);
  assert.equal(p.status, 404);
});

test('literal segments match their exact spelling; parameters are decoded', async () => {
  const t = ctx.tokens.advocate;
  assert.equal((await rawGet('/api/v1/%6De', t)).status, 404);
  const first = rec.id.charCodeAt(0).toString(16);
  const r = await rawGet(`/api/v1/survivors/%${first}${rec.id.slice(1)}`, t);
  assert.equal(r.status, 200);
  assert.equal(r.json.id, rec.id);
});

test('%00 anywhere in the path or query is 400, never a shorter path or query', async () => {
  const t = ctx.tokens.advocate;
  for (const path of [`/api/v1/survivors/${rec.id}%00`, `/api/v1/survivors/${rec.id}%00/access-log`, '/api/v1/me%00',
    '/api/v1/survivors?q=Ardita%00x', '/api/v1/survivors?status=active%00', '/api/v1/survivors?q%00=x', '/healthz?%00']) {
    const r = await rawGet(path, t);
    assert.equal(r.status, 400, path);
    assert.equal(r.json.error.code, 'bad_request', path);
  }
});

test('a bad escape or a control character in the target is 400', async () => {
  const t = ctx.tokens.advocate;
  for (const path of ['/api/v1/survivors/%zz', '/api/v1/survivors/%4', '/api/v1/survivors?q=%', '/healthz?x=%G0', '/healthz\x01']) {
    const r = await rawGet(path, t);
    assert.equal(r.status, 400, JSON.stringify(path));
  }
});
