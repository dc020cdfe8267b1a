// Bad input gets the spec's error and loses nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { Server, survivorBody } from './harness.mjs';

let s, ctx, rec;
before(async () => {
  s = await Server.start();
  ctx = await s.seed();
  rec = (await s.call('POST', '/api/v1/survivors', { token: ctx.tokens.advocate, body: survivorBody({ known_as: 'Original' }) })).json;
});
after(async () => { await s.destroy(); });

// The whole organisation's records, to check nothing changed.
async function snapshot() {
  const r = await s.call('GET', '/api/v1/survivors?limit=500', { token: ctx.tokens.manager });
  return JSON.stringify(r.json.items);
}

// Sends raw bytes (fetch would re-encode invalid UTF-8).
function rawPost(path, bytes, token) {
  return new Promise((res, rej) => {
    const req = request(s.base + path, { method: 'POST', headers: {
      'Content-Type': 'application/json', 'Content-Length': bytes.length, Authorization: `Bearer ${token}` } }, (r) => {
      let body = '';
      r.on('data', (c) => { body += c; });
      r.on('end', () => res({ status: r.statusCode, json: JSON.parse(body) }));
    });
    req.on('error', rej);
    req.end(bytes);
  });
}

const cases = [
  ['malformed JSON', { raw: '{"known_as": "A",' }, 400, 'bad_request'],
  ['not JSON at all', { raw: 'known_as=A' }, 400, 'bad_request'],
  ['empty body', { raw: '' }, 400, 'bad_request'],
  ['a JSON array', { raw: '[1,2]' }, 422, 'validation_failed'],
  ['a JSON string', { raw: '"hello"' }, 422, 'validation_failed'],
  ['duplicate keys', { raw: '{"known_as":"A","known_as":"B","entered_service_on":"2026-01-01"}' }, 400, 'bad_request'],
  ['trailing garbage', { raw: '{"known_as":"A","entered_service_on":"2026-01-01"} x' }, 400, 'bad_request'],
];

for (const [name, opts, status, code] of cases) {
  test(`create: ${name} → ${status}`, async () => {
    const before = await snapshot();
    const r = await s.call('POST', '/api/v1/survivors', { token: ctx.tokens.advocate, headers: { 'Content-Type': 'application/json' }, ...opts });
    assert.equal(r.status, status);
    assert.equal(r.json.error.code, code);
    assert.equal(typeof r.json.error.message, 'string');
    assert.equal(await snapshot(), before);
  });
}

const fieldCases = [
  ['unknown field', { colour: 'blue' }, 'colour'],
  ['unknown nested field', { contact: { phone: '1', fax: '2' } }, 'contact.fax'],
  ['wrong type: number for a name', { known_as: 12 }, 'known_as'],
  ['wrong type: string for a year', { birth_year: '1990' }, 'birth_year'],
  ['wrong type: string for a boolean', { pregnant: 'yes' }, 'pregnant'],
  ['wrong type: object for a list', { languages: { code: 'sq' } }, 'languages'],
  ['impossible date', { entered_service_on: '2026-02-30' }, 'entered_service_on'],
  ['date in another format', { entered_service_on: '01/10/2026' }, 'entered_service_on'],
  ['enum outside its values', { gender: 'unknown' }, 'gender'],
  ['exploitation type outside its values', { exploitation_types: ['sexual', 'other2'] }, 'exploitation_types[1]'],
  ['nationality not ISO 3166', { nationality: 'XX' }, 'nationality'],
  ['language tag not BCP 47', { languages: [{ code: 'not a tag' }] }, 'languages[0].code'],
  ['birth year in the future', { birth_year: 2999 }, 'birth_year'],
  ['control characters in a name', { known_as: 'A\u0007B' }, 'known_as'],
  ['a name of 10 kB', { known_as: 'A'.repeat(10000) }, 'known_as'],
  ['a NUL inside a name', { known_as: 'A\u0000B' }, 'known_as'],
];

for (const [name, over, field] of fieldCases) {
  test(`create: ${name} → 422 naming ${field}`, async () => {
    const before = await snapshot();
    const r = await s.call('POST', '/api/v1/survivors', { token: ctx.tokens.advocate, body: survivorBody(over) });
    assert.equal(r.status, 422);
    assert.equal(r.json.error.code, 'validation_failed');
    assert.equal(r.json.error.field, field);
    assert.equal(await snapshot(), before);
  });
  test(`patch: ${name} → 422 and the record is unchanged`, async () => {
    const before = await snapshot();
    const r = await s.call('PATCH', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.advocate, body: { version: 1, ...over } });
    assert.equal(r.status, 422);
    assert.equal(r.json.error.field, field);
    assert.equal(await snapshot(), before);
  });
}

test('invalid UTF-8 is 400 and stores nothing', async () => {
  const before = await snapshot();
  const bytes = Buffer.concat([Buffer.from('{"known_as":"'), Buffer.from([0xc3, 0x28]), Buffer.from('","entered_service_on":"2026-01-01"}')]);
  const r = await rawPost('/api/v1/survivors', bytes, ctx.tokens.advocate);
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'bad_request');
  const overlong = Buffer.concat([Buffer.from('{"known_as":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('","entered_service_on":"2026-01-01"}')]);
  assert.equal((await rawPost('/api/v1/survivors', overlong, ctx.tokens.advocate)).status, 400);
  assert.equal(await snapshot(), before);
});

test('a body over 1 MiB is 413 and stores nothing', async () => {
  const before = await snapshot();
  const big = JSON.stringify(survivorBody({ known_as: 'B', care_needs: { other: 'x'.repeat(1024 * 1024 + 10) } }));
  const r = await s.call('POST', '/api/v1/survivors', { token: ctx.tokens.advocate, raw: big, headers: { 'Content-Type': 'application/json' } });
  assert.equal(r.status, 413);
  assert.equal(r.json.error.code, 'payload_too_large');
  assert.equal(await snapshot(), before);
  // The server is still well.
  assert.equal((await s.call('GET', '/healthz')).status, 200);
});

test('hostile strings are stored and returned exactly, and harm nothing', async () => {
  const hostile = [
    "Robert'); DROP TABLE survivors;--",
    '<script>alert(1)</script>',
    '../../etc/passwd',
    '%00%2e%2e',
    '" OR 1=1 --',
    'مريم',
    'Nguyễn Thị Ánh',
    '🙂 emoji',
  ];
  for (const known_as of hostile) {
    const r = await s.call('POST', '/api/v1/survivors', { token: ctx.tokens.advocate, body: survivorBody({ known_as }) });
    assert.equal(r.status, 201, known_as);
    assert.equal(r.json.known_as, known_as);
    const g = await s.call('GET', `/api/v1/survivors/${r.json.id}`, { token: ctx.tokens.advocate });
    assert.equal(g.json.known_as, known_as);
    const q = await s.call('GET', `/api/v1/survivors?q=${encodeURIComponent(known_as)}`, { token: ctx.tokens.advocate });
    assert.deepEqual(q.json.items.map((x) => x.id), [r.json.id], known_as);
  }
  const o = await s.call('GET', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.advocate });
  assert.equal(o.json.known_as, 'Original');
});

test('path tricks do not reach records', async () => {
  for (const path of ['/api/v1/survivors/..%2F..%2Fetc%2Fpasswd',
    `/api/v1/survivors/${rec.id.toUpperCase()}`, `/api/v1/survivors/${rec.id}'%20OR%20'1'='1`]) {
    const r = await s.call('GET', path, { token: ctx.tokens.advocate });
    assert.equal(r.status, 404, path);
    assert.equal(r.json.error.code, 'not_found');
  }
  // A NUL is refused outright (400), never cut short into another path.
  const nul = await s.call('GET', '/api/v1/survivors/%00', { token: ctx.tokens.advocate });
  assert.equal(nul.status, 400);
  assert.equal(nul.json.error.code, 'bad_request');
});
