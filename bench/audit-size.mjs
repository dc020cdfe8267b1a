// Bytes per audit entry: fills a fresh database with read-audit entries
// through the API (lists of 50 records), then measures the pages of the
// audit table and its indexes with SQLite's dbstat.
//
//   node bench/audit-size.mjs [path/to/waymark] [entries]
//
// Run it against two builds to compare (docs/design.md has the figures).
import { spawnSync } from 'node:child_process';

const bin = process.argv[2];
if (bin) process.env.WAYMARK_BIN = bin;
// After WAYMARK_BIN is set: the harness reads it as it loads.
const { Server, survivorBody } = await import('../tests/api/harness.mjs');
const target = Number(process.argv[3] || 20000);
const PAGE = 50;

const s = await Server.start();
try {
  const ctx = await s.seed();
  for (let i = 0; i < PAGE; i++) {
    const r = await s.call('POST', '/api/v1/survivors', { token: ctx.tokens.advocate, body: survivorBody({ known_as: `Size ${i}` }) });
    if (r.status !== 201) throw new Error(r.text);
  }
  const tokens = [ctx.tokens.advocate, ctx.tokens.advocate2, ctx.tokens.manager];
  for (let n = 0; n < target / PAGE; n += 8) {
    await Promise.all(Array.from({ length: 8 }, (_, k) =>
      s.call('GET', `/api/v1/survivors?limit=${PAGE}`, { token: tokens[(n + k) % tokens.length] })));
  }
  await s.stop();
  const q = (sql) => spawnSync('sqlite3', [s.db, sql], { encoding: 'utf8' }).stdout.trim();
  q('PRAGMA wal_checkpoint(TRUNCATE)');
  const entries = Number(q('SELECT count(*) FROM audit'));
  const rows = q(`SELECT name, count(*), sum(pgsize), sum(payload) FROM dbstat
    WHERE name = 'audit' OR tbl_name_is_audit GROUP BY name`.replace('OR tbl_name_is_audit', `OR name IN (SELECT name FROM sqlite_master WHERE tbl_name = 'audit')`));
  let total = 0;
  console.log(`binary: ${process.env.WAYMARK_BIN || 'build/waymark'}`);
  console.log(`entries: ${entries}`);
  console.log('object            pages      bytes   bytes/entry');
  for (const line of rows.split('\n')) {
    const [name, pages, bytes] = line.split('|');
    total += Number(bytes);
    console.log(`${name.padEnd(16)} ${pages.padStart(6)} ${bytes.padStart(10)} ${(Number(bytes) / entries).toFixed(1).padStart(12)}`);
  }
  console.log(`${'total'.padEnd(16)} ${''.padStart(6)} ${String(total).padStart(10)} ${(total / entries).toFixed(1).padStart(12)}`);
  const side = q(`SELECT name, sum(pgsize) FROM dbstat WHERE name IN ('recent_reads', 'recent_reads_user_at', 'audit_routes') GROUP BY name`);
  if (side) console.log(`bounded side tables (not per entry):\n${side}`);
} finally {
  await s.destroy();
}
