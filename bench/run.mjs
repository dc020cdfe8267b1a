// The benchmark behind `make bench` (docs/performance.md): the server on a
// synthetic database against nginx serving a static 1 KB file and against
// the sqlite3 shell running hand-written SQL, each a ratio measured in the
// same run.
//
//   node bench/run.mjs [--survivors N] [--seconds S] [--connections C]
//                      [--server-threads T] [--repeats R] [--perf SCENARIO]
//                      [--only SCENARIO]
//
// Generates the database once (build/bench/gen, cached in build/bench/ by
// size and generator version), starts `waymark serve --rate-limit 0` and a
// private nginx on loopback ports, drives each scenario with wrk, times the
// outcome report as single requests (median of R), runs
// bench/report-reference.sql in the sqlite3 shell and checks its figures
// equal the server's, then prints the table against the targets and writes
// it to build/bench/results-N.json.
//
// Timings never fail the run: it is a benchmark, not a test. It exits 1 when
// a figure differs from the reference SQL, or a route that exists answers
// anything but 200. A route the server does not have yet (not in `waymark
// routes`) is reported "not available".
//
// --only SCENARIO[,SCENARIO...] runs nginx and the scenarios whose name starts so only.
// --perf SCENARIO records `perf record --call-graph dwarf` of the server while wrk drives
// that scenario (build/bench/perf-SCENARIO.data).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const B = path.join(root, 'build', 'bench');
// WAYMARK_BIN: another build of the server to measure (the tests' variable).
const WAYMARK = process.env.WAYMARK_BIN ? path.resolve(process.env.WAYMARK_BIN) : path.join(root, 'build', 'waymark');
const GEN = path.join(B, 'gen');

const opt = { survivors: 1000000, seconds: 10, connections: 64, 'server-threads': 8, repeats: 5, perf: '', only: '' };
for (let i = 2; i < process.argv.length; i += 2) {
  const k = process.argv[i].replace(/^--/, '');
  if (!(k in opt)) { console.error(`bench: unknown option ${process.argv[i]}`); process.exit(2); }
  opt[k] = typeof opt[k] === 'number' ? Number(process.argv[i + 1]) : process.argv[i + 1];
}

const children = [];
const cleanup = () => { for (const c of children) if (c.exitCode === null) c.kill('SIGTERM'); };
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { cleanup(); process.exit(130); });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (v) => { const s = [...v].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
    srv.on('error', reject);
  });
}

function need(cmd, hint) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd} || ls /usr/sbin/${cmd} 2>/dev/null`], { encoding: 'utf8' });
  const p = r.stdout.trim().split('\n')[0];
  if (!p) { console.error(`bench: ${cmd} is missing (${hint})`); process.exit(2); }
  return p;
}

// ---- the database ----

function database(n) {
  const version = /#define GEN_VERSION\s+(\d+)/.exec(fs.readFileSync(path.join(root, 'bench', 'gen.c'), 'utf8'))[1];
  const db = path.join(B, `survivors-${n}-v${version}.db`);
  // The .json is written last: without it the database is incomplete.
  if (!fs.existsSync(`${db}.json`)) {
    for (const f of [db, `${db}-wal`, `${db}-shm`, `${db}.key`, `${db}-reads`, `${db}-reads-wal`, `${db}-reads-shm`, `${db}-reads.pristine`]) fs.rmSync(f, { force: true });
    console.log(`generating ${n} survivors into ${path.relative(root, db)} (once; kept for later runs)`);
    const r = spawnSync(GEN, ['--db', db, '--survivors', String(n)], { stdio: 'inherit' });
    if (r.status !== 0) { console.error('bench: the generator failed'); process.exit(1); }
  }
  // Every run starts from the read-audit file as it was generated: each run
  // adds millions of read entries to it (a run of the million about ten), and a
  // trail grown by earlier runs would make each run slower than the last.
  const pristine = `${db}-reads.pristine`;
  if (!fs.existsSync(pristine)) fs.copyFileSync(`${db}-reads`, pristine);
  for (const f of [`${db}-reads-wal`, `${db}-reads-shm`]) fs.rmSync(f, { force: true });
  fs.copyFileSync(pristine, `${db}-reads`);
  return { db, meta: JSON.parse(fs.readFileSync(`${db}.json`, 'utf8')) };
}

// ---- servers ----

async function waitHttp(url, child, what) {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode})`);
    try { const r = await fetch(url); if (r.ok) return; } catch { /* not up yet */ }
    await sleep(100);
  }
  throw new Error(`${what} did not answer`);
}

async function startNginx() {
  const prefix = path.join(B, 'nginx');
  for (const d of ['conf', 'html', 'tmp']) fs.mkdirSync(path.join(prefix, d), { recursive: true });
  const port = await freePort();
  fs.writeFileSync(path.join(prefix, 'conf', 'nginx.conf'),
    fs.readFileSync(path.join(root, 'bench', 'nginx.conf'), 'utf8').replaceAll('@PORT@', String(port)));
  // 1024 bytes of text: about the size of one survivor's JSON.
  const line = 'Waymark benchmark: a static file of exactly one kilobyte, served by nginx.\n';
  fs.writeFileSync(path.join(prefix, 'html', 'static.txt'), line.repeat(Math.ceil(1024 / line.length)).slice(0, 1024));
  const child = spawn(need('nginx', 'scripts/install-deps bench'), ['-p', `${prefix}/`, '-c', 'conf/nginx.conf', '-e', 'stderr'],
    { stdio: ['ignore', 'inherit', 'inherit'] });
  children.push(child);
  const url = `http://127.0.0.1:${port}/static.txt`;
  await waitHttp(url, child, 'nginx');
  return { child, url };
}

async function startWaymark(db) {
  const port = await freePort();
  const child = spawn(WAYMARK, ['serve', '--db', db, '--listen', `127.0.0.1:${port}`, '--rate-limit', '0',
    '--threads', String(opt['server-threads']), '--max-connections-per-client', '1000'],
  { stdio: ['ignore', 'ignore', fs.openSync(path.join(B, 'serve.log'), 'w')] });
  children.push(child);
  const base = `http://127.0.0.1:${port}`;
  await waitHttp(`${base}/healthz`, child, 'waymark serve');
  return { child, base };
}

function memory(pid) {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(s)?.[1] || 0);
  return { hwm_mb: kb('VmHWM') / 1024, rss_mb: kb('VmRSS') / 1024 };
}

// ---- measuring ----

function routes() {
  const out = spawnSync(WAYMARK, ['routes'], { encoding: 'utf8' }).stdout;
  return new Set(out.split('\n').map((l) => l.split(/\s+/).slice(0, 2).join(' ')));
}

// Runs wrk (asynchronously, so that the server's memory can be sampled meanwhile).
async function wrk(url, token, cookie) {
  const child = spawn(need('wrk', 'scripts/install-deps bench'),
    ['-t', '2', '-c', String(opt.connections), '-d', `${opt.seconds}s`, '--latency', '-s', path.join(root, 'bench', 'wrk.lua'), url],
    { env: { ...process.env, WAYMARK_TOKEN: token || '', WAYMARK_COOKIE: cookie || '' } });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const status = await new Promise((resolve) => child.on('close', resolve));
  const r = { status, stdout, stderr };
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr}`);
  const num = (re) => Number(re.exec(r.stdout)?.[1] || 0);
  const ms = (p) => {
    const m = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`).exec(r.stdout);
    return m ? Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]] : null;
  };
  return {
    rps: num(/Requests\/sec:\s+([\d.]+)/), p50_ms: ms(50), p99_ms: ms(99),
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/), socket_errors: /Socket errors/.test(r.stdout) ? r.stdout.match(/Socket errors:.*/)[0] : '',
  };
}

// Lets the server finish what a scenario left it before the next one is
// measured: requests wrk gave up on (the alerts of whole organisations wait
// for one of two turns, and a server does not notice a client gone until it
// answers) and the audit entries still waiting for their commit. The server
// is at rest once it has used less than a tenth of a core for half a second
// (at most a minute), and then an audited read, the barrier behind every
// entry queued before its own (the writer takes them in order), comes back.
function cpuTicks(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime, in clock ticks (1/100 s)
}

async function settle(base, pid, sid, token) {
  for (let i = 0; i < 120; i++) {
    const before = cpuTicks(pid);
    await sleep(500);
    if (cpuTicks(pid) - before < 5) break;
  }
  await call(base, `/api/v1/survivors/${sid}`, token);
}

// Signs in through the web page's form, as a browser does; answers the
// session cookie ("wm_session=..."). It stays valid for the page's idle
// time-out (30 minutes) from here, longer than a scenario runs.
async function pageCookie(base, username, password) {
  const first = await fetch(base + '/', { headers: { Accept: 'text/html' } });
  const pre = first.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const csrf = /name="csrf" value="([^"]+)"/.exec(await first.text())?.[1];
  const r = await fetch(base + '/sign-in', {
    method: 'POST', redirect: 'manual', body: new URLSearchParams({ csrf, username, password }).toString(),
    headers: { Cookie: pre, 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'text/html' },
  });
  const session = r.headers.getSetCookie().find((c) => c.startsWith('wm_session='));
  if (r.status !== 303 || !session) throw new Error(`cannot sign in to the pages as ${username}: ${r.status}`);
  return session.split(';')[0];
}

// One request on a connection of its own (agent: false): a kept-alive one
// may have been closed by the server while wrk ran.
function call(base, route, token, method = 'GET', body) {
  return new Promise((resolve, reject) => {
    const data = body ? JSON.stringify(body) : null;
    const headers = { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(data ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } : {}) };
    const t0 = process.hrtime.bigint();
    const req = http.request(base + route, { method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, json, text, ms });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

// ---- the reference SQL ----

// Epoch seconds of local midnight in London at the start of day (a day number).
function londonMidnight(day) {
  const utc = day * 86400 * 1000;
  const f = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour12: false, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
  // The offset at noon that day (clocks change at 01:00 UTC, never at midnight).
  const p = Object.fromEntries(f.formatToParts(new Date(utc + 12 * 3600e3)).map((x) => [x.type, x.value]));
  const offsetMin = (Number(p.hour) % 24) * 60 + Number(p.minute) - 12 * 60;
  return day * 86400 - offsetMin * 60;
}

const dayOf = (text) => Math.round(Date.parse(`${text}T00:00:00Z`) / 86400e3);
const textOf = (day) => new Date(day * 86400e3).toISOString().slice(0, 10);

function reference(db, fromDay, toDay, org) {
  const sql = fs.readFileSync(path.join(root, 'bench', 'report-reference.sql'), 'utf8');
  const sq = (v) => `"'${v}'"`;
  const script = [
    '.parameter init',
    `.parameter set @from_day ${fromDay}`, `.parameter set @to_day ${toDay}`,
    `.parameter set @from_ts ${londonMidnight(fromDay)}`, `.parameter set @to_end_ts ${londonMidnight(toDay + 1)}`,
    `.parameter set @org ${org ? sq(org) : 'NULL'}`,
    // One organisation: drop the "all of them" alternative, so that the
    // planner may take the organisation's indexes.
    '.timer on', org ? sql.replaceAll('@org IS NULL OR ', '') : sql, '',
  ].join('\n');
  const t0 = process.hrtime.bigint();
  const r = spawnSync(need('sqlite3', 'scripts/install-deps bench'), ['-readonly', '-bail', db], { input: script, encoding: 'utf8', maxBuffer: 1 << 24 });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`sqlite3 failed: ${r.stderr}`);
  const figures = {};
  let ms = 0;
  for (const line of r.stdout.split('\n')) {
    const t = /^Run Time: real ([\d.]+)/.exec(line);
    if (t) { ms += Number(t[1]) * 1000; continue; }
    if (!line) continue;
    const [name, value, num, den] = line.split('|');
    const v = (x) => (x === '' ? null : Number(x));
    figures[name] = { value: v(value), numerator: v(num), denominator: v(den) };
  }
  return { figures, ms, wall_ms: wall };
}

const MEDIANS = new Set(['days_to_gp_registration', 'mental_health_wait_days', 'rg_decision_days', 'cg_decision_days']);

// Differences between the server's figures and the reference (analyst:
// with the spec's small-number suppression applied to the reference).
function compare(server, ref, analyst) {
  const bad = [];
  const small = (n) => n !== null && n >= 1 && n <= 4;
  const same = (a, b) => (a === null || a === undefined ? b === null : b !== null && Math.abs(a - b) < 1e-9);
  for (const [name, want] of Object.entries(ref)) {
    if (name.startsWith('registration_refusals.by_reason.')) {
      const reason = name.split('.').pop();
      const got = server.registration_refusals?.by_reason?.[reason];
      const expect = analyst && small(want.value) ? null : want.value;
      if (!same(got, expect)) bad.push(`${name}: server ${got}, reference ${expect}`);
      continue;
    }
    const got = server[name];
    if (!got) { bad.push(`${name}: missing from the server's report`); continue; }
    const rate = want.denominator !== null;
    // Counts and rates are suppressed for analysts; medians are days, not people.
    const suppressed = analyst && !MEDIANS.has(name) && (rate ? small(want.numerator) || small(want.denominator) : small(want.value));
    if (suppressed) {
      if (!got.suppressed || got.value !== null) bad.push(`${name}: should be suppressed for an analyst`);
      continue;
    }
    if (got.suppressed) { bad.push(`${name}: suppressed, reference ${want.value}`); continue; }
    if (!same(got.value, want.value)) bad.push(`${name}: server ${got.value}, reference ${want.value}`);
    if (rate && (!same(got.numerator, want.numerator) || !same(got.denominator, want.denominator)))
      bad.push(`${name}: server ${got.numerator}/${got.denominator}, reference ${want.numerator}/${want.denominator}`);
  }
  // A by_reason key the reference does not have (a count of 0 or absent).
  for (const [reason, n] of Object.entries(server.registration_refusals?.by_reason || {}))
    if (!(`registration_refusals.by_reason.${reason}` in ref) && n) bad.push(`registration_refusals.by_reason.${reason}: server ${n}, reference 0`);
  return bad;
}

// ---- the run ----

// --only A,B: the scenarios whose name starts with A or with B.
const wanted = (name) => !opt.only || opt.only.split(',').some((p) => name.startsWith(p));

const fmt = (v, d = 0) => (v === null || v === undefined || Number.isNaN(v) ? '-' : Number(v).toFixed(d));

async function main() {
  for (const f of [WAYMARK, GEN]) if (!fs.existsSync(f)) { console.error(`bench: ${f} is missing: run make bench`); process.exit(2); }
  fs.mkdirSync(B, { recursive: true });
  const { db, meta } = database(opt.survivors);
  const known = routes();
  const nginx = await startNginx();
  const wm = await startWaymark(db);
  let failed = false;
  const fail = (msg) => { failed = true; console.error(`bench: ERROR ${msg}`); };

  const tokens = {};
  for (const who of ['advocate', 'manager', 'analyst']) {
    const r = await call(wm.base, '/api/v1/login', null, 'POST', { username: `bench.${who}`, password: meta.password });
    if (r.status !== 200) throw new Error(`cannot log in as bench.${who}: ${r.status} ${r.text}`);
    tokens[who] = r.json.token;
  }
  const list = await call(wm.base, '/api/v1/survivors?limit=1&status=active', tokens.advocate);
  const sid = list.json?.items?.[0]?.id || list.json?.survivors?.[0]?.id || list.json?.data?.[0]?.id;
  if (!sid) throw new Error(`no survivor in the bench advocate's caseload: ${list.status} ${list.text.slice(0, 200)}`);

  const toDay = dayOf(meta.today), fromDay = toDay - 364;
  const period = `from=${textOf(fromDay)}&to=${textOf(toDay)}`;
  const scenarios = [
    { name: 'nginx static 1 KB', url: nginx.url },
    { name: 'dashboard (40-survivor caseload)', route: '/api/v1/dashboard?advocate=me', pattern: 'GET /api/v1/dashboard', who: 'advocate', target: 1 / 30 },
    // The same caseload as the advocate's first web page: the API's dashboard
    // call, its answer put in words and rendered, compared with the call alone.
    { name: 'dashboard page (HTML)', route: '/', page: true, who: 'advocate', versus: 'dashboard (40-survivor caseload)' },
    { name: 'alerts (one organisation)', route: '/api/v1/alerts', pattern: 'GET /api/v1/alerts', who: 'manager' },
    { name: 'GET survivor (audited)', route: `/api/v1/survivors/${sid}`, pattern: 'GET /api/v1/survivors/{id}', who: 'advocate', target: 1 / 2 },
    { name: 'GET whole record', route: `/api/v1/survivors/${sid}/record`, pattern: 'GET /api/v1/survivors/{id}/record', who: 'advocate' },
    { name: 'caseload appointments', route: `/api/v1/appointments?advocate=me&from=${textOf(toDay)}&to=${textOf(toDay + 7)}`, pattern: 'GET /api/v1/appointments', who: 'advocate' },
  ];
  const results = { machine: machine(), command: `node bench/run.mjs ${process.argv.slice(2).join(' ')}`.trim(), options: opt, database: meta, period: { from: textOf(fromDay), to: textOf(toDay) }, scenarios: [], reports: [] };

  let nginxRps = null;
  // The resident set sampled while wrk drives the server (VmHWM also holds the
  // 64 MiB Argon2id buffer of the logins above).
  let peakLoad = 0;
  for (const s of scenarios) {
    const row = { name: s.name };
    if (s.url === undefined && !wanted(s.name)) continue;
    results.scenarios.push(row);
    if (s.pattern && !known.has(s.pattern)) { row.status = 'not available'; continue; }
    const url = s.url || wm.base + s.route;
    let cookie = '';
    if (s.page) {
      cookie = await pageCookie(wm.base, `bench.${s.who}`, meta.password);
      const probe = await fetch(wm.base + s.route, { headers: { Cookie: cookie, Accept: 'text/html' } });
      const text = await probe.text();
      if (probe.status !== 200 || !/<h1/.test(text)) { row.status = `error ${probe.status}`; fail(`${s.name}: ${probe.status}`); continue; }
      row.bytes = Buffer.byteLength(text);
    } else if (s.route) {
      const probe = await call(wm.base, s.route, tokens[s.who]);
      if (probe.status !== 200) { row.status = `error ${probe.status}`; fail(`${s.name}: ${probe.status} ${probe.text.slice(0, 200)}`); continue; }
      row.bytes = Buffer.byteLength(probe.text);
    }
    let perf = null;
    if (opt.perf && s.name.startsWith(opt.perf)) {
      perf = spawn('perf', ['record', '-F', '499', '--call-graph', 'dwarf,16384', '-p', String(wm.child.pid), '-o', path.join(B, `perf-${opt.perf.replace(/\W+/g, '_')}.data`), '--', 'sleep', String(opt.seconds)], { stdio: 'ignore' });
    }
    // A target's yardstick is nginx measured again just before it: on a
    // shared machine the speed of both drifts by a fifth within a run, and
    // a ratio to a figure taken minutes earlier measures that drift too.
    // The ratio to the run's first nginx figure is kept beside it.
    if (s.target && nginxRps) row.nginx_beside_rps = (await wrk(nginx.url, '', '')).rps;
    const sampler = s.route ? setInterval(() => { peakLoad = Math.max(peakLoad, memory(wm.child.pid).rss_mb); }, 100) : null;
    Object.assign(row, await wrk(url, s.who && !s.page ? tokens[s.who] : '', cookie));
    clearInterval(sampler);
    if (perf) await new Promise((r) => perf.on('exit', r));
    row.status = row.non2xx ? `error: ${row.non2xx} non-2xx` : row.socket_errors || 'ok';
    if (row.non2xx) fail(`${s.name}: ${row.non2xx} responses were not 2xx`);
    if (!s.route) nginxRps = row.rps;
    else if (nginxRps) {
      row.of_nginx = row.rps / (row.nginx_beside_rps || nginxRps);
      if (row.nginx_beside_rps) row.of_first_nginx = row.rps / nginxRps;
    }
    if (s.target) { row.target = `>= 1/${Math.round(1 / s.target)} of nginx`; row.met = row.of_nginx >= s.target; }
    const versus = s.versus && results.scenarios.find((x) => x.name === s.versus);
    if (versus?.rps) row.of_api = row.rps / versus.rps;
    if (s.route) await settle(wm.base, wm.child.pid, sid, tokens.advocate);
  }

  // The outcome report: single requests, median of R, checked against the SQL.
  // The spec's figures (with the Core Outcomes and distributions, without the
  // month-by-month chart: months=false) against the reference, which computes
  // the spec's figures only; then the whole answer with its months.
  const reports = [
    { name: 'report, one organisation (manager)', who: 'manager', org: meta.org_id, analyst: false, query: '&months=false' },
    { name: 'report, whole database (analyst)', who: 'analyst', org: null, analyst: true, target: 2, query: '&months=false' },
    { name: 'report with months, whole database', who: 'analyst', org: null, analyst: true, query: '' },
  ];
  for (const rep of reports) {
    if (!wanted(rep.name)) continue;
    const row = { name: rep.name };
    results.reports.push(row);
    const ref = [reference(db, fromDay, toDay, rep.org)];
    for (let i = 1; i < Math.min(3, opt.repeats); i++) ref.push(reference(db, fromDay, toDay, rep.org));
    row.sqlite3_ms = median(ref.map((x) => x.ms));
    if (!known.has('GET /api/v1/reports/outcomes')) { row.status = 'not available'; continue; }
    const times = [];
    let last = null;
    for (let i = 0; i < opt.repeats; i++) {
      last = await call(wm.base, `/api/v1/reports/outcomes?${period}${rep.query}`, tokens[rep.who]);
      if (last.status !== 200) break;
      times.push(last.ms);
    }
    if (last.status !== 200) { row.status = `error ${last.status}`; fail(`${rep.name}: ${last.status} ${last.text.slice(0, 200)}`); continue; }
    row.first_ms = times[0];
    row.server_ms = median(times);
    row.ratio = row.server_ms / row.sqlite3_ms;
    if (rep.target) { row.target = `<= ${rep.target}x sqlite3`; row.met = row.ratio <= rep.target; }
    const bad = compare(last.json.figures || {}, ref[0].figures, rep.analyst);
    row.status = bad.length ? `${bad.length} figure(s) differ` : 'figures equal the reference';
    if (bad.length) { row.differences = bad; fail(`${rep.name}: figures differ from bench/report-reference.sql:\n  ${bad.join('\n  ')}`); }
  }

  const mem = memory(wm.child.pid);
  results.memory = { ...mem, peak_under_load_mb: peakLoad, target: '< 100 MB', met: mem.hwm_mb < 100 };
  print(results);
  const out = path.join(B, `results-${opt.survivors}.json`);
  fs.writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  console.log(`\nresults: ${path.relative(root, out)}`);
  cleanup();
  process.exitCode = failed ? 1 : 0;
}

function machine() {
  const cpus = os.cpus();
  return { cpu: cpus[0]?.model, cores: cpus.length, memory_gb: Math.round(os.totalmem() / 2 ** 30), kernel: os.release(),
    sqlite: spawnSync('sqlite3', ['--version'], { encoding: 'utf8' }).stdout.split(' ')[0],
    nginx: (spawnSync(need('nginx', ''), ['-v'], { encoding: 'utf8' }).stderr || '').trim().replace('nginx version: ', '') };
}

function print(r) {
  const d = r.database;
  console.log(`\nWaymark benchmark: ${d.survivors} survivors, ${d.organisations} organisations, ${d.advocates} advocates (${d.rows} rows, generated in ${fmt(d.seconds)} s)`);
  console.log(`machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memory_gb} GB; wrk ${opt.connections} connections, ${opt.seconds} s each; server --threads ${opt['server-threads']}`);
  console.log(`\n${'scenario'.padEnd(36)} ${'req/s'.padStart(9)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'of nginx'.padStart(9)}  target`);
  for (const s of r.scenarios) {
    if (s.rps === undefined) { console.log(`${s.name.padEnd(36)} ${s.status}`); continue; }
    const beside = s.nginx_beside_rps ? ` (nginx just before: ${fmt(s.nginx_beside_rps)}; 1/${fmt(1 / s.of_first_nginx, 1)} of the first)` : '';
    const tgt = s.target ? `${s.target}: ${s.met ? 'met' : `MISSED (${fmt(s.of_nginx * 100, 1)}%)`}${beside}` : s.of_api ? `${fmt(s.of_api * 100, 0)}% of the API's call` : '';
    console.log(`${s.name.padEnd(36)} ${fmt(s.rps).padStart(9)} ${fmt(s.p50_ms, 2).padStart(8)} ${fmt(s.p99_ms, 2).padStart(8)} ${(s.of_nginx ? `1/${fmt(1 / s.of_nginx, 1)}` : '').padStart(9)}  ${tgt}${s.status !== 'ok' ? ` [${s.status}]` : ''}`);
  }
  console.log(`\n${'report (period ' + r.period.from + ' .. ' + r.period.to + ')'}`.padEnd(37) + `${'server ms'.padStart(10)} ${'sqlite3 ms'.padStart(11)} ${'ratio'.padStart(7)}  target`);
  for (const s of r.reports) {
    const tgt = s.target ? `${s.target}: ${s.met ? 'met' : 'MISSED'}` : '';
    console.log(`${s.name.padEnd(36)} ${fmt(s.server_ms, 1).padStart(10)} ${fmt(s.sqlite3_ms, 1).padStart(11)} ${(s.ratio ? fmt(s.ratio, 2) + 'x' : '').padStart(7)}  ${tgt} [${s.status}]`);
  }
  console.log(`\nserver memory: peak RSS (VmHWM) ${fmt(r.memory.hwm_mb, 1)} MB (logins' Argon2id included), highest sampled under wrk ${fmt(r.memory.peak_under_load_mb, 1)} MB, now ${fmt(r.memory.rss_mb, 1)} MB; target < 100 MB: ${r.memory.met ? 'met' : 'MISSED'}`);
}

export { compare, reference, londonMidnight };

// Run as a program (imported, it only lends compare and reference).
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  main().catch((e) => { console.error(`bench: ${e.stack || e}`); cleanup(); process.exit(1); });
