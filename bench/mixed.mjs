// The mixed workload of `make bench` (docs/performance.md, "Mixed workload"):
// reads, writes and dashboards together, driven by wrk against each backend
// on the same data: SQLite with one server, PostgreSQL with one server, and
// PostgreSQL with two servers on one database.
//
//   node bench/mixed.mjs [--survivors N] [--seconds S] [--connections C]
//                        [--server-threads T] [--advocates A] [--warmup S]
//                        [--rounds R] [--only sqlite,pg1,pg2]
//
// The data: build/bench/gen's synthetic database, generated once per size
// into SQLite (build/bench/survivors-N-vV.db, the file bench/run.mjs uses)
// and into a PostgreSQL cluster of its own (build/bench/pg-N-vV/), for the
// same day, so that both hold the same records. Each run works on copies:
// the workload writes.
//
// For each configuration: start the server(s) (`serve --rate-limit 0`),
// sign in A advocates of the first organisation and read their active
// caseloads, make the survivors the writes go to, run wrk with
// bench/mixed.lua for a short warm-up and then for S seconds with C
// connections (two servers: two wrk processes with C/2 connections each, one
// per server, their figures summed and their latencies merged). PostgreSQL
// runs with its defaults (fsync and synchronous_commit on), as SQLite runs
// with synchronous = FULL: every acknowledged write is durable on both.
//
// Prints the table and writes build/bench/mixed-N.json. Timings never fail
// the run; any answer but 2xx, or a socket error or time-out, does (exit 1):
// the target is zero errors.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const B = path.join(root, 'build', 'bench');
const RUN = path.join(B, 'mixed-run');
const WAYMARK = process.env.WAYMARK_BIN ? path.resolve(process.env.WAYMARK_BIN) : path.join(root, 'build', 'waymark');
const GEN = path.join(B, 'gen');
const LUA = path.join(root, 'bench', 'mixed.lua');
const PASSWORD = 'bench-password-1';
const WRK_THREADS = 2; // in all, over one or two wrk processes
const CONFIGS = [
  { name: 'sqlite', label: 'SQLite, one server', backend: 'sqlite', servers: 1 },
  { name: 'pg1', label: 'PostgreSQL, one server', backend: 'pg', servers: 1 },
  { name: 'pg2', label: 'PostgreSQL, two servers', backend: 'pg', servers: 2 },
];

const opt = { survivors: 5000, seconds: 60, connections: 64, 'server-threads': 8, advocates: 16, warmup: 5, rounds: 1, only: '' };
for (let i = 2; i < process.argv.length; i += 2) {
  const k = process.argv[i].replace(/^--/, '');
  if (!(k in opt)) { console.error(`bench: unknown option ${process.argv[i]}`); process.exit(2); }
  opt[k] = typeof opt[k] === 'number' ? Number(process.argv[i + 1]) : process.argv[i + 1];
}

// ---- processes, and stopping them however the run ends ----

const children = [];
let pgRunning = null; // the data directory of the PostgreSQL cluster started
const cleanup = () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  if (pgRunning) { pgCtl(pgRunning, ['-m', 'fast', 'stop']); pgRunning = null; }
};
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { cleanup(); process.exit(130); });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
    srv.on('error', reject);
  });
}

function must(r, what) {
  if (r.status !== 0) throw new Error(`${what} failed: ${(r.stderr || '').toString().trim()}`);
  return r;
}

// ---- PostgreSQL: a cluster of the benchmark's own ----

const PG_BIN = process.env.WAYMARK_PG_BIN || (() => {
  const base = '/usr/lib/postgresql';
  const v = fs.existsSync(base) ? fs.readdirSync(base).sort((a, b) => Number(a) - Number(b)) : [];
  return v.length ? path.join(base, v[v.length - 1], 'bin') : '';
})();

// initdb refuses to run as root: as root the cluster belongs to the
// postgres system user (as in scripts/pg-temp).
const asRoot = process.getuid?.() === 0;
function asOwner(cmd, args) {
  return asRoot ? spawnSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8' })
    : spawnSync(cmd, args, { encoding: 'utf8' });
}

function pgCtl(data, args) {
  return asOwner(path.join(PG_BIN, 'pg_ctl'), ['-D', data, '-w', '-t', '120', ...args]);
}

// Starts the cluster in dir/data, listening on a socket in dir only. fast:
// fsync off, for the generation only (its data is checked and thrown away
// if the generation fails); the runs keep PostgreSQL's durable defaults.
function pgStart(dir, fast) {
  const o = [`-c listen_addresses=''`, `-c unix_socket_directories='${dir}'`, '-c max_connections=100'];
  if (fast) o.push('-c fsync=off', '-c full_page_writes=off');
  must(pgCtl(path.join(dir, 'data'), ['-l', path.join(dir, 'server.log'), '-o', o.join(' '), 'start']), 'pg_ctl start');
  pgRunning = path.join(dir, 'data');
}

function pgStop() {
  if (!pgRunning) return;
  must(pgCtl(pgRunning, ['-m', 'fast', 'stop']), 'pg_ctl stop');
  pgRunning = null;
}

function ownDir(dir) {
  fs.mkdirSync(dir, { recursive: true });
  if (asRoot) must(spawnSync('chown', ['postgres:', dir], { encoding: 'utf8' }), 'chown');
  fs.chmodSync(dir, 0o700);
}

const pgUrl = (dir, db) => `postgresql://waymark@/${db}?host=${dir}`;

function createdb(dir, name, template) {
  must(spawnSync(path.join(PG_BIN, 'createdb'), ['-h', dir, '-U', 'waymark', '-T', template, ...(template === 'template0' ? [] : ['-S', 'file_copy']), name],
    { encoding: 'utf8' }), 'createdb');
}

// ---- the data ----

function genVersion() {
  return /#define GEN_VERSION\s+(\d+)/.exec(fs.readFileSync(path.join(root, 'bench', 'gen.c'), 'utf8'))[1];
}

// The SQLite database, as bench/run.mjs names and caches it.
function sqliteData(n) {
  const db = path.join(B, `survivors-${n}-v${genVersion()}.db`);
  if (!fs.existsSync(`${db}.json`)) {
    for (const f of [db, `${db}-wal`, `${db}-shm`, `${db}.key`, `${db}-reads`, `${db}-reads-wal`, `${db}-reads-shm`]) fs.rmSync(f, { force: true });
    console.log(`generating ${n} survivors into ${path.relative(root, db)} (once; kept for later runs)`);
    must(spawnSync(GEN, ['--db', db, '--survivors', String(n)], { stdio: ['ignore', 'ignore', 'inherit'] }), 'the generator');
  }
  return { db, meta: JSON.parse(fs.readFileSync(`${db}.json`, 'utf8')) };
}

// The same survivors in PostgreSQL: a whole cluster, generated for the SQLite
// database's day (the generator's records then agree, their ids apart), kept
// stopped in build/bench/pg-N-vV/ (data/, waymark.key, waymark.key.json).
function pgData(n, today) {
  const cache = path.join(B, `pg-${n}-v${genVersion()}`);
  const metaFile = path.join(cache, 'waymark.key.json');
  if (fs.existsSync(metaFile) && JSON.parse(fs.readFileSync(metaFile, 'utf8')).today === today) return cache;
  fs.rmSync(cache, { recursive: true, force: true });
  const tmp = `${cache}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  ownDir(tmp);
  must(asOwner(path.join(PG_BIN, 'initdb'), ['-D', path.join(tmp, 'data'), '-U', 'waymark', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']), 'initdb');
  fs.chmodSync(tmp, 0o711);
  pgStart(tmp, true);
  createdb(tmp, 'bench', 'template0');
  console.log(`generating ${n} survivors into PostgreSQL, ${path.relative(root, cache)} (once; kept for later runs)`);
  must(spawnSync(GEN, ['--db', pgUrl(tmp, 'bench'), '--key-file', path.join(tmp, 'waymark.key'), '--survivors', String(n), '--today', today],
    { stdio: ['ignore', 'ignore', 'inherit'] }), 'the generator');
  pgStop();
  fs.renameSync(tmp, cache);
  return cache;
}

// ---- servers and the API ----

async function call(base, route, token, method = 'GET', body) {
  const headers = { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) };
  const r = await fetch(base + route, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, json, text };
}

async function startServer(db, keyFile, log) {
  const port = await freePort();
  const child = spawn(WAYMARK, ['serve', '--db', db, ...(keyFile ? ['--key-file', keyFile] : []), '--listen', `127.0.0.1:${port}`,
    '--rate-limit', '0', '--threads', String(opt['server-threads']), '--max-connections-per-client', '1000'],
  { stdio: ['ignore', 'ignore', fs.openSync(log, 'w')] });
  children.push(child);
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`waymark serve exited (${child.exitCode}); see ${path.relative(root, log)}`);
    try { if ((await fetch(`${base}/healthz`)).ok) return { child, base, log }; } catch { /* not up yet */ }
    await sleep(100);
  }
  throw new Error('waymark serve did not answer');
}

async function stopServer(s) {
  if (s.child.exitCode !== null) return;
  const exited = new Promise((r) => s.child.on('exit', r));
  s.child.kill('SIGTERM');
  await exited;
}

async function login(base, username) {
  const r = await call(base, '/api/v1/login', null, 'POST', { username, password: PASSWORD });
  if (r.status !== 200) throw new Error(`cannot sign in as ${username}: ${r.status} ${r.text.slice(0, 200)}`);
  return r.json.token;
}

// The advocates of the first organisation (the generator's bench.advocate,
// advocate.1, ...) with the ids of their active survivors, and the manager.
async function accounts(base) {
  const advocates = [];
  for (let a = 0; a < opt.advocates; a++) {
    const token = await login(base, a === 0 ? 'bench.advocate' : `advocate.${a}`);
    const r = await call(base, '/api/v1/survivors?advocate=me&status=active&limit=500', token);
    const survivors = (r.json?.items || []).map((s) => s.id);
    if (r.status !== 200 || !survivors.length) throw new Error(`no caseload for advocate ${a}: ${r.status}`);
    advocates.push({ token, survivors });
  }
  return { advocates, manager: await login(base, 'bench.manager') };
}

// Survivors for the writes: each wrk thread its own list, enough that one
// is free whenever a connection wants to PATCH. The manager makes them, with
// no advocate, so no caseload (and no read of the workload) includes them.
async function writers(base, manager, today) {
  const per = Math.ceil(opt.connections / WRK_THREADS) + 16;
  const lists = [];
  for (let t = 0; t < WRK_THREADS; t++) {
    const ids = [];
    for (let i = 0; i < per; i += 8) {
      const made = await Promise.all(Array.from({ length: Math.min(8, per - i) }, () =>
        call(base, '/api/v1/survivors', manager, 'POST', { known_as: 'Bench writer', entered_service_on: today })));
      for (const r of made) {
        if (r.status !== 201) throw new Error(`cannot make a survivor to write to: ${r.status} ${r.text.slice(0, 200)}`);
        ids.push(r.json.id);
      }
    }
    lists.push(ids);
  }
  return lists;
}

const lua = (v) => (Array.isArray(v) ? `{${v.map(lua).join(',')}}`
  : typeof v === 'object' ? `{${Object.entries(v).map(([k, x]) => `${k}=${lua(x)}`).join(',')}}` : JSON.stringify(v));

// The data mixed.lua reads: tokens, so readable by this user only.
function dataFile(name, data) {
  const f = path.join(RUN, name);
  fs.writeFileSync(f, `return ${lua(data)}\n`, { mode: 0o600 });
  return f;
}

// ---- measuring ----

// How many read-audit entries the database holds: each read waits for its
// entries' commit, and a list or a dashboard has one a survivor shown.
function readAudit(cfg, db, pgDir) {
  const q = 'SELECT count(*) FROM read_audit';
  const r = cfg.backend === 'sqlite'
    ? spawnSync('sqlite3', ['-readonly', `${db}-reads`, q], { encoding: 'utf8' })
    : spawnSync(path.join(PG_BIN, 'psql'), ['-X', '-A', '-t', '-h', pgDir.socket, '-U', 'waymark', '-d', /@\/([^?]+)/.exec(db)[1], '-c', q], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim()) : NaN;
}

// The servers' own times from their request logs ("AT METHOD ROUTE STATUS
// 12.34ms"), from the measured run's start: the median and 99th percentile
// of each class of request (reads, writes, dashboards), as the server saw
// them, without wrk's queueing.
function serverTimes(logs, since) {
  const by = { reads: [], writes: [], dashboards: [] };
  for (const log of logs) {
    for (const line of fs.readFileSync(log, 'utf8').split('\n')) {
      const m = /^(\S+) (GET|POST|PATCH|PUT) (\S+) \d+ ([\d.]+)ms$/.exec(line);
      if (!m || m[1] < since || m[3] === '/api/v1/login' || m[3] === '/healthz') continue;
      const cls = m[3] === '/api/v1/dashboard' ? 'dashboards' : m[2] === 'GET' ? 'reads' : 'writes';
      by[cls].push(Number(m[4]));
    }
  }
  const q = (v, p) => { const s = [...v].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : null; };
  return Object.fromEntries(Object.entries(by).map(([k, v]) => [k, { count: v.length, p50: q(v, 0.5), p99: q(v, 0.99) }]));
}

// CPU time (ms) of a process, and of its live children (PostgreSQL's
// backends under the postmaster).
function cpuMs(pid, withChildren = false) {
  const one = (p) => {
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return { ppid: Number(f[1]), ms: (Number(f[11]) + Number(f[12])) * 10 };
    } catch { return { ppid: 0, ms: 0 }; }
  };
  let ms = one(pid).ms;
  if (withChildren) for (const p of fs.readdirSync('/proc').filter((x) => /^\d+$/.test(x))) if (one(p).ppid === pid) ms += one(p).ms;
  return ms;
}

// PostgreSQL: every write, and every commit of read-audit entries, takes one
// advisory lock (src/store/pg.c, begin). Sampled once a second: how often
// it is held, and how many transactions wait for it.
function lockSampler(pgDir) {
  const q = "SELECT count(*) FILTER (WHERE granted), count(*) FILTER (WHERE NOT granted) FROM pg_locks WHERE locktype = 'advisory'";
  const samples = [];
  const timer = setInterval(() => {
    const c = spawn(path.join(PG_BIN, 'psql'), ['-X', '-A', '-t', '-F', ' ', '-h', pgDir.socket, '-U', 'waymark', '-d', 'postgres', '-c', q]);
    let out = '';
    c.stdout.on('data', (d) => { out += d; });
    c.on('close', (status) => { if (status === 0) samples.push(out.trim().split(' ').map(Number)); });
  }, 1000);
  return {
    stop() {
      clearInterval(timer);
      const n = samples.length || NaN;
      return { samples: samples.length, held: samples.filter((x) => x[0] > 0).length / n, mean_waiting: samples.reduce((a, x) => a + x[1], 0) / n };
    },
  };
}

// The whole machine's busy and total jiffies (/proc/stat's first line).
function machineTicks() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - f[3] - f[4], total };
}

function wrk(url, data, slice, threads, connections, seconds) {
  const child = spawn('wrk', ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--timeout', '10s',
    '-s', LUA, url], { env: { ...process.env, WAYMARK_MIXED_DATA: data, WAYMARK_MIXED_SLICE: String(slice) } });
  children.push(child);
  let stdout = '', stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  return {
    child,
    result: new Promise((resolve, reject) => child.on('close', (status) => {
      const line = stdout.split('\n').find((l) => l.startsWith('MIXED_RESULT '));
      if (status !== 0 || !line) reject(new Error(`wrk failed (${status}): ${stderr.trim() || stdout.slice(-500)}`));
      else resolve(JSON.parse(line.slice('MIXED_RESULT '.length)));
    })),
  };
}

// Merges the latency of several wrk processes: each one's 1,000 permille
// points weighted by its share of the requests (an approximation of the
// merged histogram, close at the percentiles reported).
function percentile(parts, q) {
  const points = [];
  for (const p of parts) for (const v of p.latency_permille_us) points.push([v, p.requests / 1000]);
  points.sort((a, b) => a[0] - b[0]);
  const total = points.reduce((a, p) => a + p[1], 0);
  let cum = 0;
  for (const [v, w] of points) { cum += w; if (cum >= q * total) return v / 1000; }
  return points.length ? points[points.length - 1][0] / 1000 : null;
}

// Runs wrk against the servers (one process per server) for seconds.
// wrk's own CPU time is sampled every 200 ms (read at exit, it is gone).
async function drive(servers, data, seconds) {
  const per = WRK_THREADS / servers.length;
  const runs = servers.map((s, k) => wrk(`${s.base}/`, data, k * per, per, opt.connections / servers.length, seconds));
  const last = runs.map(() => 0);
  const sampler = setInterval(() => runs.forEach((r, i) => { last[i] = Math.max(last[i], cpuMs(r.child.pid)); }), 200);
  try {
    return { results: await Promise.all(runs.map((r) => r.result)), wrkCpuMs: last.reduce((a, b) => a + b, 0) };
  } finally { clearInterval(sampler); }
}

async function measure(cfg, pgDir, sqliteDb, today, round) {
  let db, keyFile;
  if (cfg.backend === 'sqlite') {
    const dir = path.join(RUN, 'sqlite');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    db = path.join(dir, 'waymark.db');
    for (const suffix of ['', '-wal', '-reads', '-reads-wal', '.key'])
      if (fs.existsSync(sqliteDb + suffix)) fs.copyFileSync(sqliteDb + suffix, db + suffix);
  } else {
    const name = `run_${cfg.name}_${round}`;
    createdb(pgDir.socket, name, 'bench');
    db = pgUrl(pgDir.socket, name);
    keyFile = pgDir.key;
  }
  const servers = [];
  for (let k = 0; k < cfg.servers; k++) servers.push(await startServer(db, keyFile, path.join(B, `mixed-serve-${cfg.name}-${k}.log`)));
  const { advocates, manager } = await accounts(servers[0].base);
  const appointmentDay = new Date(Date.parse(`${today}T00:00:00Z`) + 90 * 86400e3).toISOString().slice(0, 10);
  const data = async (name) => dataFile(name, { appointment_day: appointmentDay, advocates, writers: await writers(servers[0].base, manager, today) });
  const warm = await data('warm.lua');
  const measured = await data('run.lua');
  if (opt.warmup > 0) {
    const w = await drive(servers, warm, opt.warmup);
    const bad = w.results.reduce((a, r) => a + bad2xx(r.statuses), 0);
    if (bad) console.error(`bench: ${cfg.label}: ${bad} answers were not 2xx in the warm-up`);
  }

  // CPU: the servers', the database's (the postmaster's backends), wrk's and the machine's.
  const pgPid = cfg.backend === 'pg' ? Number(fs.readFileSync(path.join(pgRunning, 'postmaster.pid'), 'utf8').split('\n')[0]) : 0;
  const serverCpu = () => servers.reduce((a, s) => a + cpuMs(s.child.pid), 0);
  const audited = () => readAudit(cfg, db, pgDir);
  const a0 = audited();
  const since = new Date().toISOString().slice(0, 19) + 'Z';
  const c0 = { server: serverCpu(), db: pgPid ? cpuMs(pgPid, true) : 0, machine: machineTicks(), load: os.loadavg()[0] };
  const locks = cfg.backend === 'pg' ? lockSampler(pgDir) : null;
  const { results, wrkCpuMs } = await drive(servers, measured, opt.seconds);
  const writeLock = locks ? locks.stop() : null;
  const c1 = { server: serverCpu(), db: pgPid ? cpuMs(pgPid, true) : 0, machine: machineTicks(), load: os.loadavg()[0] };

  const a1 = audited();
  for (const s of servers) await stopServer(s);
  const routes = serverTimes(servers.map((s) => s.log), since);
  if (cfg.backend === 'sqlite') fs.rmSync(path.join(RUN, 'sqlite'), { recursive: true, force: true });
  else spawnSync(path.join(PG_BIN, 'dropdb'), ['-h', pgDir.socket, '-U', 'waymark', `run_${cfg.name}_${round}`], { encoding: 'utf8' });

  const requests = results.reduce((a, r) => a + r.requests, 0);
  const statuses = {}, mix = {};
  for (const r of results) {
    for (const [k, v] of Object.entries(r.statuses)) statuses[k] = (statuses[k] || 0) + v;
    for (const [k, v] of Object.entries(r.mix)) mix[k] = (mix[k] || 0) + v;
  }
  const socket = { connect: 0, read: 0, write: 0, timeout: 0 };
  for (const r of results) for (const k of Object.keys(socket)) socket[k] += r.errors[k];
  const non2xx = bad2xx(statuses);
  const ticks = c1.machine.total - c0.machine.total;
  const machineBusy = (c1.machine.busy - c0.machine.busy) / ticks;
  const ours = (c1.server - c0.server + c1.db - c0.db) / 10 / ticks;
  return {
    configuration: cfg.label, round, servers: cfg.servers, requests,
    rps: results.reduce((a, r) => a + r.requests / (r.duration_us / 1e6), 0),
    p50_ms: percentile(results, 0.5), p99_ms: percentile(results, 0.99),
    errors: non2xx + socket.connect + socket.read + socket.write + socket.timeout,
    non2xx, socket_errors: socket, statuses, mix,
    server_ms: routes,
    read_audit_entries_per_request: (a1 - a0) / requests,
    ...(writeLock ? { write_lock: writeLock } : {}),
    cpu_ms_per_request: { server: (c1.server - c0.server) / requests, database: (c1.db - c0.db) / requests },
    machine: { busy: machineBusy, servers_and_database: ours, wrk: wrkCpuMs / 10 / ticks, load_average_1m: [c0.load, c1.load] },
  };
}

const bad2xx = (statuses) => Object.entries(statuses).reduce((a, [k, v]) => a + (Number(k) >= 200 && Number(k) < 300 ? 0 : v), 0);

const fmt = (v, d = 0) => (v === null || v === undefined || Number.isNaN(v) ? '-' : Number(v).toLocaleString('en-GB', { minimumFractionDigits: d, maximumFractionDigits: d }));
const median = (v) => { const s = [...v].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

async function main() {
  for (const f of [WAYMARK, GEN]) if (!fs.existsSync(f)) { console.error(`bench: ${f} is missing: run make bench-mixed`); process.exit(2); }
  if (spawnSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' }).status !== 0) { console.error('bench: wrk is missing (scripts/install-deps bench)'); process.exit(2); }
  const wanted = CONFIGS.filter((c) => !opt.only || opt.only.split(',').includes(c.name));
  const needPg = wanted.some((c) => c.backend === 'pg');
  if (needPg && !fs.existsSync(path.join(PG_BIN, 'initdb'))) { console.error('bench: PostgreSQL is not installed (scripts/install-deps)'); process.exit(2); }
  if (opt.advocates < 1 || opt.advocates > 25 || opt.survivors < opt.advocates * 200) { console.error('bench: --advocates must be 1 to 25, and at most --survivors / 200'); process.exit(2); }
  if (opt.connections % 2) { console.error('bench: --connections must be even (two servers share them)'); process.exit(2); }
  fs.mkdirSync(B, { recursive: true });

  const { db: sqliteDb, meta } = sqliteData(opt.survivors);
  const pgCache = needPg ? pgData(opt.survivors, meta.today) : null;

  // This run's copies: the SQLite files for each configuration; the
  // PostgreSQL cluster once, each configuration a database copied from the
  // generated one (createdb -T).
  fs.rmSync(RUN, { recursive: true, force: true });
  fs.mkdirSync(RUN, { recursive: true });
  let pg = null;
  if (pgCache) {
    const socket = path.join(RUN, 'pg');
    ownDir(socket);
    must(spawnSync('cp', ['-a', path.join(pgCache, 'data'), path.join(socket, 'data')], { encoding: 'utf8' }), 'copying the cluster');
    fs.chmodSync(socket, 0o711);
    pgStart(socket, false);
    pg = { socket, key: path.join(pgCache, 'waymark.key') };
  }

  const results = {
    machine: machine(), command: `node bench/mixed.mjs ${process.argv.slice(2).join(' ')}`.trim(), options: opt,
    database: meta, started_at: new Date().toISOString(), runs: [], summary: [],
  };
  console.log(`mixed workload: ${meta.survivors} survivors; ${opt.advocates} advocates; wrk ${opt.connections} connections, ${opt.seconds} s (after ${opt.warmup} s of warm-up); server --threads ${opt['server-threads']}`);
  for (let round = 1; round <= opt.rounds; round++) {
    for (const cfg of wanted) {
      const r = await measure(cfg, pg, sqliteDb, meta.today, round);
      results.runs.push(r);
      console.log(`  ${cfg.label.padEnd(26)} ${fmt(r.rps).padStart(7)} req/s  p50 ${fmt(r.p50_ms, 1)} ms  p99 ${fmt(r.p99_ms, 1)} ms  errors ${r.errors}  (machine ${fmt(r.machine.busy * 100)}% busy: servers and database ${fmt(r.machine.servers_and_database * 100)}%, wrk ${fmt(r.machine.wrk * 100)}%)`);
      console.log(`  ${''.padEnd(26)} server's p50 ms: reads ${fmt(r.server_ms.reads.p50, 1)}, writes ${fmt(r.server_ms.writes.p50, 1)}, dashboards ${fmt(r.server_ms.dashboards.p50, 1)}; read-audit entries a request ${fmt(r.read_audit_entries_per_request, 1)}${r.write_lock ? `; write lock held in ${fmt(r.write_lock.held * 100)}% of samples, ${fmt(r.write_lock.mean_waiting, 1)} waiting` : ''}`);
    }
  }
  pgStop();
  fs.rmSync(RUN, { recursive: true, force: true });

  // Each configuration's median over the rounds; the ratios to SQLite's.
  for (const cfg of wanted) {
    const runs = results.runs.filter((r) => r.configuration === cfg.label);
    results.summary.push({
      configuration: cfg.label, name: cfg.name, rps: median(runs.map((r) => r.rps)), p50_ms: median(runs.map((r) => r.p50_ms)),
      p99_ms: median(runs.map((r) => r.p99_ms)), errors: runs.reduce((a, r) => a + r.errors, 0),
      server_cpu_ms: median(runs.map((r) => r.cpu_ms_per_request.server)), database_cpu_ms: median(runs.map((r) => r.cpu_ms_per_request.database)),
    });
  }
  const sqlite = results.summary.find((s) => s.name === 'sqlite');
  for (const s of results.summary) if (sqlite && s !== sqlite) s.of_sqlite = s.rps / sqlite.rps;
  const pg2 = results.summary.find((s) => s.name === 'pg2');
  if (pg2?.of_sqlite !== undefined) results.target = { pg2_of_sqlite: pg2.of_sqlite, want: '>= 0.5', met: pg2.of_sqlite >= 0.5 };
  const errors = results.summary.reduce((a, s) => a + s.errors, 0);
  results.zero_errors = errors === 0;

  print(results);
  const out = path.join(B, `mixed-${opt.survivors}.json`);
  fs.writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  console.log(`\nresults: ${path.relative(root, out)}`);
  cleanup();
  process.exitCode = errors ? 1 : 0;
}

function machine() {
  const cpus = os.cpus();
  const pgVersion = spawnSync(path.join(PG_BIN, 'postgres'), ['--version'], { encoding: 'utf8' }).stdout?.trim();
  return { cpu: cpus[0]?.model, cores: cpus.length, memory_gb: Math.round(os.totalmem() / 2 ** 30), kernel: os.release(),
    postgresql: pgVersion || null, wrk: (spawnSync('wrk', ['-v'], { encoding: 'utf8' }).stdout || '').split(' ').slice(0, 2).join(' ') };
}

function print(r) {
  console.log(`\n${'configuration (median of ' + opt.rounds + ')'}`.padEnd(33) + `${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'errors'.padStart(7)} ${'of SQLite'.padStart(10)} ${'CPU ms/req'.padStart(11)}`);
  for (const s of r.summary) {
    const cpu = `${fmt(s.server_cpu_ms, 2)}${s.database_cpu_ms ? ` + ${fmt(s.database_cpu_ms, 2)}` : ''}`;
    console.log(`${s.configuration.padEnd(32)} ${fmt(s.rps).padStart(8)} ${fmt(s.p50_ms, 1).padStart(8)} ${fmt(s.p99_ms, 1).padStart(8)} ${String(s.errors).padStart(7)} ${(s.of_sqlite ? fmt(s.of_sqlite, 2) : '').padStart(10)} ${cpu.padStart(11)}`);
  }
  console.log('(CPU: the server processes\', + PostgreSQL\'s, per request)');
  if (r.target) console.log(`\ntarget: PostgreSQL with two servers >= 0.5 of SQLite's throughput: ${r.target.met ? 'met' : 'MISSED'} (${fmt(r.target.pg2_of_sqlite, 2)})`);
  console.log(`target: zero errors: ${r.zero_errors ? 'met' : 'MISSED'}`);
}

main().catch((e) => { console.error(`bench: ${e.stack || e}`); cleanup(); process.exit(1); });
