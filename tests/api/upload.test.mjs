// The manager's upload page over HTTP (issue 17): the check stores nothing,
// the confirm form carries the file sealed to the session, and the edge
// rules of a file upload - its own size limit, a Content-Length, only on its
// own paths, libmicrohttpd's multipart parser refusing what is malformed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Server } from './harness.mjs';

let s, ctx, manager, advocate;
before(async () => {
  s = await Server.start();
  ctx = await s.seed();
  manager = await s.pageSession('manager');
  advocate = await s.pageSession('advocate');
});
after(async () => { await s.destroy(); });

const CSV = '\ufeffref,known_as,entered_service_on,advocate\r\nUP-1,Ardita,01/10/2026,advocate\r\nUP-2,Blerina,02/10/2026,\r\n';
const list = async () => (await s.call('GET', '/api/v1/survivors?limit=100', { token: ctx.tokens.manager })).json.items;

const page = async (path, cookie = manager) => {
  const r = await fetch(s.base + path, { redirect: 'manual', headers: { Accept: 'text/html', Cookie: cookie } });
  return { status: r.status, text: await r.text() };
};
const csrfOf = (html) => /name="csrf" value="([^"]+)"/.exec(html)[1];

// Posts a multipart form; fields an object, file (text or bytes) optional.
async function post(path, fields, file, cookie = manager) {
  const csrf = csrfOf((await page('/import', cookie)).text);
  const fd = new FormData();
  fd.append('csrf', csrf);
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  if (file !== undefined) fd.append('file', new Blob([file]), 'caseload.csv');
  const r = await fetch(s.base + path, { method: 'POST', body: fd, redirect: 'manual', headers: { Accept: 'text/html', Cookie: cookie } });
  return { status: r.status, text: await r.text() };
}

test('the check stores nothing; the confirm stores the rows, audited as the import page', async () => {
  const checked = await post('/import', {}, CSV);
  assert.equal(checked.status, 200, checked.text);
  assert.match(checked.text, /2 new survivors, 0 already here, 0 rows with problems/);
  assert.match(checked.text, /Import 2 survivors/);
  assert.ok(!/Ardita|Blerina|UP-1/.test(checked.text), 'the page says no name and no ref');
  assert.deepEqual(await list(), []);
  const sealed = /name="sealed" value="([^"]+)"/.exec(checked.text)[1];

  // Another session cannot use it: nothing stored.
  const other = await s.pageSession('manager');
  const replay = await post('/import/confirm', { sealed }, undefined, other);
  assert.equal(replay.status, 422);
  assert.match(replay.text, /expired, or was made in another session/);
  // Nor can it be changed.
  const bent = sealed.slice(0, 40) + (sealed[40] === 'A' ? 'B' : 'A') + sealed.slice(41);
  assert.equal((await post('/import/confirm', { sealed: bent })).status, 422);
  assert.deepEqual(await list(), []);

  const done = await post('/import/confirm', { sealed });
  assert.equal(done.status, 200, done.text);
  assert.match(done.text, /2 survivors were added/);
  const got = await list();
  assert.deepEqual(got.map((x) => x.known_as).sort(), ['Ardita', 'Blerina']);
  const ardita = got.find((x) => x.known_as === 'Ardita');
  assert.equal(ardita.advocate_id, ctx.users.advocate.id);
  const log = (await s.call('GET', `/api/v1/survivors/${ardita.id}/access-log`, { token: ctx.tokens.manager })).json.items;
  assert.deepEqual(log.filter((e) => e.action === 'create').map((e) => [e.route, e.user_id]), [['/import', ctx.users.manager.id]]);

  // The same confirm again creates no one twice.
  const again = await post('/import/confirm', { sealed });
  assert.equal(again.status, 200, again.text);
  assert.match(again.text, /0 survivors were added/);
  assert.equal((await list()).length, 2);
});

test('the agency\'s own headings are mapped to ours, and carried to the import', async () => {
  const theirs = 'Case no,Name,Started\r\nMAP-1,Chiamaka,03/10/2026\r\n';
  const map = 'Case no = ref\r\n\r\n  Name=known_as  \r\nStarted = entered_service_on';
  const refused = await post('/import', {}, theirs);
  assert.equal(refused.status, 422);
  assert.match(refused.text, /Case no<\/bdi>/);
  const bad = await post('/import', { map: 'Case no = ref\nName = surname' }, theirs);
  assert.equal(bad.status, 422);
  assert.match(bad.text, /Line 2 of your own headings must be your heading, then =, then a column of the template/);
  assert.match(bad.text, /href="#map"/);
  const checked = await post('/import', { map }, theirs);
  assert.equal(checked.status, 200, checked.text);
  assert.match(checked.text, /1 new survivor,/);
  const sealed = /name="sealed" value="([^"]+)"/.exec(checked.text)[1];
  const done = await post('/import/confirm', { sealed });
  assert.equal(done.status, 200, done.text);
  assert.match(done.text, /1 survivor was added/);
  const c = (await list()).find((x) => x.known_as === 'Chiamaka');
  assert.equal(c.entered_service_on, '2026-10-03');
});

test('only a manager may import: an advocate is refused, and nothing is stored', async () => {
  assert.equal((await page('/import', advocate)).status, 403);
  const r = await post('/import', {}, 'ref,known_as,entered_service_on\r\nADV-1,Esi,01/10/2026\r\n', advocate);
  assert.equal(r.status, 403);
  assert.ok(!(await list()).some((x) => x.known_as === 'Esi'));
});

test('a file that is not a caseload says why, with the form again', async () => {
  const empty = await post('/import', {}, '');
  assert.equal(empty.status, 422);
  assert.match(empty.text, /Choose a CSV file or an Excel workbook/);
  const latin = await post('/import', {}, Buffer.from('ref,known_as,entered_service_on\r\nL-1,Zo\xeb,01/10/2026\r\n', 'latin1'));
  assert.equal(latin.status, 422);
  assert.match(latin.text, /not UTF-8 text/);
  const read = await post('/import', { encoding: 'cp1252' }, Buffer.from('ref,known_as,entered_service_on\r\nL-1,Zo\xeb,01/10/2026\r\n', 'latin1'));
  assert.equal(read.status, 200, read.text);
  assert.match(read.text, /1 new survivor,/);
  const header = await post('/import', {}, 'ref,<b>Surname</b>,entered_service_on\r\nH-1,x,01/10/2026\r\n');
  assert.equal(header.status, 422);
  assert.match(header.text, /&lt;b&gt;Surname&lt;\/b&gt;/, 'a heading is shown escaped');
  assert.ok(!header.text.includes('<b>Surname'));
});

// ---- the edge rules of an upload ----

const raw = (request) => new Promise((resolve, reject) => {
  const u = new URL(s.base);
  const sock = net.connect(Number(u.port), u.hostname);
  let got = '';
  sock.setTimeout(20_000, () => { sock.destroy(); reject(new Error('no answer')); });
  sock.on('data', (d) => { got += d.toString('latin1'); });
  sock.on('end', () => resolve(got));
  sock.on('close', () => resolve(got));
  sock.on('error', () => resolve(got));
  sock.end(request);
});
const status = (text) => Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);

test('a file upload is refused where it is not taken, chunked, or too large', async () => {
  const host = new URL(s.base).host;
  const body = '--X\r\nContent-Disposition: form-data; name="csrf"\r\n\r\nx\r\n--X--\r\n';
  const head = (path, extra) => `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nCookie: ${manager}\r\nAccept: text/html\r\nConnection: close\r\nContent-Type: multipart/form-data; boundary=X\r\n${extra}\r\n`;
  // Only the upload paths take multipart: not another page, not the API.
  assert.equal(status(await raw(head('/settings', `Content-Length: ${body.length}\r\n`) + body)), 415);
  assert.equal(status(await raw(head('/api/v1/survivors', `Content-Length: ${body.length}\r\n`) + body)), 415);
  // A file comes with its length.
  const chunk = `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
  assert.equal(status(await raw(head('/import', 'Transfer-Encoding: chunked\r\n') + chunk)), 411);
  // Over 16 MiB is refused before it is read.
  assert.equal(status(await raw(head('/import', `Content-Length: ${16 * 1024 * 1024 + 1}\r\n`))), 413);
});

test('a malformed multipart body is refused whole, and nothing is stored', async () => {
  const csrf = csrfOf((await page('/import')).text);
  const send = (body, ct = 'multipart/form-data; boundary=----waymark-test-boundary') => fetch(s.base + '/import', {
    method: 'POST', body, redirect: 'manual', headers: { Accept: 'text/html', Cookie: manager, 'Content-Type': ct },
  }).then(async (r) => ({ status: r.status, text: await r.text() }));
  const part = (name, value, filename) => `------waymark-test-boundary\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"` : ''}\r\n\r\n${value}\r\n`;
  const file = 'ref,known_as,entered_service_on\r\nM-1,Malformed,01/10/2026\r\n';
  const good = part('csrf', csrf) + part('file', file, 'a.csv') + '------waymark-test-boundary--\r\n';
  // Cut short: no closing boundary.
  assert.equal((await send(good.slice(0, good.lastIndexOf('------waymark-test-boundary--')))).status, 400);
  // No boundary at all.
  assert.equal((await send(good, 'multipart/form-data')).status, 400);
  // Two files, or a file under another name.
  assert.equal((await send(part('csrf', csrf) + part('file', file, 'a.csv') + part('file', file, 'b.csv') + '------waymark-test-boundary--\r\n')).status, 400);
  assert.equal((await send(part('csrf', csrf) + part('other', file, 'a.csv') + '------waymark-test-boundary--\r\n')).status, 400);
  // A plain field that is not UTF-8.
  assert.equal((await send(Buffer.concat([Buffer.from(part('csrf', csrf) + '------waymark-test-boundary\r\nContent-Disposition: form-data; name="encoding"\r\n\r\n'), Buffer.from([0xff, 0xfe]), Buffer.from('\r\n' + part('file', file, 'a.csv') + '------waymark-test-boundary--\r\n')]))).status, 400);
  // Not multipart at all, though it says so.
  assert.equal((await send('no parts here, no boundary either')).status, 400);
  // Without its CSRF token.
  assert.equal((await send(part('file', file, 'a.csv') + '------waymark-test-boundary--\r\n')).status, 403);
  // And the well-formed one is read.
  const ok = await send(good);
  assert.equal(ok.status, 200, ok.text);
  assert.match(ok.text, /1 new survivor,/);
  assert.ok(!(await list()).some((x) => x.known_as === 'Malformed'));
});

test('a file from someone signed out is not read: sent to sign in', async () => {
  const fd = new FormData();
  fd.append('file', new Blob(['ref,known_as,entered_service_on\r\nS-1,Signed Out,01/10/2026\r\n']), 'a.csv');
  const r = await fetch(s.base + '/import', { method: 'POST', body: fd, redirect: 'manual', headers: { Accept: 'text/html' } });
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), '/');
  assert.ok(!(await list()).some((x) => x.known_as === 'Signed Out'));
});

test('one large file at a time from one client: a second waits its turn (503), the first goes on', async () => {
  const host = new URL(s.base).host;
  const size = 2 * 1024 * 1024;
  const head = `POST /import HTTP/1.1\r\nHost: ${host}\r\nCookie: ${manager}\r\nAccept: text/html\r\nContent-Type: multipart/form-data; boundary=----waymark-test-boundary\r\nContent-Length: ${size}\r\n\r\n`;
  const u = new URL(s.base);
  const first = net.connect(Number(u.port), u.hostname);
  let firstGot = '';
  first.on('data', (d) => { firstGot += d; });
  first.on('error', () => {});
  await new Promise((resolve) => first.once('connect', resolve));
  first.write(head + '------waymark-test-boundary\r\n');
  // Let the server read the first one's headers before the second comes.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const second = await raw(head.replace('Accept:', 'Connection: close\r\nAccept:'));
  assert.equal(status(second), 503, second.slice(0, 200));
  assert.match(second, /Retry-After: 5/i);
  assert.equal(firstGot, '', 'the first is still being read');
  first.destroy();
});
