// The web pages' sessions over plain HTTP: the sign-in form, the sealed
// session cookie, CSRF, the idle time-out, sign-out, security headers, the
// static files, and that the pages keep the API's lock-out and audit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { Server, PASSWORD, survivorBody } from './harness.mjs';

let s;
let ctx;

before(async () => {
  s = await Server.start(['--trusted-proxy', '127.0.0.2']);
  ctx = await s.seed();
  const r = await s.call('POST', '/api/v1/survivors', {
    token: ctx.tokens.advocate, body: survivorBody({ advocate_id: ctx.users.advocate.id }),
  });
  assert.equal(r.status, 201);
  ctx.survivor = r.json;
});
after(async () => { await s.destroy(); });

// A tiny browser: keeps cookies, never follows redirects.
class Jar {
  constructor() { this.cookies = new Map(); }
  header() { return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '); }
  take(res) {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i);
      const value = pair.slice(i + 1);
      if (/max-age=0/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  async get(path, headers = {}) {
    const res = await fetch(s.base + path, { redirect: 'manual', headers: { Accept: 'text/html', Cookie: this.header(), ...headers } });
    this.take(res);
    return { status: res.status, headers: res.headers, text: await res.text() };
  }
  async post(path, fields, headers = {}) {
    const res = await fetch(s.base + path, {
      method: 'POST', redirect: 'manual', body: new URLSearchParams(fields).toString(),
      headers: { Accept: 'text/html', Cookie: this.header(), 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    });
    this.take(res);
    return { status: res.status, headers: res.headers, text: await res.text() };
  }
}

const csrfOf = (html) => (html.match(/name="csrf" value="([^"]+)"/) || [])[1];

async function signIn(username, password = PASSWORD) {
  const jar = new Jar();
  const page = await jar.get('/');
  const r = await jar.post('/sign-in', { csrf: csrfOf(page.text), username, password });
  return { jar, r };
}

test('the sign-in page: a form with its CSRF token, and the security headers', async () => {
  const jar = new Jar();
  const r = await jar.get('/');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/html/);
  assert.match(r.text, /<form action="\/sign-in" method="post"/);
  assert.match(r.text, /<label class="nhsuk-label" for="username">Username<\/label>/);
  assert.match(r.text, /<title>Sign in – Waymark<\/title>/);
  assert.ok(csrfOf(r.text));
  const csp = r.headers.get('content-security-policy');
  assert.match(csp, /script-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
  assert.equal(r.headers.get('cache-control'), 'no-store');
  const pre = r.headers.getSetCookie().find((c) => c.startsWith('wm_pre='));
  assert.match(pre, /HttpOnly/);
  assert.match(pre, /SameSite=Strict/);
  assert.doesNotMatch(pre, /Secure/); // plain HTTP, no proxy
});

test('a wrong password shows the error summary, keeps the username, and sets no session', async () => {
  const { jar, r } = await signIn('advocate', 'not the password');
  assert.equal(r.status, 401);
  assert.match(r.text, /There is a problem/);
  assert.match(r.text, /<title>Error: Sign in – Waymark<\/title>/);
  assert.match(r.text, /id="username"[^>]*value="advocate"/);
  assert.ok(!jar.cookies.has('wm_session'));
});

test('signing in sets a sealed HttpOnly SameSite cookie and shows the dashboard', async () => {
  const { jar, r } = await signIn('advocate');
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), '/');
  const line = r.headers.getSetCookie().find((c) => c.startsWith('wm_session='));
  assert.match(line, /HttpOnly/);
  assert.match(line, /SameSite=Strict/);
  assert.match(line, /Path=\//);
  const value = jar.cookies.get('wm_session');
  assert.ok(value.length > 60);
  assert.ok(!value.includes('advocate') && !value.includes(ctx.users.advocate.id));
  const home = await jar.get('/');
  assert.equal(home.status, 200);
  assert.match(home.text, /<h1[^>]*>Your caseload/);
  assert.match(home.text, /<span class="wm-name">Ardita<\/span>/);
  assert.match(home.text, /action="\/sign-out"/);
  // Each page seals the cookie afresh (the idle time-out runs from it).
  assert.ok(home.headers.getSetCookie().some((c) => c.startsWith('wm_session=')));
  assert.doesNotMatch(home.text, /Ardita[^<]*<\/title>/);
});

test('behind a trusted proxy that says https, the cookies are Secure', async () => {
  // The trusted proxy is 127.0.0.2: connect from there.
  const cookies = await new Promise((res, rej) => {
    const req = request({
      host: '127.0.0.1', port: s.port, path: '/', localAddress: '127.0.0.2',
      headers: { Accept: 'text/html', 'X-Forwarded-For': '203.0.113.9', 'X-Forwarded-Proto': 'https' },
    }, (r) => { r.resume(); r.on('end', () => res(r.headers['set-cookie'] || [])); });
    req.on('error', rej);
    req.end();
  });
  assert.ok(cookies.length > 0);
  assert.ok(cookies.every((c) => /; Secure/.test(c)), cookies.join('\n'));
});

test('X-Forwarded-Proto from a client that is not a trusted proxy does not make the cookie Secure', async () => {
  const hdr = { 'X-Forwarded-For': '203.0.113.9', 'X-Forwarded-Proto': 'https' };
  const page = await fetch(s.base + '/', { headers: { Accept: 'text/html', ...hdr } });
  const cookies = page.headers.getSetCookie();
  assert.ok(cookies.length > 0);
  assert.ok(cookies.every((c) => !/Secure/.test(c)));
});

test('a form without its CSRF token is refused and changes nothing; the session survives', async () => {
  const { jar } = await signIn('advocate');
  const r = await jar.post('/sign-out', {});
  assert.equal(r.status, 403);
  const wrong = await jar.post('/sign-out', { csrf: 'x'.repeat(43) });
  assert.equal(wrong.status, 403);
  const home = await jar.get('/');
  assert.match(home.text, /Your caseload/);
  // A form that says it came from another site is refused too.
  const cross = await jar.post('/sign-out', { csrf: csrfOf(home.text) }, { Origin: 'https://evil.example' });
  assert.equal(cross.status, 403);
  assert.match((await jar.get('/')).text, /Your caseload/);
});

test('signing out ends the session on the server: the old cookie no longer works', async () => {
  const { jar } = await signIn('advocate');
  const old = jar.cookies.get('wm_session');
  const home = await jar.get('/');
  const r = await jar.post('/sign-out', { csrf: csrfOf(home.text) });
  assert.equal(r.status, 303);
  assert.ok(!jar.cookies.has('wm_session'));
  const again = new Jar();
  again.cookies.set('wm_session', old);
  const page = await again.get('/');
  assert.match(page.text, /<h1 class="nhsuk-heading-l">Sign in<\/h1>/);
});

test('a tampered cookie is treated as signed out and cleared', async () => {
  const { jar } = await signIn('advocate');
  const v = jar.cookies.get('wm_session');
  jar.cookies.set('wm_session', v.slice(0, 20) + (v[20] === 'A' ? 'B' : 'A') + v.slice(21));
  const page = await jar.get('/');
  assert.match(page.text, /Sign in<\/h1>/);
  assert.ok(page.headers.getSetCookie().some((c) => /^wm_session=;/.test(c)));
});

test('a page needing sign-in sends someone signed out to the sign-in page', async () => {
  const r = await new Jar().get('/password');
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), '/');
});

test('the lock-out of the API applies to the sign-in form', async () => {
  for (let i = 0; i < 5; i++) {
    const { r } = await signIn('advocate2', 'wrong ' + i);
    assert.equal(r.status, 401);
  }
  const { r, jar } = await signIn('advocate2');
  assert.equal(r.status, 429);
  assert.match(r.text, /too many attempts/);
  assert.ok(!jar.cookies.has('wm_session'));
});

test('a dashboard page is a read of each survivor shown, audited like the API', async () => {
  const log = async () => (await s.call('GET', `/api/v1/survivors/${ctx.survivor.id}/access-log?limit=500`, { token: ctx.tokens.manager })).json.items;
  const dashboardReads = (items) => items.filter((e) => e.route === '/api/v1/dashboard' && e.action === 'read');
  const before = dashboardReads(await log()).length;
  const { jar } = await signIn('advocate');
  const page = await jar.get('/');
  assert.match(page.text, /Ardita/);
  const after = dashboardReads(await log());
  assert.equal(after.length, before + 1);
});

test('the design system is served from our own origin; nothing else is', async () => {
  const css = await fetch(s.base + '/assets/nhsuk-frontend.min.css');
  assert.equal(css.status, 200);
  assert.match(css.headers.get('content-type'), /^text\/css/);
  assert.match(css.headers.get('cache-control'), /max-age/);
  const text = await css.text();
  assert.doesNotMatch(text, /assets\.nhs\.uk/); // no font from a third party
  const js = await fetch(s.base + '/assets/waymark.mjs');
  assert.match(js.headers.get('content-type'), /^text\/javascript/);
  for (const p of ['/assets/../etc/passwd', '/assets/%2e%2e/waymark.db', '/assets/', '/assets/nope.css']) {
    const r = await fetch(s.base + p);
    assert.ok(r.status === 404 || r.status === 400, p + ' ' + r.status);
  }
  assert.equal((await fetch(s.base + '/assets/waymark.css', { method: 'POST', body: 'x', headers: { 'Content-Type': 'application/json' } })).status, 405);
});

test('an unknown page is an HTML page for a browser and the API error shape for a program', async () => {
  const html = await new Jar().get('/no-such-page');
  assert.equal(html.status, 404);
  assert.match(html.text, /Page not found/);
  const api = await s.call('GET', '/no-such-page');
  assert.equal(api.status, 404);
  assert.equal(api.json.error.code, 'not_found');
});

test('a form body is still refused under /api/', async () => {
  const r = await fetch(s.base + '/api/v1/login', { method: 'POST', body: 'username=a&password=b', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  assert.equal(r.status, 415);
});

test('a form that is not valid UTF-8 or not a form is refused without a change', async () => {
  const { jar } = await signIn('advocate');
  const res = await fetch(s.base + '/sign-out', {
    method: 'POST', redirect: 'manual', body: 'csrf=%FF%FE', headers: { Cookie: jar.header(), 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'text/html' },
  });
  assert.equal(res.status, 400);
  assert.match((await jar.get('/')).text, /Your caseload/);
});

test('after 30 idle minutes the session ends: signed out, with a plain reason', async () => {
  const { jar } = await signIn('advocate');
  await s.stop();
  await s.spawn(['--clock-offset', String(31 * 60)]);
  const page = await jar.get('/');
  assert.match(page.text, /Sign in<\/h1>/);
  assert.match(page.text, /not used for 30 minutes/);
  assert.ok(!jar.cookies.has('wm_session'));
  await s.stop();
  await s.spawn();
});
