// Latency of changes under a read flood: readers list survivors (each list
// of 100 records commits 100 audit entries through the audit writer) while
// writers PATCH records one after another; prints p50/p99/max of the
// PATCHes and the reads served.
//
//   node bench/write-latency.mjs [path/to/waymark] [seconds] [readers] [writers]
//
// Run it against two builds to compare (docs/design.md has the figures).
const bin = process.argv[2];
if (bin) process.env.WAYMARK_BIN = bin;
const { Server, survivorBody } = await import('../tests/api/harness.mjs');
const seconds = Number(process.argv[3] || 20);
const readers = Number(process.argv[4] || 16);
const writers = Number(process.argv[5] || 2);

const s = await Server.start(['--threads', '8']);
try {
  const ctx = await s.seed();
  const recs = [];
  for (let i = 0; i < 200; i++) {
    const r = await s.call('POST', '/api/v1/survivors', { token: ctx.tokens.advocate, body: survivorBody({ known_as: `Load ${i}` }) });
    recs.push({ id: r.json.id, version: 1 });
  }
  const end = Date.now() + seconds * 1000;
  let reads = 0, readErrors = 0;
  const lat = [];
  let writeErrors = 0;
  const reader = async () => {
    while (Date.now() < end) {
      const r = await s.call('GET', '/api/v1/survivors?limit=100', { token: ctx.tokens.advocate2 });
      if (r.status === 200) reads++; else readErrors++;
    }
  };
  const writer = async (w) => {
    for (let i = w; Date.now() < end; i += writers) {
      const rec = recs[i % recs.length];
      const t0 = process.hrtime.bigint();
      const r = await s.call('PATCH', `/api/v1/survivors/${rec.id}`, { token: ctx.tokens.advocate, body: { version: rec.version, gender: i % 2 ? 'female' : 'male' } });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.status === 200) { rec.version = r.json.version; lat.push(ms); } else writeErrors++;
    }
  };
  await Promise.all([...Array.from({ length: readers }, reader), ...Array.from({ length: writers }, (_, w) => writer(w))]);
  lat.sort((a, b) => a - b);
  const pct = (p) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))].toFixed(1);
  console.log(`binary: ${process.env.WAYMARK_BIN || 'build/waymark'}; ${seconds} s, ${readers} readers (lists of 100), ${writers} writers`);
  console.log(`reads: ${reads} lists (${(reads * 100 / seconds).toFixed(0)} audit entries/s), errors ${readErrors}`);
  if (lat.length) console.log(`writes: ${lat.length} PATCHes, errors ${writeErrors}; latency ms p50 ${pct(0.5)} p90 ${pct(0.9)} p99 ${pct(0.99)} max ${lat[lat.length - 1].toFixed(1)}`);
} finally {
  await s.destroy();
}
