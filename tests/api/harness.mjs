// Starts a real waymark server on a free loopback port over a new database,
// and offers small helpers to call it. One server per test file (suite).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const BIN = resolve(process.env.WAYMARK_BIN || 'build/waymark');
export const ADMIN_PASSWORD = 'admin-password-for-tests';
export const PASSWORD = 'correct horse battery';
// What the administrator gives a seeded account; changed to PASSWORD at once.
export const FIRST_PASSWORD = 'first password from the admin';

export function run(args, opts = {}) {
  return spawnSync(BIN, args, { encoding: 'utf8', ...opts });
}

export class Server {
  static async start(extraArgs = []) {
    const s = new Server();
    s.dir = mkdtempSync(join(tmpdir(), 'waymark-test-'));
    s.db = join(s.dir, 'waymark.db');
    const pw = join(s.dir, 'admin-password');
    writeFileSync(pw, ADMIN_PASSWORD + '\n');
    const init = run(['init', '--db', s.db, '--admin-password-file', pw]);
    if (init.status !== 0) throw new Error('init failed: ' + init.stderr);
    await s.spawn(extraArgs);
    return s;
  }

  async spawn(extraArgs = []) {
    this.stderr = '';
    this.proc = spawn(BIN, ['serve', '--db', this.db, '--listen', '127.0.0.1:0',
      '--rate-limit', '0', '--threads', '2', ...extraArgs], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.exited = new Promise((res) => this.proc.on('exit', (code, signal) => res({ code, signal })));
    this.port = await new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error('server did not start: ' + this.stderr)), 10000);
      this.proc.stderr.on('data', (chunk) => {
        this.stderr += chunk.toString();
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
    rmSync(this.dir, { recursive: true, force: true });
  }

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

  dbFiles() {
    return [this.db, this.db + '-wal'].filter(existsSync).map((f) => readFileSync(f));
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
