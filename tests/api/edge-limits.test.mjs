// The HTTP edge, part 3: abuse limits. Slow clients lose their connections
// at a deadline and cannot take every connection; one address holds a
// bounded number; logins share the hashing fairly between addresses and
// usernames; behind a trusted proxy the limits apply per real client.
// Loops are bounded in count and time; source addresses are loopback ones.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Server, ADMIN_PASSWORD } from './harness.mjs';
import { call, parse, sleep } from './edge-net.mjs';

let s, ctx;
before(async () => {
  s = await Server.start();
  ctx = await s.seed();
});
after(async () => { await s.destroy(); });

// Another server on the same database, with its own flags.
async function withServer(flags, fn) {
  const t = new Server();
  t.dir = s.dir;
  t.db = s.db;
  await t.spawn(flags);
  try { return await fn(t); } finally { await t.stop(); }
}

// Opens a connection from `from` and resolves once it is up (or refused).
function open(port, from) {
  return new Promise((resolve) => {
    const sock = connect({ port, host: '127.0.0.1', localAddress: from });
    sock.on('error', () => {});
    sock.on('connect', () => resolve(sock));
    sock.on('close', () => resolve(sock));
  });
}

// Waits (bounded) until every socket is closed; returns how many are.
async function closedWithin(socks, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && socks.some((x) => !x.destroyed && x.readyState !== 'closed')) await sleep(100);
  return socks.filter((x) => x.destroyed || x.readyState === 'closed').length;
}

test('a slow-loris loses its connections at the deadline, while others are served', async () => {
  await withServer(['--header-timeout', '2', '--body-timeout', '2', '--max-connections-per-client', '4'], async (t) => {
    const slow = [];
    for (const from of ['127.0.0.2', '127.0.0.3', '127.0.0.4']) {
      for (let i = 0; i < 4; i++) {
        const sock = await open(t.port, from);
        sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
        slow.push(sock);
      }
    }
    // Headers a byte at a time (each byte resets an idle timeout, not a deadline).
    let stop = false;
    const trickle = (async () => {
      for (let i = 0; i < 100 && !stop; i++) {
        for (const sock of slow) if (!sock.destroyed) sock.write('X');
        await sleep(200);
      }
    })();
    // Meanwhile the service answers others, signed-in users included.
    const token = await t.login('advocate');
    for (let i = 0; i < 5; i++) {
      assert.equal((await call(t.port, 'GET', '/healthz')).status, 200);
      assert.equal((await call(t.port, 'GET', '/api/v1/me', { headers: { Authorization: `Bearer ${token}` } })).status, 200);
    }
    const closed = await closedWithin(slow, 15000);
    stop = true;
    await trickle;
    assert.equal(closed, slow.length, 'every slow connection was closed by the server');
    assert.equal((await call(t.port, 'GET', '/healthz')).status, 200);
  });
});

test('near the connection limit, the connections waiting longest make room', async () => {
  await withServer(['--max-connections', '20', '--max-connections-per-client', '100', '--header-timeout', '60'], async (t) => {
    // Twenty connections that never send a byte, from one address: all there is.
    const idle = [];
    for (let i = 0; i < 20; i++) idle.push(await open(t.port, '127.0.0.60'));
    const isClosed = (x) => x.destroyed || x.readyState === 'closed';
    // Long before their 60-second deadline, the oldest are closed to make room...
    const deadline = Date.now() + 15000;
    while (Date.now() < deadline && idle.filter(isClosed).length < 2) await sleep(100);
    assert.ok(idle.filter(isClosed).length >= 2, 'the server made room');
    // ...so a newcomer is served.
    for (let i = 0; i < 5; i++) assert.equal((await call(t.port, 'GET', '/healthz', { from: '127.0.0.61' })).status, 200);
    for (const x of idle) x.destroy();
  });
});

test('a body sent slowly loses its connection at the body deadline', async () => {
  await withServer(['--header-timeout', '5', '--body-timeout', '2'], async (t) => {
    const sock = await open(t.port, '127.0.0.5');
    sock.write('POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n');
    let stop = false;
    const trickle = (async () => {
      for (let i = 0; i < 100 && !stop && !sock.destroyed; i++) { sock.write(' '); await sleep(200); }
    })();
    const closed = await closedWithin([sock], 15000);
    stop = true;
    await trickle;
    assert.equal(closed, 1);
  });
});

test('an idle connection is closed at the header deadline, and answers say so', async () => {
  await withServer(['--header-timeout', '2'], async (t) => {
    const r = await call(t.port, 'GET', '/healthz');
    assert.equal(r.headers['keep-alive'], 'timeout=2');
    const sock = await open(t.port, '127.0.0.6');
    assert.equal(await closedWithin([sock], 15000), 1);
  });
});

test('one address holds at most --max-connections-per-client connections', async () => {
  await withServer(['--max-connections-per-client', '4'], async (t) => {
    const socks = [];
    for (let i = 0; i < 10; i++) socks.push(await open(t.port, '127.0.0.7'));
    // The kernel completes a connection before the server takes it up: wait
    // (bounded) until the server has refused the six over the limit, so that
    // none of them is taken up after one of the four was answered and closed.
    const isClosed = (x) => x.destroyed || x.readyState === 'closed';
    const deadline = Date.now() + 8000;
    while (Date.now() < deadline && socks.filter(isClosed).length < 6) await sleep(50);
    const answers = await Promise.all(socks.map((sock) => new Promise((resolve) => {
      if (sock.destroyed) { resolve(''); return; }
      let got = '';
      sock.on('data', (d) => { got += d; });
      sock.on('close', () => resolve(got));
      sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      setTimeout(() => { sock.destroy(); resolve(got); }, 8000).unref();
    })));
    const ok = answers.filter((a) => /^HTTP\/1\.1 200 /.test(a)).length;
    assert.equal(ok, 4, 'the first four are served, the rest refused');
    // Another address is not affected, and the four are given back on close.
    assert.equal((await call(t.port, 'GET', '/healthz', { from: '127.0.0.8' })).status, 200);
    assert.equal((await call(t.port, 'GET', '/healthz', { from: '127.0.0.7' })).status, 200);
  });
});

// Bogus logins from one address, or against one username, must not push out
// another person's login: before, they filled the one shared queue (429).
async function floodThenLogin(t, flood) {
  let firstBusy;
  const busy = new Promise((r) => { firstBusy = r; });
  const floods = flood.map(({ from, username }) => call(t.port, 'POST', '/api/v1/login', {
    from, body: { username, password: 'not the password at all' }, agent: false,
  }).then((r) => { if (r.status === 429) firstBusy(); return r; }));
  // Once the flood is turned away (the queue holds what it may), a real login.
  await Promise.race([busy, sleep(10000)]);
  const real = await call(t.port, 'POST', '/api/v1/login', { from: '127.0.0.99', body: { username: 'admin', password: ADMIN_PASSWORD } });
  const results = await Promise.all(floods);
  return { real, results };
}

test('a flood of logins from one address cannot push out another address\'s login', async () => {
  await withServer(['--max-connections-per-client', '200', '--login-queue', '64'], async (t) => {
    const flood = Array.from({ length: 100 }, (_, i) => ({ from: '127.0.0.20', username: `bogus${i}` }));
    const { real, results } = await floodThenLogin(t, flood);
    assert.equal(real.status, 200, JSON.stringify(real.json));
    assert.ok(real.json.token);
    const statuses = results.map((r) => r.status);
    assert.ok(statuses.every((x) => x === 401 || x === 429), statuses.join());
    assert.ok(statuses.filter((x) => x === 429).length >= 50, 'the flood is turned away past its share');
  });
});

test('a flood against one username from many addresses cannot push out another username', async () => {
  await withServer(['--login-queue', '64'], async (t) => {
    const flood = Array.from({ length: 100 }, (_, i) => ({ from: `127.0.1.${1 + (i % 25)}`, username: 'victim' }));
    const { real, results } = await floodThenLogin(t, flood);
    assert.equal(real.status, 200, JSON.stringify(real.json));
    assert.ok(results.every((r) => r.status === 401 || r.status === 429));
  });
});

test('behind a trusted proxy, each real client has its own rate-limit bucket', async () => {
  await withServer(['--rate-limit', '2', '--trusted-proxy', '127.0.0.1', '--trusted-proxy', '127.0.0.50/31'], async (t) => {
    const get = (from, xff) => call(t.port, 'GET', '/healthz', { from, headers: xff ? { 'X-Forwarded-For': xff } : {} });
    // An exhausted bucket: of a few requests in a row, some are refused
    // (a bucket refills one token per half second, so not all of them).
    const limited = async (from, xff) => {
      const st = [];
      for (let i = 0; i < 4; i++) st.push((await get(from, xff)).status);
      return st.includes(429);
    };
    // One real client runs out...
    const a = [];
    for (let i = 0; i < 10; i++) a.push((await get('127.0.0.1', '192.0.2.1')).status);
    assert.ok(a.includes(429), a.join());
    // ...another behind the same proxy (or the other one) does not share its bucket.
    assert.equal((await get('127.0.0.1', '192.0.2.2')).status, 200);
    assert.equal((await get('127.0.0.51', '192.0.2.3')).status, 200);
    // The client is the first untrusted address from the right.
    assert.ok(await limited('127.0.0.1', '192.0.2.1, 127.0.0.50'));
    assert.equal((await get('127.0.0.1', '192.0.2.1, 192.0.2.4')).status, 200);
    // However long the forged part on the left, the right end counts.
    assert.ok(await limited('127.0.0.1', `${'198.51.100.7, '.repeat(300)}192.0.2.1`));
    // From an address that is not a trusted proxy, the header is ignored.
    const b = [];
    for (let i = 0; i < 10; i++) b.push((await get('127.0.0.30', '192.0.2.10')).status);
    assert.ok(b.includes(429), b.join());
    assert.ok(await limited('127.0.0.30', '192.0.2.11'));
  });
});

test('behind a trusted proxy, the per-client limit counts each real client\'s requests', async () => {
  await withServer(['--trusted-proxy', '127.0.0.1', '--max-connections-per-client', '3', '--body-timeout', '2'], async (t) => {
    // The proxy itself may hold more connections than a client could.
    const held = [];
    for (let i = 0; i < 5; i++) {
      const sock = await open(t.port, '127.0.0.1');
      held.push(sock);
    }
    // Requests whose bodies have not come yet are in progress: three per client.
    const head = (xff) => `POST /api/v1/login HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: ${xff}\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n`;
    const got = held.map(() => '');
    held.forEach((sock, i) => sock.on('data', (d) => { got[i] += d; }));
    for (let i = 0; i < 4; i++) held[i].write(head('198.51.100.1'));
    held[4].write(head('198.51.100.2'));
    // One of the four requests of 198.51.100.1 (whichever the server reads
    // last) is refused at once; the others wait for their bodies, and those
    // never come: they are closed at the body deadline, unanswered.
    const deadline = Date.now() + 10000;
    const refused = () => got.slice(0, 4).filter((g) => /HTTP\/1\.1 429 /.test(g));
    while (Date.now() < deadline && refused().length === 0) await sleep(50);
    assert.equal(refused().length, 1, got.join('|'));
    const r = parse(refused()[0]);
    assert.equal(r.status, 429);
    assert.equal(r.json.error.code, 'rate_limited');
    assert.equal(got.filter((g) => /HTTP\/1\.1 /.test(g)).length, 1, 'the others, and the other client, are not refused');
    for (const sock of held) sock.destroy();
  });
});

test('without --trusted-proxy, X-Forwarded-For changes nothing', async () => {
  await withServer(['--rate-limit', '2'], async (t) => {
    const st = [];
    for (let i = 0; i < 10; i++) st.push((await call(t.port, 'GET', '/healthz', { from: '127.0.0.40', headers: { 'X-Forwarded-For': `192.0.2.${i}` } })).status);
    assert.ok(st.includes(429), st.join());
  });
});

test('bad limit flags are refused', async () => {
  const { run } = await import('./harness.mjs');
  for (const flags of [['--trusted-proxy', 'proxy.example'], ['--trusted-proxy', '10.0.0.0/33'], ['--header-timeout', '0'], ['--max-connections-per-client', 'many']]) {
    const r = run(['serve', '--db', s.db, '--listen', '127.0.0.1:0', ...flags], { timeout: 10000 });
    assert.notEqual(r.status, 0, flags.join(' '));
    assert.match(r.stderr, new RegExp(flags[0]), flags.join(' '));
  }
});
