// The survivor's record pages in a real browser (issue 14): an advocate
// opens a survivor from the dashboard and finds the summary, the alerts, the
// journey timeline (an SVG image with a name, and its table), every part of
// the record and what it lacks for alerts; the caseload list; a clinician's
// shared record saying plainly what is not shown; the same without
// JavaScript; axe on each; the page's reads in the access log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { webSuite, withPage, checkA11y, screenshot, PASSWORD, SLOW, WAIT } from './harness.mjs';

const env = webSuite();
const api = (who, method, path, body) => env.server.call(method, path, { token: env.ctx.tokens[who], body });
async function ok(who, method, path, body, status) {
  const r = await api(who, method, path, body);
  assert.equal(r.status, status ?? (method === 'GET' || method === 'PATCH' ? 200 : 201), `${method} ${path}: ${r.text}`);
  return r.json;
}

// Days from today, as the server's dates (the server runs on the real clock).
const day = (n) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

// The survivor every test reads, made once, by the first test that needs it
// (after the suite's server is up).
let sv;
async function setup() {
  if (sv) return;
  sv = await ok('advocate', 'POST', '/api/v1/survivors', {
    known_as: 'Ardita', entered_service_on: day(-60), gender: 'female',
    languages: [{ code: 'sq', interpreter_needed: true, interpreter_gender: 'female' }],
    contact: { safe_to_call: true, safe_voicemail: false, safe_letters: false },
    care_needs: { approach_with_care: 'No examination by a man', clinician_gender: 'female', advocate_attends: true },
    dependants: [{ known_as: 'Besa', birth_year: 2020 }],
  });
  const base = `/api/v1/survivors/${sv.id}`;
  await ok('advocate', 'PUT', `${base}/nrm`, { referred_on: day(-50), rg_decision_on: day(-40), rg_outcome: 'positive' });
  await ok('advocate', 'PUT', `${base}/asylum`, { claimed_on: day(-45) });
  await ok('advocate', 'POST', `${base}/registrations`, { service: 'gp', provider: 'Hill Street Surgery', refused_on: day(-30), refusal_reason: 'no_proof_of_address' });
  await ok('advocate', 'POST', `${base}/appointments`, { kind: 'gp', starts_at: `${day(-3)}T10:00:00Z`, status: 'cancelled', cancelled_by: 'third_party' });
  await ok('advocate', 'POST', `${base}/appointments`, { kind: 'dental', starts_at: `${day(-10)}T10:00:00Z`, status: 'attended', interpreter: { needed: true, booked: true, provided: true } });
  await ok('advocate', 'POST', `${base}/referrals`, { service: 'counselling', provider: 'Talking Space', sent_on: day(-35) });
  await ok('advocate', 'POST', `${base}/referrals`, { service: 'housing', sent_on: day(-40), first_seen_on: day(-20) });
  await ok('advocate', 'POST', `${base}/medications`, { name: 'Sertraline', category: 'antidepressant', started_on: day(-20) });
  await ok('advocate', 'POST', `${base}/notes`, { kind: 'call', body: 'Called about the GP refusal' });
}

async function signIn(page, username) {
  await page.goto(env.base + '/');
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor({ state: 'visible' });
}

// What an advocate must find on the record, with or without JavaScript.
async function assertAdvocateRecord(page) {
  assert.equal(await page.locator('h1').count(), 1);
  assert.equal((await page.locator('h1').innerText()).trim(), 'Ardita');
  assert.ok(!(await page.title()).includes('Ardita'), 'no name in the title');
  const main = page.locator('main');
  // The summary.
  const summary = main.locator('dl').first();
  for (const text of ['Albanian (sq): interpreter needed, female interpreter asked for',
    'Calls: safe. Voicemail: not safe. Letters: not safe.', 'No examination by a man',
    'The advocate goes to appointments too', 'Besa']) {
    assert.ok((await summary.innerText()).includes(text), `summary says: ${text}`);
  }
  // The alerts: severity in words as well as a tag, and a snooze link each.
  const alerts = main.locator('.wm-record-alerts > li');
  assert.ok(await alerts.count() >= 3);
  const critical = alerts.filter({ hasText: 'cancelled by a third party' });
  assert.ok((await critical.innerText()).includes('Critical priority: act today'));
  const snooze = critical.getByRole('link', { name: /^Snooze/ });
  assert.match(await snooze.getAttribute('href'), new RegExp(`^/survivors/${sv.id}/alerts/third_party_cancellation/[0-9a-f]+/snooze$`));
  // One timeline, an image with a name, inside main, and its table.
  const img = main.getByRole('img', { name: "The survivor's journey" });
  assert.equal(await img.count(), 1);
  assert.equal(await page.locator('svg.wm-timeline').count(), 1);
  assert.equal(await img.evaluate((e) => e.tagName.toLowerCase()), 'svg');
  const table = main.locator('table').filter({ has: page.locator('caption', { hasText: 'The journey, date by date' }) });
  const rows = await table.locator('tbody tr').allInnerTexts();
  for (const text of ['Referred to the NRM', 'Reasonable grounds decision: positive', 'Asylum claimed',
    'GP registration: refused by Hill Street Surgery', 'GP appointment at', 'cancelled by third party',
    'Dental appointment at', 'attended', 'Referral to counselling: sent, still waiting after 35 days',
    'Referral to housing: sent, first seen on']) {
    assert.ok(rows.some((r) => r.includes(text)), `the timeline's table says: ${text}`);
  }
  // Each part, with its Add link at the URLs of web.md, and what is missing.
  for (const heading of ['National Referral Mechanism (NRM)', 'Asylum claim', 'Support plan', 'Registrations',
    'Appointments', 'Referrals', 'Medication', 'Case notes', 'Consents', 'Snoozed alerts']) {
    await main.getByRole('heading', { level: 2, name: heading, exact: true }).waitFor({ state: 'attached' });
  }
  assert.equal(await main.getByRole('link', { name: 'Add an appointment' }).getAttribute('href'), `/survivors/${sv.id}/appointments/new`);
  assert.equal(await main.getByRole('link', { name: 'Add the support plan' }).getAttribute('href'), `/survivors/${sv.id}/plan/edit`);
  assert.match(await main.getByRole('link', { name: 'Change NRM referral' }).getAttribute('href'), new RegExp(`^/survivors/${sv.id}/nrm/edit$`));
  assert.match(await main.getByRole('link', { name: /^Change Sertraline/ }).getAttribute('href'), new RegExp(`^/survivors/${sv.id}/medications/[0-9a-f]+/edit$`));
  const meds = main.locator('section').filter({ has: page.getByRole('heading', { name: 'Medication', exact: true }) });
  assert.ok((await meds.innerText()).includes('Sertraline: not recorded whether it was explained to the survivor, so Waymark cannot tell you'));
  const both = main.locator('section').filter({ has: page.getByRole('heading', { name: 'Asylum claim', exact: true }) });
  assert.ok((await both.innerText()).includes('Asylum claim: asylum support not recorded, so Waymark cannot tell you'));
  assert.ok((await main.innerText()).includes('Called about the GP refusal'));
}

test('an advocate opens a survivor from the dashboard: summary, alerts, timeline and its table, parts, what is missing', SLOW, async () => {
  await setup();
  await withPage(env, 'record-advocate', async (page) => {
    await signIn(page, 'advocate');
    await page.getByRole('link', { name: 'Ardita' }).first().click();
    await page.waitForURL(`${env.base}/survivors/${sv.id}`, { timeout: WAIT });
    await assertAdvocateRecord(page);
    await screenshot(page, 'record-advocate');
    await page.locator('svg.wm-timeline').screenshot({ path: 'build/screenshots/record-timeline.png', timeout: WAIT });
    await checkA11y(page, 'the record page (advocate)');

    // The caseload list: the survivor a link to the record, and Add a survivor.
    await page.getByRole('link', { name: 'Survivors', exact: true }).click();
    await page.waitForURL(`${env.base}/survivors`, { timeout: WAIT });
    assert.equal(await page.getByRole('button', { name: 'Add a survivor' }).getAttribute('href'), '/survivors/new');
    assert.equal(await page.getByRole('link', { name: 'Ardita' }).getAttribute('href'), `/survivors/${sv.id}`);
    await screenshot(page, 'survivors');
    await checkA11y(page, 'the survivors list (advocate)');
  });
  // Every read the page made is the API's, in the access log.
  const log = await ok('manager', 'GET', `/api/v1/survivors/${sv.id}/access-log?limit=200`);
  const routes = log.items.filter((e) => e.user_id === env.ctx.users.advocate.id && e.action === 'read').map((e) => e.route);
  assert.ok(routes.includes('/api/v1/survivors/{id}/record'));
  assert.ok(routes.includes('/api/v1/survivors/{id}/alerts'));
});

test('the list pages with the API\'s sealed cursor, which names no one', SLOW, async () => {
  await setup();
  // 26 survivors: one more than a page.
  for (let i = 0; i < 26; i++) await ok('advocate2', 'POST', '/api/v1/survivors', { known_as: `Person ${i}`, entered_service_on: day(-5) });
  await withPage(env, 'survivors-paging', async (page) => {
    await signIn(page, 'advocate2');
    await page.goto(env.base + '/survivors');
    const next = page.getByRole('link', { name: 'Next page of survivors' });
    const href = await next.getAttribute('href');
    assert.match(href, /^\/survivors\?cursor=[A-Za-z0-9_-]+$/);
    assert.ok(!/Person|Ardita/i.test(Buffer.from(href.split('=')[1], 'base64url').toString('latin1')));
    await next.click();
    await page.getByRole('link', { name: 'Back to the first page of survivors' }).waitFor({ state: 'visible' });
    assert.ok(await page.locator('tbody tr').count() >= 1);
    await checkA11y(page, 'the survivors list, a later page');
  });
});

test('a clinician sees a shared record, and the page says what is not shown and why', SLOW, async () => {
  await setup();
  await ok('advocate', 'POST', `/api/v1/survivors/${sv.id}/consents`, { purpose: 'share_with_org', org_id: env.ctx.orgs.health.id, given_on: day(-1) });
  await withPage(env, 'record-clinician', async (page) => {
    await signIn(page, 'clinician');
    await page.goto(env.base + '/survivors');
    await page.getByRole('link', { name: 'Ardita' }).click();
    await page.waitForURL(`${env.base}/survivors/${sv.id}`, { timeout: WAIT });
    const main = page.locator('main');
    assert.ok((await main.innerText()).includes('NRM and asylum details and case notes are kept to the survivor\'s own advocacy service'));
    for (const heading of ['National Referral Mechanism (NRM)', 'Asylum claim', 'Case notes', 'Snoozed alerts']) {
      assert.equal(await main.getByRole('heading', { name: heading, exact: true }).count(), 0, heading);
    }
    const text = await main.innerText();
    for (const hidden of ['Referred to the NRM', 'Asylum claimed', 'Called about the GP refusal', 'asylum support not recorded']) {
      assert.ok(!text.includes(hidden), `a clinician does not see: ${hidden}`);
    }
    await main.getByRole('img', { name: "The survivor's journey" }).waitFor({ state: 'visible' });
    assert.ok(text.includes('Sertraline'));
    // A clinician may add care but change nothing, and snoozes nothing.
    assert.equal(await main.getByRole('link', { name: 'Add an appointment' }).count(), 1);
    assert.equal(await main.getByRole('link', { name: /^Change/ }).count(), 0);
    assert.equal(await main.getByRole('link', { name: /^Snooze/ }).count(), 0);
    await screenshot(page, 'record-clinician');
    await checkA11y(page, 'the record page (clinician)');
    await page.goto(env.base + '/survivors');
    await checkA11y(page, 'the survivors list (clinician)');
  });
});

test('without JavaScript the record shows everything', SLOW, async () => {
  await setup();
  await withPage(env, 'record-no-js', { javaScript: false }, async (page) => {
    await signIn(page, 'advocate');
    await page.goto(`${env.base}/survivors/${sv.id}`);
    await assertAdvocateRecord(page);
    await checkA11y(page, 'the record page');
  });
});

test('a record that is not there, or not the reader\'s, is a plain 404 page', SLOW, async () => {
  await setup();
  const other = await ok('otherAdvocate', 'POST', '/api/v1/survivors', { known_as: 'Elsewhere', entered_service_on: day(-5) });
  await withPage(env, 'record-404', async (page) => {
    await signIn(page, 'advocate');
    for (const id of [other.id, '0123456789abcdef0123456789abcdef']) {
      const r = await page.goto(`${env.base}/survivors/${id}`);
      assert.equal(r.status(), 404);
      assert.ok(!(await page.content()).includes('Elsewhere'));
    }
    await checkA11y(page, 'the 404 page');
  });
});
