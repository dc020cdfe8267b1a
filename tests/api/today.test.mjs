// "Today" is the date in the server's time zone (serve --time-zone, default
// Europe/London), not the UTC date. The clock is fixed through the
// tests-only --today-at, so nothing here depends on when the suite runs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, run, survivorBody } from './harness.mjs';

let s, ctx;
before(async () => { s = await Server.start(); ctx = await s.seed(); });
after(async () => { await s.destroy(); });

async function restart(args) {
  await s.stop();
  await s.spawn(args);
}

const create = (over) => s.call('POST', '/api/v1/survivors', { token: ctx.tokens.advocate, body: survivorBody(over) });

test('the default zone is Europe/London', async () => {
  assert.match(s.stderr, /time zone Europe\/London/);
});

// At 12:00 UTC on 31 December it is already New Year's Day in Auckland: a
// birth year of next year is in the future in UTC and in London, not there.
test('a year that has begun in the server\'s zone but not in UTC is not "in the future"', async () => {
  await restart(['--today-at', '2026-12-31T12:00:00Z']);
  const london = await create({ birth_year: 2027 });
  assert.equal(london.status, 422);
  assert.equal(london.json.error.field, 'birth_year');
  assert.equal((await create({ birth_year: 2026 })).status, 201);

  await restart(['--today-at', '2026-12-31T12:00:00Z', '--time-zone', 'Pacific/Auckland']);
  assert.match(s.stderr, /time zone Pacific\/Auckland/);
  assert.equal((await create({ birth_year: 2027 })).status, 201);
  const later = await create({ birth_year: 2028 });
  assert.equal(later.status, 422);
  assert.equal(later.json.error.field, 'birth_year');
});

test('an unknown time zone is refused at start with a clear message', () => {
  for (const zone of ['Mars/Olympus_Mons', 'Europe/Londres', '../../etc/passwd', '']) {
    const r = run(['serve', '--db', s.db, '--listen', '127.0.0.1:0', '--time-zone', zone], { timeout: 10000 });
    assert.equal(r.status, 2, zone);
    assert.match(r.stderr, /--time-zone: unknown time zone/, zone);
  }
  const bad = run(['serve', '--db', s.db, '--listen', '127.0.0.1:0', '--today-at', 'tomorrow'], { timeout: 10000 });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--today-at/);
});
