// Starts a real waymark server on a free loopback port over a new database,
// and offers small helpers to call it. One server per test file (suite).
//
// The backend: a SQLite file by default; with WAYMARK_TEST_PG=1 (set by
// scripts/run-tests' api-pg runner, with PGHOST and PGUSER naming the
// throw-away server scripts/pg-temp started, and WAYMARK_PG_BIN its
// binaries), every server the harness starts gets a fresh PostgreSQL
// database of its own, made with createdb and dropped by destroy().
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, writeFileSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const PG = process.env.WAYMARK_TEST_PG === '1';
const PG_BIN = process.env.WAYMARK_PG_BIN || '';
// The key file of each PostgreSQL database the harness made (a PostgreSQL
// database has no file to put its key beside: --key-file is required).
const pgKeys = new Map();

// Runs a PostgreSQL client program of the test server (createdb, psql...).
export function pgTool(name, args) {
  return spawnSync(join(PG_BIN, name), args, { encoding: 'utf8' });
}

export const BIN = resolve(process.env.WAYMARK_BIN || 'build/waymark');
export const ADMIN_PASSWORD = 'admin-password-for-tests';
export const PASSWORD = 'correct horse battery';
// What the administrator gives a seeded account; changed to PASSWORD at once.
export const FIRST_PASSWORD = 'first password from the admin';

// Runs the waymark command line; on PostgreSQL, a --db the harness made is
// given its key file.
export function run(args, opts = {}) {
  return spawnSync(BIN, withKey(args), { encoding: 'utf8', ...opts });
}

function withKey(args) {
  const i = args.indexOf('--db');
  const key = i >= 0 ? pgKeys.get(args[i + 1]) : undefined;
  return key && !args.includes('--key-file') ? [...args, '--key-file', key] : args;
}

export class Server {
  static async start(extraArgs = []) {
    const s = new Server();
    s.dir = mkdtempSync(join(tmpdir(), 'waymark-test-'));
    s.db = join(s.dir, 'waymark.db');
    if (PG) {
      s.pgName = 'wm_' + randomBytes(6).toString('hex');
      const made = pgTool('createdb', ['-T', 'template0', s.pgName]);
      if (made.status !== 0) throw new Error('createdb failed: ' + made.stderr);
      s.db = `postgresql:///${s.pgName}`;
      pgKeys.set(s.db, join(s.dir, 'waymark.key'));
    }
    const pw = join(s.dir, 'admin-password');
    writeFileSync(pw, ADMIN_PASSWORD + '\n');
    const init = run(['init', '--db', s.db, '--admin-password-file', pw]);
    if (init.status !== 0) throw new Error('init failed: ' + init.stderr);
    await s.spawn(extraArgs);
    return s;
  }

  async spawn(extraArgs = []) {
    this.stderr = '';
    this.proc = spawn(BIN, withKey(['serve', '--db', this.db, '--listen', '127.0.0.1:0',
      '--rate-limit', '0', '--threads', '2', ...extraArgs]), { stdio: ['ignore', 'ignore', 'pipe'] });
    this.exited = new Promise((res) => this.proc.on('exit', (code, signal) => res({ code, signal })));
    this.port = await new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error('server did not start: ' + this.stderr)), 10000);
      this.proc.stderr.on('data', (chunk) => {
        this.stderr += chunk.toString();
        // WM_SERVER_LOG=FILE keeps every server's log, to debug a run.
        if (process.env.WM_SERVER_LOG) appendFileSync(process.env.WM_SERVER_LOG, chunk);
        const m = this.stderr.match(/serving on http:\/\/127\.0\.0\.1:(\d+)/);
        if (m) { clearTimeout(timer); res(Number(m[1])); }
      });
      this.proc.on('exit', () => rej(new Error('server exited: ' + this.stderr)));
    });
    this.base = `http://127.0.0.1:${this.port}`;
  }

  async stop() {
    if (this.proc && this.proc.exitCode === null) {
      this.proc.kill('SIGTERM');
      const r = await this.exited;
      this.exit = r;
    }
    return this.exit;
  }

  async destroy() {
    await this.stop();
    if (this.pgName) {
      pgTool('dropdb', ['--force', this.pgName]);
      pgKeys.delete(this.db);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  // Runs SQL on the server's database (sqlite3's shell, or psql: both print
  // rows as fields joined by "|", one a line); answers {status, stdout, stderr}.
  sql(query) {
    if (this.pgName) return pgTool('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', this.pgName, '-c', query]);
    return spawnSync('sqlite3', [this.db, query], { encoding: 'utf8' });
  }

  // The key file of the server's database.
  get keyFile() { return pgKeys.get(this.db) ?? `${this.db}.key`; }

  // Calls the API; body is JSON-encoded unless raw is given.
  async call(method, path, { token, body, raw, headers = {} } = {}) {
    const h = { ...headers };
    if (token) h.Authorization = `Bearer ${token}`;
    let payload;
    if (raw !== undefined) payload = raw;
    else if (body !== undefined) { payload = JSON.stringify(body); h['Content-Type'] = 'application/json'; }
    const res = await fetch(this.base + path, { method, headers: h, body: payload });
    const text = await res.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { json = null; }
    return { status: res.status, headers: res.headers, json, text };
  }

  async login(username, password = PASSWORD) {
    const r = await this.call('POST', '/api/v1/login', { body: { username, password } });
    if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${r.text}`);
    return r.json.token;
  }

  // A session of the pages, signed in through the form as a browser is:
  // its cookie ("wm_session=...").
  async pageSession(username, password = PASSWORD) {
    const first = await fetch(`${this.base}/`, { headers: { Accept: 'text/html' } });
    const pre = first.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const csrf = /name="csrf" value="([^"]+)"/.exec(await first.text())[1];
    const r = await fetch(`${this.base}/sign-in`, {
      method: 'POST', redirect: 'manual',
      headers: { Accept: 'text/html', Cookie: pre, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf, username, password }).toString(),
    });
    if (r.status !== 303) throw new Error(`page sign-in ${username}: ${r.status}`);
    const cookie = r.headers.getSetCookie().map((c) => c.split(';')[0]).filter((c) => c.startsWith('wm_session=')).join('; ');
    if (!cookie) throw new Error(`page sign-in ${username}: no session cookie`);
    return cookie;
  }

  // An administrator, two agencies and a health org, one account per role.
  async seed() {
    const admin = await this.login('admin', ADMIN_PASSWORD);
    const org = async (name, kind) => (await this.call('POST', '/api/v1/orgs', { token: admin, body: { name, kind } })).json;
    const agency = await org('Agency One', 'support_agency');
    const other = await org('Agency Two', 'support_agency');
    const health = await org('Health Centre', 'health');
    const user = async (username, role, org_id) => {
      const r = await this.call('POST', '/api/v1/users', {
        token: admin, body: { username, password: FIRST_PASSWORD, display_name: username, role, org_id },
      });
      if (r.status !== 201) throw new Error(`user ${username}: ${r.status} ${r.text}`);
      return r.json;
    };
    const users = {
      manager: await user('manager', 'manager', agency.id),
      advocate: await user('advocate', 'advocate', agency.id),
      advocate2: await user('advocate2', 'advocate', agency.id),
      clinician: await user('clinician', 'clinician', health.id),
      analyst: await user('analyst', 'analyst', agency.id),
      otherManager: await user('othermanager', 'manager', other.id),
      otherAdvocate: await user('otheradvocate', 'advocate', other.id),
    };
    const tokens = { admin };
    // The administrator chose each first password: its owner changes it to
    // PASSWORD at the first sign-in, as a person would, and keeps the token.
    for (const [k, u] of Object.entries(users)) {
      tokens[k] = await this.login(u.username, FIRST_PASSWORD);
      await this.changePassword(tokens[k], FIRST_PASSWORD, PASSWORD);
      users[k] = (await this.call('GET', '/api/v1/me', { token: tokens[k] })).json;
    }
    return { orgs: { agency, other, health }, users, tokens };
  }

  // The signed-in user's own change of password (POST /api/v1/me/password).
  async changePassword(token, current_password, new_password) {
    const r = await this.call('POST', '/api/v1/me/password', { token, body: { current_password, new_password } });
    if (r.status !== 204) throw new Error(`password change: ${r.status} ${r.text}`);
  }

  // What the database holds at rest, to search for text that must not be
  // there in clear: SQLite's files, or a plain pg_dump of the PostgreSQL
  // database (its contents as a backup would hold them).
  dbFiles() {
    if (this.pgName) {
      const dump = spawnSync(join(PG_BIN, 'pg_dump'), ['--no-owner', this.pgName]);
      if (dump.status !== 0) throw new Error('pg_dump failed: ' + dump.stderr);
      return [dump.stdout];
    }
    return [this.db, this.db + '-wal', this.db + '-reads', this.db + '-reads-wal']
      .filter(existsSync).map((f) => readFileSync(f));
  }
}

export const survivorBody = (over = {}) => ({
  known_as: 'Ardita',
  entered_service_on: '2026-10-01',
  ...over,
});

// Undoes migrations newer than `version` by hand, newest first: an "older"
// database for upgrade tests. Each entry undoes one migration.
const UNDO = {
  4: 'DROP INDEX survivors_org_seq; DROP INDEX survivors_advocate;',
  10: 'ALTER TABLE users DROP COLUMN must_change_password;',
  11: ['nrm', 'asylum', 'plan', 'plan_reviews', 'registrations', 'appointments', 'referrals',
    'medications', 'notes', 'consents'].map((t) => `DROP TABLE ${t};`).join(' '),
  12: 'DROP TABLE versions;',
  13: 'DROP TABLE safeguarding_shares;',
  14: 'DROP TABLE erasures;',
  15: 'DROP TABLE snoozes; DROP TABLE org_days;',
  16: 'DROP INDEX registrations_org_refused; DROP INDEX nrm_org; DROP INDEX survivors_org_entered; '
    + 'ALTER TABLE plan DROP COLUMN goal_domains; ALTER TABLE survivors DROP COLUMN advocate_changes;',
  18: 'ALTER TABLE users DROP COLUMN privacy_mode;', // settings: privacy mode
  19: 'DROP TABLE two_factor_recovery; DROP TABLE two_factor; DROP TABLE org_two_factor;', // two-factor sign-in
  20: 'DROP TRIGGER audit_head_after_insert; DROP TABLE audit_head; ALTER TABLE audit DROP COLUMN mac;', // the audit chain
  22: 'DROP TABLE calendar_feeds;', // an advocate's calendar feed
  23: 'DROP TABLE org_documents;', // an organisation's choices for its documents
  24: 'DROP TABLE import_refs;', // an import's case references
};
export function rollBack(db, version) {
  const steps = Object.keys(UNDO).map(Number).filter((v) => v > version).sort((a, b) => b - a);
  const script = steps.map((v) => UNDO[v]).join(' ') + ` DELETE FROM schema_migrations WHERE version > ${version};`;
  return spawnSync('sqlite3', [db, script], { encoding: 'utf8' });
}

// A valid example of each part of a survivor's record, and whether it is
// one per survivor (written with PUT).
export const recordExamples = {
  nrm: { referred_on: '2026-09-01' },
  asylum: { claimed_on: '2026-09-10' },
  plan: { goals: [{ domain: 'health', text: 'Register with a GP' }] },
  'plan/reviews': { on: '2026-10-01' },
  registrations: { service: 'gp', registered_on: '2026-10-01' },
  appointments: { kind: 'gp', starts_at: '2026-12-10T09:30:00Z' },
  referrals: { service: 'mental_health', sent_on: '2026-10-01' },
  medications: { name: 'Sertraline', category: 'antidepressant' },
  notes: { kind: 'call', body: 'Called to confirm the appointment' },
  consents: { purpose: 'handover', given_on: '2026-10-01' },
};
export const oneRecordKinds = ['nrm', 'asylum', 'plan'];

// Adds one of each part to a survivor's record; answers {kind: item id}.
export async function addRecordExamples(s, token, survivorId) {
  const ids = {};
  for (const [kind, body] of Object.entries(recordExamples)) {
    const r = await s.call(oneRecordKinds.includes(kind) ? 'PUT' : 'POST', `/api/v1/survivors/${survivorId}/${kind}`, { token, body });
    if (r.status !== 201) throw new Error(`${kind}: ${r.status} ${r.text}`);
    ids[kind] = r.json.id;
  }
  return ids;
}
