// Hostile query text on the pages, as the fuzzer (tests/fuzz/fuzz_api.c)
// found it: a report period that is not UTF-8, or too long to keep whole,
// is refused as a date like any other (422, the form again), never a 500.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from './harness.mjs';

let s;
let cookie;

before(async () => {
  s = await Server.start();
  await s.seed();
  cookie = await s.pageSession('manager');
});
after(async () => { await s.destroy(); });

const page = async (path) => {
  const r = await fetch(s.base + path, { redirect: 'manual', headers: { Accept: 'text/html', Cookie: cookie } });
  return { status: r.status, text: await r.text() };
};

test('the report page refuses a period that is not UTF-8 or too long, with the form', async () => {
  assert.equal((await page('/report?from=2026-01-01&to=2026-12-31')).status, 200);
  for (const q of ['from=2026-01-01&to=20%FF%FF%FF%16%186-12-31', 'from=%C3&to=2026-12-31',
    `from=2026-01-01&to=${'%C3%A9'.repeat(20)}`, `from=${'9'.repeat(40)}&to=2026-12-31`]) {
    const r = await page(`/report?${q}`);
    assert.equal(r.status, 422, q);
    assert.match(r.text, /must be a date/, q);
  }
});
