// The HTTP edge, part 1: framing that two servers could read differently is
// refused (400, connection closed), and the answers the HTTP library gives
// by itself (oversize, malformed, bad version, bad chunk, bad length) are
// JSON in the spec's shape with the security headers, sent once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from './harness.mjs';
import { exchange, parse } from './edge-net.mjs';

let s;
before(async () => { s = await Server.start(); });
after(async () => { await s.destroy(); });

// One answer, in JSON, with the security headers, never naming the library.
function assertOneJsonAnswer(text, status, code, what) {
  const r = parse(text);
  assert.equal(r.statusLines, 1, `${what}: exactly one status line:\n${text}`);
  assert.equal(r.status, status, `${what}:\n${text}`);
  assert.match(r.headers['content-type'] || '', /^application\/json/, what);
  assert.equal(r.headers['x-content-type-options'], 'nosniff', what);
  assert.equal(r.headers['cache-control'], 'no-store', what);
  assert.equal(r.headers['x-frame-options'], 'DENY', what);
  assert.ok(r.headers['content-security-policy'], what);
  assert.ok(r.json && r.json.error, `${what}: a JSON error body`);
  assert.equal(r.json.error.code, code, what);
  assert.equal(typeof r.json.error.message, 'string', what);
  assert.doesNotMatch(text, /microhttpd|<html/i, what);
  return r;
}

const H = 'Host: x\r\nContent-Type: application/json\r\n';

// Every path on which the library answers by itself.
const libraryErrors = [
  ['a request line too long', `GET /${'a'.repeat(40000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414, 'uri_too_long'],
  ['headers too large', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40000)}\r\n\r\n`, 431, 'header_too_large'],
  ['a header line without a colon', 'GET /healthz HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n', 400, 'bad_request'],
  ['no HTTP version', 'GET /healthz\r\n\r\n', 400, 'bad_request'],
  ['HTTP/2.0 as text', 'GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n', 505, 'http_version_not_supported'],
  ['HTTP/0.9', 'GET /healthz HTTP/0.9\r\nHost: x\r\n\r\n', 505, 'http_version_not_supported'],
  ['HTTP/1.1 without Host', 'GET /healthz HTTP/1.1\r\n\r\n', 400, 'bad_request'],
  ['a Content-Length that is not a number', `POST /api/v1/login HTTP/1.1\r\n${H}Content-Length: abc\r\n\r\n`, 400, 'bad_request'],
  ['a Content-Length list', `POST /api/v1/login HTTP/1.1\r\n${H}Content-Length: 5, 5\r\n\r\nhello`, 400, 'bad_request'],
  ['a Content-Length past 2^64', `POST /api/v1/login HTTP/1.1\r\n${H}Content-Length: 99999999999999999999999\r\n\r\n`, 413, 'payload_too_large'],
  ['a malformed chunk', `POST /api/v1/login HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nZZZ\r\n\r\n`, 400, 'bad_request'],
  ['a chunk size past 2^64', `POST /api/v1/login HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\n`, 413, 'payload_too_large'],
];

for (const [name, raw, status, code] of libraryErrors) {
  test(`the library's own answer to ${name} is one JSON ${status}`, async () => {
    const r = await exchange(s.port, raw);
    assertOneJsonAnswer(r.text, status, code, name);
    assert.notEqual(r.why, 'timeout', 'the connection is closed after it');
  });
}

test('a request line that is not one closes the connection, saying nothing of the library', async () => {
  const r = await exchange(s.port, 'GARBAGE\r\n\r\n');
  assert.notEqual(r.why, 'timeout');
  if (r.text) assertOneJsonAnswer(r.text, 400, 'bad_request', 'garbage');
});

// A second request hidden in the body of the first: answered only if the
// framing were read the way a server in front might not.
const smuggled = 'GET /api/v1/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n';

const ambiguous = [
  ['two Content-Length headers that differ', `POST /api/v1/login HTTP/1.1\r\n${H}Content-Length: 0\r\nContent-Length: ${smuggled.length}\r\n\r\n${smuggled}`],
  ['two equal Content-Length headers', `POST /api/v1/login HTTP/1.1\r\n${H}Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}`],
  ['Content-Length and Transfer-Encoding', `POST /api/v1/login HTTP/1.1\r\n${H}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`],
  ['Transfer-Encoding and Content-Length, the other order', `POST /api/v1/login HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n${smuggled}`],
  ['Transfer-Encoding: gzip', `POST /api/v1/login HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\n\r\n${smuggled}`],
  ['Transfer-Encoding: gzip, chunked', `POST /api/v1/login HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n${smuggled}`],
  ['two Transfer-Encoding headers', `POST /api/v1/login HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`],
  ['Transfer-Encoding in HTTP/1.0', `POST /api/v1/login HTTP/1.0\r\n${H}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`],
  ['whitespace before the colon of Content-Length', `POST /api/v1/login HTTP/1.1\r\n${H}Content-Length : ${smuggled.length}\r\n\r\n${smuggled}`],
  ['a tab before the colon of Transfer-Encoding', `POST /api/v1/login HTTP/1.1\r\n${H}Transfer-Encoding\t: chunked\r\nContent-Length: 0\r\n\r\n${smuggled}`],
  ['whitespace before the colon of another header', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Thing : 1\r\n\r\n${smuggled}`],
];

for (const [name, raw] of ambiguous) {
  test(`ambiguous framing is refused: ${name}`, async () => {
    const r = await exchange(s.port, raw);
    assertOneJsonAnswer(r.text, 400, 'bad_request', name);
    assert.notEqual(r.why, 'timeout', 'the connection is closed');
    assert.doesNotMatch(r.text, /"openapi"/, 'the smuggled request did not run');
  });
}

test('plain framing still works, and keeps the connection for the next request', async () => {
  const body = '{"username":"nobody","password":"wrong password here"}';
  const chunked = `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
  const r = await exchange(s.port, [
    `POST /api/v1/login HTTP/1.1\r\n${H}Content-Length: ${body.length}\r\n\r\n${body}`,
    `POST /api/v1/login HTTP/1.1\r\n${H}Transfer-Encoding: Chunked\r\n\r\n${chunked}`,
    'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  ], { ms: 8000 });
  const statuses = (r.text.match(/HTTP\/1\.1 (\d{3}) /g) || []).map((x) => Number(x.slice(9, 12)));
  assert.deepEqual(statuses, [401, 401, 200], r.text);
});
