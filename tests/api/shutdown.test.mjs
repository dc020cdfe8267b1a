// SIGTERM while reads are waiting for their audit entries: the server
// drains the audit writer before it frees connections, and exits 0 with no
// sanitizer report (the suite also runs against the ASan build).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, survivorBody } from './harness.mjs';

test('SIGTERM during a read flood stops cleanly', async () => {
  const s = await Server.start(['--threads', '4']);
  try {
    const ctx = await s.seed();
    const ids = [];
    for (let i = 0; i < 10; i++) {
      const r = await s.call('POST', '/api/v1/survivors', { token: ctx.tokens.advocate, body: survivorBody() });
      ids.push(r.json.id);
    }
    let stop = false, ok = 0;
    const deadline = Date.now() + 60000;
    const reader = async (n) => {
      for (let i = 0; !stop && Date.now() < deadline; i++) {
        try {
          const path = i % 3 === 0 ? '/api/v1/survivors?limit=10' : `/api/v1/survivors/${ids[(n + i) % ids.length]}`;
          const r = await s.call('GET', path, { token: ctx.tokens.advocate });
          if (r.status === 200) ok++;
        } catch {
          return; // the server has gone
        }
      }
    };
    const flood = Array.from({ length: 24 }, (_, n) => reader(n));
    while (ok < 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    s.proc.kill('SIGTERM');
    const exit = await s.exited;
    stop = true;
    await Promise.all(flood);
    assert.ok(ok >= 200, 'the flood was under way');
    // The server's own lines, without the one line per request.
    const said = s.stderr.split('\n').filter((l) => !/ (GET|POST) \//.test(l)).join('\n');
    assert.equal(exit.code, 0, `${JSON.stringify(exit)}\n${said.slice(-3000)}`);
    assert.doesNotMatch(s.stderr, /AddressSanitizer|runtime error|LeakSanitizer/);
    assert.match(s.stderr, /stopped/);
  } finally {
    await s.destroy();
  }
});
