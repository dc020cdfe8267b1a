// Browser tests: a real waymark server (tests/api/harness.mjs) and Debian's
// Chromium driven by playwright-core. One server and one browser per test
// file (webSuite), a fresh browser context per test (withPage), so a test's
// cookies never leak into the next and each test stays cheap.
//
// Every wait is bounded (WAIT) and nothing is asserted about timing.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { Server } from '../api/harness.mjs';

export * from '../api/harness.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

// Debian's chromium (scripts/install-deps); never a browser Playwright downloads.
export const CHROMIUM = process.env.WAYMARK_CHROMIUM || '/usr/bin/chromium';
// The bound on any one wait: a navigation, a locator, the browser's start.
export const WAIT = 15_000;
// The bound on a whole test (the ASan build is several times slower).
export const SLOW = { timeout: 120_000 };
export const SCREENSHOTS = ROOT + 'build/screenshots/';

// The closed network here refuses every background connection; without these
// Chromium waits on them at start. Playwright passes most of them itself, they
// are repeated so the list does not depend on its version. Playwright refuses
// --user-data-dir in args: launch() makes a fresh profile directory of its own
// for each browser and deletes it on close, which is what we want.
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
  '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage'];

export function startBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
}

// The WCAG 2.2 AA rule set the issue asks for.
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const AXE_SOURCE = readFileSync(ROOT + 'node_modules/axe-core/axe.min.js', 'utf8');

// What a test shares across a file: { server, ctx (seed), browser }. Both
// processes are closed after the file however its tests ended, and the server
// is killed if the test process exits without running `after`.
export function webSuite({ seed = true } = {}) {
  const env = {};
  const killServer = () => { if (env.server?.proc?.exitCode === null) env.server.proc.kill('SIGKILL'); };
  before(async () => {
    process.once('exit', killServer);
    env.server = await Server.start();
    env.base = env.server.base;
    if (seed) env.ctx = await env.server.seed();
    env.browser = await startBrowser();
  }, { timeout: 60_000 });
  after(async () => {
    // The browser first: closing it cannot fail the server's exit check.
    try { await env.browser?.close(); } finally { await env.server?.destroy(); }
    process.removeListener('exit', killServer);
  });
  return env;
}

const noScript = new WeakSet(); // contexts that run no page script (withPage)

// Opens a fresh context and page (javaScript: false for the no-JS runs), runs
// fn(page, context), and closes the context however fn ends. On failure a
// screenshot failed-<label>.png is kept. Afterwards fails if the page broke
// its Content-Security-Policy, threw, or reached for another origin.
export async function withPage(env, label, opts, fn) {
  if (typeof opts === 'function') { fn = opts; opts = {}; }
  const { javaScript = true, ...contextOptions } = opts;
  const context = await env.browser.newContext({ javaScriptEnabled: javaScript, ...contextOptions });
  if (!javaScript) noScript.add(context);
  context.setDefaultTimeout(WAIT);
  context.setDefaultNavigationTimeout(WAIT);
  const problems = [];
  const origin = new URL(env.base).origin;
  context.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith('data:') && !u.startsWith('blob:') && new URL(u).origin !== origin) {
      problems.push(`request to another origin: ${u}`);
    }
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content.Security.Policy/i.test(m.text())) problems.push('CSP: ' + m.text());
  });
  page.on('pageerror', (e) => problems.push('page script threw: ' + e.message));
  try {
    await fn(page, context);
  } catch (e) {
    await screenshot(page, 'failed-' + label).catch(() => {});
    throw e;
  } finally {
    await context.close().catch(() => {});
  }
  assert.deepEqual(problems, [], `${label}: the page broke its own rules`);
}

// Runs axe-core (WCAG 2.2 AA tags) on the page as it is and fails with one
// line per violation: rule id, impact, the CSS selectors of the nodes.
//
// axe is put in with page.evaluate (the DevTools protocol), not addScriptTag:
// the pages' CSP (script-src 'self') blocks an inline <script>, and evaluate
// is not subject to it, so the tests see the CSP exactly as a user's browser
// does (no bypassCSP). A page without script cannot run axe (Chromium closes
// a script-disabled page when axe sets a timer), so for the no-JS runs (a
// context opened by withPage with javaScript: false) the page's DOM is loaded,
// its scripts blocked, into a scripted context and checked there.
export async function checkA11y(page, label) {
  if (noScript.has(page.context())) return checkA11yOfCopy(page, label);
  await bounded(page.evaluate(AXE_SOURCE), `loading axe into ${label}`);
  const result = await bounded(page.evaluate(async (tags) => {
    const r = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      targets: v.nodes.map((n) => n.target.join(' ')) }));
  }, AXE_TAGS), `axe on ${label}`);
  const lines = result.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.targets.join(', ')}`);
  assert.deepEqual(lines, [], `axe found WCAG violations on ${label}:\n  ${lines.join('\n  ')}`);
}

// page.evaluate has no timeout of its own.
function bounded(promise, what, ms = WAIT) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

async function checkA11yOfCopy(page, label) {
  const url = page.url();
  const html = await page.content();
  const copy = await page.context().browser().newContext({ javaScriptEnabled: true });
  copy.setDefaultTimeout(WAIT);
  try {
    await copy.route('**/*', (route) => {
      const r = route.request();
      if (r.url() === url && r.isNavigationRequest()) return route.fulfill({ contentType: 'text/html; charset=utf-8', body: html });
      if (r.resourceType() === 'script') return route.abort();
      return route.continue();
    });
    const p = await copy.newPage();
    await p.goto(url, { timeout: WAIT });
    await checkA11y(p, label + ' (without JavaScript)');
  } finally {
    await copy.close().catch(() => {});
  }
}

// Saves a full-page PNG as build/screenshots/<name>.png; answers its path.
export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = SCREENSHOTS + name.replace(/[^A-Za-z0-9_.-]+/g, '-') + '.png';
  await page.screenshot({ path, fullPage: true, timeout: WAIT });
  return path;
}

// The security headers every HTML answer carries (issue 14).
export function assertSecurityHeaders(headers, what) {
  const csp = headers['content-security-policy'] || '';
  const directive = (name) => csp.split(';').map((d) => d.trim().split(/\s+/))
    .find((d) => d[0].toLowerCase() === name);
  const script = directive('script-src');
  assert.ok(script && script.includes("'self'"), `${what}: CSP without script-src 'self': ${csp}`);
  assert.ok(!script.some((v) => /unsafe-inline|unsafe-eval|^\*$|^https?:$|^data:$/i.test(v)),
    `${what}: CSP script-src lets in more than the origin's own files: ${csp}`);
  assert.deepEqual(directive('frame-ancestors'), ['frame-ancestors', "'none'"], `${what}: CSP frame-ancestors: ${csp}`);
  assert.equal(headers['x-content-type-options'], 'nosniff', `${what}: X-Content-Type-Options`);
  assert.equal(headers['referrer-policy'], 'no-referrer', `${what}: Referrer-Policy`);
}
