// Import speed: a caseload of N rows (default 10,000) as CSV, every row a
// survivor with a GP registration, an NRM referral and an asylum claim,
// checked (--dry-run) and then imported by `waymark import` into a fresh
// database; then exported with `waymark export` and that file imported into
// a second installation. The reference, in the same run: the same CSV read
// by the sqlite3 shell's .import into one plain table (no checks, no
// sealing, no audit), the least any import of the file could cost.
//
//   node bench/import.mjs [rows]        (docs/performance.md has the figures)
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

process.env.WAYMARK_BIN ??= 'build/waymark';
const { Server, run } = await import('../tests/api/harness.mjs');
const rows = Number(process.argv[2] || 10000);

const s = await Server.start();
const b = await Server.start();
try {
  const ctx = await s.seed();
  const ctxB = await b.seed();
  // Each database to itself: what is measured is the import.
  await s.stop();
  await b.stop();
  const head = 'ref,known_as,legal_name,birth_year,gender,nationality,phone,address,languages,entered_service_on,exploitation_types,advocate,gp_provider,gp_registered_on,nrm_referred_on,nrm_first_responder,nrm_rg_decision_on,nrm_rg_outcome,nrm_support,asylum_claimed_on,asylum_support';
  const lines = [head];
  for (let i = 0; i < rows; i++) {
    const d = (n) => `${String(1 + (i % 20) + n).padStart(2, '0')}/0${1 + (i % 9)}/2026`;
    lines.push([`BENCH-${i}`, `Person ${i}`, `"Legal, Name ${i}"`, 1970 + (i % 40), i % 2 ? 'female' : 'male', 'AL',
      '07700 900000', `"Flat ${i},\n1 High Street"`, 'sq*;en', d(0), 'labour', i % 3 ? 'advocate' : 'advocate2',
      'Hill Street Surgery', d(1), d(0), 'Example Police', d(2), 'positive', 'victim_care_contract', d(1), 's95'].join(','));
  }
  const csv = join(s.dir, 'caseload.csv');
  writeFileSync(csv, lines.join('\r\n') + '\r\n');
  const org = ctx.orgs.agency.id;
  const timed = (label, args) => {
    const t0 = process.hrtime.bigint();
    const r = typeof args === 'function' ? args() : run(args);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${label} failed: ${r.stderr.slice(-2000)}`);
    console.log(`${label.padEnd(44)} ${(ms / 1000).toFixed(2).padStart(7)} s   ${(rows / (ms / 1000)).toFixed(0).padStart(6)} rows/s   ${(r.stdout || '').trim().split('\n').pop()}`);
    return ms;
  };
  console.log(`${rows} rows, ${s.db}`);
  const ref = timed('reference: sqlite3 .import of the same CSV', () =>
    spawnSync('sqlite3', [join(s.dir, 'ref.db'), '.mode csv', `.import ${csv} caseload`], { encoding: 'utf8' }));
  const dry = timed('waymark import --dry-run (every row checked)', ['import', '--db', s.db, '--org', org, '--file', csv, '--dry-run']);
  const imp = timed('waymark import', ['import', '--db', s.db, '--org', org, '--file', csv]);
  const out = join(s.dir, 'caseload.jsonl');
  const exp = timed('waymark export', ['export', '--db', s.db, '--org', org, '--to', out]);
  const back = timed('waymark import of the export, elsewhere', ['import', '--db', b.db, '--org', ctxB.orgs.agency.id, '--file', out]);
  console.log(`import / reference: ${(imp / ref).toFixed(1)}x; dry run ${(dry / ref).toFixed(1)}x; export ${(exp / ref).toFixed(1)}x; export read back ${(back / ref).toFixed(1)}x`);
} finally {
  await s.destroy();
  await b.destroy();
}
