// The record's forms in a real browser (Debian's chromium through
// playwright-core): an appointment with an interpreter, a referral with a
// validation error fixed, a 409 met by two people editing one appointment,
// axe-core on each form page with and without errors - and all of it again
// with JavaScript turned off.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { Server, PASSWORD, survivorBody } from '../api/harness.mjs';

const AXE = resolve('node_modules/axe-core/axe.min.js');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

let s;
let ctx;
let sid;
let browser;

before(async () => {
  s = await Server.start();
  ctx = await s.seed();
  const r = await s.call('POST', '/api/v1/survivors', {
    token: ctx.tokens.advocate, body: survivorBody({ advocate_id: ctx.users.advocate.id }),
  });
  assert.equal(r.status, 201);
  sid = r.json.id;
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
});
after(async () => {
  await browser?.close();
  await s?.destroy();
});

const noScript = new WeakSet();

// A signed-in page. bypassCSP lets axe's script in; the server's CSP is
// checked by the HTTP tests.
async function signedIn(username, javaScriptEnabled) {
  const context = await browser.newContext({ bypassCSP: true, javaScriptEnabled });
  const page = await context.newPage();
  if (!javaScriptEnabled) noScript.add(page);
  await page.goto(s.base + '/');
  await page.fill('#username', username);
  await page.fill('#password', PASSWORD);
  await page.click('button:has-text("Sign in")');
  await page.waitForURL(s.base + '/');
  return { context, page };
}

// axe runs in the page: only where JavaScript is on. The server's HTML is
// the same either way; the runs without JavaScript check that every form
// works without it.
async function axe(page, what) {
  if (noScript.has(page)) return;
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate((tags) => globalThis.axe.run(document, { runOnly: { type: 'tag', values: tags } }), TAGS);
  const found = result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  assert.deepEqual(found, [], `axe on ${what}`);
}

const apiGet = async (path) => (await s.call('GET', path, { token: ctx.tokens.advocate })).json;

for (const js of [true, false]) {
  const mode = js ? 'with JavaScript' : 'without JavaScript';

  test(`an appointment with an interpreter, ${mode}`, async () => {
    const { context, page } = await signedIn('advocate', js);
    await page.goto(`${s.base}/survivors/${sid}/appointments/new`);
    assert.equal(await page.title(), 'Add an appointment – Waymark');
    await axe(page, 'the new appointment form');
    await page.selectOption('#kind', 'gp');
    await page.fill('#starts_at', '2026-12-04T10:00');
    await page.fill('#provider', js ? 'Riverside Surgery' : 'Hillside Surgery');
    await page.fill('#interpreter-language', 'ti');
    await page.check('#interpreter-needed-yes');
    await page.check('#interpreter-booked-yes');
    await page.click('button:has-text("Save")');
    await page.waitForURL(`${s.base}/survivors/${sid}?saved=appointment`);
    const items = (await apiGet(`/api/v1/survivors/${sid}/appointments?limit=500`)).items;
    const got = items.at(-1);
    assert.equal(got.provider, js ? 'Riverside Surgery' : 'Hillside Surgery');
    assert.equal(got.starts_at, '2026-12-04T10:00:00Z');
    assert.deepEqual(got.interpreter, { language: 'ti', needed: true, booked: true });
    await context.close();
  });

  test(`a referral: a validation error, fixed, ${mode}`, async () => {
    const { context, page } = await signedIn('advocate', js);
    const before = (await apiGet(`/api/v1/survivors/${sid}/referrals?limit=500`)).items.length;
    await page.goto(`${s.base}/survivors/${sid}/referrals/new`);
    await axe(page, 'the new referral form');
    await page.selectOption('#service', 'talking_therapy');
    await page.fill('#provider', 'Talking Therapies');
    await page.click('button:has-text("Save")');
    await page.waitForSelector('.nhsuk-error-summary');
    assert.equal(await page.title(), 'Error: Record a referral – Waymark');
    assert.equal(await page.textContent('.nhsuk-error-summary a[href="#sent_on"]'), 'Enter the date the referral was sent');
    assert.match(await page.textContent('#sent_on-error'), /Enter the date the referral was sent/);
    assert.equal(await page.inputValue('#provider'), 'Talking Therapies'); // kept as typed
    assert.equal(await page.inputValue('#service'), 'talking_therapy');
    await axe(page, 'the referral form with an error');
    assert.equal((await apiGet(`/api/v1/survivors/${sid}/referrals?limit=500`)).items.length, before);
    // The summary's link leads to the input.
    await page.click('.nhsuk-error-summary a[href="#sent_on"]');
    await page.fill('#sent_on', '2026-11-02');
    await page.click('button:has-text("Save")');
    await page.waitForURL(`${s.base}/survivors/${sid}?saved=referral`);
    const got = (await apiGet(`/api/v1/survivors/${sid}/referrals?limit=500`)).items.at(-1);
    assert.equal(got.sent_on, '2026-11-02');
    assert.equal(got.service, 'talking_therapy');
    await context.close();
  });

  test(`two people change one appointment: the second meets a 409, ${mode}`, async () => {
    const created = await s.call('POST', `/api/v1/survivors/${sid}/appointments`, {
      token: ctx.tokens.advocate, body: { kind: 'dental', starts_at: '2026-12-08T09:30:00Z', provider: 'Smile Dental' },
    });
    assert.equal(created.status, 201);
    const edit = `${s.base}/survivors/${sid}/appointments/${created.json.id}/edit`;
    const a = await signedIn('advocate', js);
    const b = await signedIn('manager', js);
    await a.page.goto(edit);
    await b.page.goto(edit);
    await axe(a.page, 'the change appointment form');
    await a.page.fill('#provider', 'Smile Dental, Market Street');
    await a.page.click('button:has-text("Save")');
    await a.page.waitForURL(/saved=appointment/);

    await b.page.fill('#starts_at', '2026-12-08T11:00');
    await b.page.click('button:has-text("Save")');
    await b.page.waitForSelector('h1:has-text("Someone else changed this record while you were editing")');
    assert.equal(await b.page.title(), 'Someone else changed this record – Waymark');
    const rows = await b.page.$$eval('table.wm-conflict tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent.trim())));
    assert.deepEqual(rows, [
      ['Date and time', '8 December 2026, 11:00', '8 December 2026, 09:30'],
      ['Where Changed by someone else', 'Smile Dental', 'Smile Dental, Market Street'],
    ]);
    // The form holds what is saved now; what B entered is in the table.
    assert.equal(await b.page.inputValue('#provider'), 'Smile Dental, Market Street');
    assert.equal(await b.page.inputValue('#starts_at'), '2026-12-08T09:30');
    await axe(b.page, 'the 409 page');
    let now = await apiGet(`/api/v1/survivors/${sid}/appointments/${created.json.id}`);
    assert.equal(now.starts_at, '2026-12-08T09:30:00Z'); // nothing of B's stored
    // B enters their change again, on top of A's.
    await b.page.fill('#starts_at', '2026-12-08T11:00');
    await b.page.click('button:has-text("Save")');
    await b.page.waitForURL(/saved=appointment/);
    now = await apiGet(`/api/v1/survivors/${sid}/appointments/${created.json.id}`);
    assert.equal(now.starts_at, '2026-12-08T11:00:00Z');
    assert.equal(now.provider, 'Smile Dental, Market Street');
    await a.context.close();
    await b.context.close();
  });
}

test('every other form page has no axe violations, empty and with an error', async () => {
  const { context, page } = await signedIn('advocate', true);
  // Each page, then sent with what makes it fail (empty, or a value it cannot take).
  const pages = [['registrations/new', {}], ['medications/new', {}], ['notes/new', {}],
    ['consents/new', {}], ['plan/reviews/new', {}], ['nrm/edit', {}], ['asylum/edit', {}],
    ['plan/edit', { '#review_every_days': 'monthly' }], ['edit', { '#known_as': '' }],
    ['alerts/gp_unregistered/snooze', {}]];
  for (const [p, fill] of pages) {
    await page.goto(`${s.base}/survivors/${sid}/${p}`);
    await axe(page, p);
    for (const [sel, v] of Object.entries(fill)) await page.fill(sel, v);
    await page.click('form#wm-form button[type="submit"]');
    await page.waitForSelector('.nhsuk-error-summary');
    await axe(page, `${p} with errors`);
  }
  await page.goto(`${s.base}/survivors/new`);
  await axe(page, 'survivors/new');
  await context.close();
  const mgr = await signedIn('manager', true);
  await mgr.page.goto(`${s.base}/survivors/${sid}/share`);
  await axe(mgr.page, 'share');
  await mgr.page.click('form#wm-form button[type="submit"]');
  await mgr.page.waitForSelector('.nhsuk-error-summary');
  await axe(mgr.page, 'share with errors');
  await mgr.context.close();
});
