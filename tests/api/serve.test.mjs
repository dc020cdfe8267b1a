// Server behaviour: rate limit, security headers, the OpenAPI document.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { Server, run } from './harness.mjs';

let s;
before(async () => { s = await Server.start(); });
after(async () => { await s.destroy(); });

test('responses carry security headers and are never cached', async () => {
  const r = await s.call('GET', '/healthz');
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.equal(r.headers.get('x-frame-options'), 'DENY');
  assert.ok(r.headers.get('content-security-policy'));
});

test('the server writes no core file: a crash leaves no record or key on disk', async () => {
  const limits = readFileSync(`/proc/${s.proc.pid}/limits`, 'utf8');
  const line = limits.split('\n').find((l) => l.startsWith('Max core file size'));
  assert.ok(line, limits);
  assert.match(line, /^Max core file size\s+0\s+0\s/);
});

test('the OpenAPI document describes every route the server has', async () => {
  const r = await s.call('GET', '/api/v1/openapi.json');
  assert.equal(r.status, 200);
  assert.match(r.json.openapi, /^3\./);
  // The server's own route table, as `waymark routes` prints it.
  const routes = run(['routes']).stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/));
  assert.ok(routes.length >= 10);
  for (const [method, path] of routes) {
    assert.ok(r.json.paths[path], `${path} is documented`);
    assert.ok(r.json.paths[path][method.toLowerCase()], `${method} ${path} is documented`);
  }
});

test('each client address is rate limited when asked', async () => {
  const limited = new Server();
  limited.dir = s.dir;
  limited.db = s.db;
  await limited.spawn(['--rate-limit', '2']); // later flag wins over the harness's 0
  try {
    const statuses = [];
    let retry = null, body = null;
    for (let i = 0; i < 12; i++) {
      const r = await limited.call('GET', '/healthz');
      statuses.push(r.status);
      if (r.status === 429) { retry = r.headers.get('retry-after'); body = r.json; }
    }
    assert.ok(statuses.filter((x) => x === 200).length >= 4, statuses.join());
    assert.ok(statuses.includes(429), statuses.join());
    assert.ok(Number(retry) >= 1);
    assert.equal(body.error.code, 'rate_limited');
  } finally { await limited.stop(); }
});

// Writes raw bytes to the server and collects what comes back until it
// closes the connection or `ms` pass.
function rawExchange(port, head, { body = null, chunks = 0, ms = 3000 } = {}) {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    let got = '', done = false;
    const finish = (why) => { if (!done) { done = true; sock.destroy(); resolve({ got, why }); } };
    sock.on('data', (d) => { got += d.toString('latin1'); });
    sock.on('close', () => finish('closed'));
    sock.on('error', () => finish('error'));
    setTimeout(() => finish('timeout'), ms);
    sock.write(head);
    if (body) sock.write(body);
    const mib = Buffer.alloc(1024 * 1024, 97);
    (async () => {
      for (let i = 0; i < chunks && !done; i++) {
        const ok = sock.write(`100000\r\n`) && sock.write(mib) && sock.write('\r\n');
        if (!ok) await new Promise((r) => sock.once('drain', r));
      }
    })().catch(() => {});
  });
}

test('a body declared too large is refused before it is sent', async () => {
  const r = await rawExchange(s.port,
    'POST /api/v1/login HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 50000000\r\n\r\n');
  assert.match(r.got, /^HTTP\/1\.1 413 /);
  assert.ok(!r.got.includes('100 Continue'));
  assert.match(r.got, /"payload_too_large"/);
});

test('an endless chunked body is cut off, not read for ever', async () => {
  const r = await rawExchange(s.port,
    'POST /api/v1/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n', { chunks: 64, ms: 15000 });
  assert.notEqual(r.why, 'timeout', 'the server closed the connection');
  assert.equal((await s.call('GET', '/healthz')).status, 200);
});

test('a flood of logins is queued, then turned away with 429, never dropped', async () => {
  const tries = await Promise.all(Array.from({ length: 24 }, (_, i) =>
    s.call('POST', '/api/v1/login', { body: { username: `flood${i}`, password: 'not a real password' } })));
  const statuses = tries.map((t) => t.status);
  assert.ok(statuses.every((x) => x === 401 || x === 429), statuses.join());
  const busy = tries.filter((t) => t.status === 429);
  assert.ok(busy.length >= 1, 'beyond the queue, logins are refused at once');
  // One client's share of the queue is a few logins (--login-queue-per-client).
  assert.ok(statuses.filter((x) => x === 401).length >= 4, 'the queue holds its share');
  for (const b of busy) {
    assert.equal(b.json.error.code, 'rate_limited');
    assert.ok(Number(b.headers.get('retry-after')) >= 1);
  }
  assert.equal((await s.call('GET', '/healthz')).status, 200);
});

test('waymark routes tells who may call each route', () => {
  const out = run(['routes']);
  assert.equal(out.status, 0);
  const rows = Object.fromEntries(out.stdout.trim().split('\n').slice(1)
    .map((l) => l.split(/\s+/)).map(([m, p, act, ...roles]) => [`${m} ${p}`, { act, roles }]));
  assert.deepEqual(rows['GET /healthz'].roles, ['public']);
  assert.deepEqual(rows['GET /api/v1/survivors/{id}'], { act: 'survivor.read', roles: ['manager', 'advocate', 'clinician'] });
  assert.deepEqual(rows['PATCH /api/v1/users/{id}'].roles, ['admin']);
  assert.deepEqual(rows['GET /api/v1/survivors/{id}/access-log'].roles, ['manager']);
  // No signed-in route is left without an action.
  for (const [k, v] of Object.entries(rows)) if (v.roles[0] !== 'public') assert.notEqual(v.act, 'none', k);
});
