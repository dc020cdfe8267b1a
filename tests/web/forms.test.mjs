// The record's forms in a real browser (tests/web/harness.mjs): an
// appointment with an interpreter, a referral with a validation error fixed,
// a 409 met by two people editing one appointment, axe-core on each form
// page with and without errors - and all of it again with JavaScript off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { webSuite, withPage, checkA11y, screenshot, PASSWORD, survivorBody } from './harness.mjs';

const env = webSuite();
// Two sign-ins and several axe runs a test: more than the harness's SLOW under ASan.
const LONG = { timeout: 300_000 };
let sid;

// The survivor every test works on, made by the first test that needs one
// (the suite's own before hook starts the server).
async function survivor() {
  if (sid) return sid;
  const r = await env.server.call('POST', '/api/v1/survivors', {
    token: env.ctx.tokens.advocate, body: survivorBody({ advocate_id: env.ctx.users.advocate.id }),
  });
  assert.equal(r.status, 201);
  sid = r.json.id;
  return sid;
}

async function signIn(page, username) {
  await page.goto(env.base + '/');
  await page.fill('#username', username);
  await page.fill('#password', PASSWORD);
  await page.click('button:has-text("Sign in")');
  await page.waitForURL(env.base + '/');
}

const apiGet = async (path) => (await env.server.call('GET', path, { token: env.ctx.tokens.advocate })).json;

for (const javaScript of [true, false]) {
  const mode = javaScript ? 'with JavaScript' : 'without JavaScript';
  const tag = javaScript ? 'js' : 'nojs';

  test(`an appointment with an interpreter, ${mode}`, LONG, async () => {
    await survivor();
    await withPage(env, `forms-appointment-${tag}`, { javaScript }, async (page) => {
      await signIn(page, 'advocate');
      await page.goto(`${env.base}/survivors/${sid}/appointments/new`);
      assert.equal(await page.title(), 'Add an appointment – Waymark');
      await checkA11y(page, 'the new appointment form');
      if (javaScript) await screenshot(page, 'form-appointment');
      const provider = javaScript ? 'Riverside Surgery' : 'Hillside Surgery';
      await page.selectOption('#kind', 'gp');
      await page.fill('#starts_at', '2026-12-04T10:00');
      await page.fill('#provider', provider);
      await page.fill('#interpreter-language', 'ti');
      await page.check('#interpreter-needed-yes');
      await page.check('#interpreter-booked-yes');
      await page.click('form#wm-form button[type="submit"]');
      await page.waitForURL(`${env.base}/survivors/${sid}?saved=appointment`);
      const got = (await apiGet(`/api/v1/survivors/${sid}/appointments?limit=500`)).items.at(-1);
      assert.equal(got.provider, provider);
      assert.equal(got.starts_at, '2026-12-04T10:00:00Z');
      assert.deepEqual(got.interpreter, { language: 'ti', needed: true, booked: true });
    });
  });

  test(`a referral: a validation error, then fixed, ${mode}`, LONG, async () => {
    await survivor();
    await withPage(env, `forms-referral-${tag}`, { javaScript }, async (page) => {
      await signIn(page, 'advocate');
      const before = (await apiGet(`/api/v1/survivors/${sid}/referrals?limit=500`)).items.length;
      await page.goto(`${env.base}/survivors/${sid}/referrals/new`);
      await checkA11y(page, 'the new referral form');
      await page.selectOption('#service', 'talking_therapy');
      await page.fill('#provider', 'Talking Therapies');
      await page.click('form#wm-form button[type="submit"]');
      await page.waitForSelector('.nhsuk-error-summary');
      assert.equal(await page.title(), 'Error: Record a referral – Waymark');
      assert.equal(await page.textContent('.nhsuk-error-summary a[href="#sent_on"]'), 'Enter the date the referral was sent');
      assert.match(await page.textContent('#sent_on-error'), /Enter the date the referral was sent/);
      assert.equal(await page.inputValue('#provider'), 'Talking Therapies'); // kept as typed
      assert.equal(await page.inputValue('#service'), 'talking_therapy');
      await checkA11y(page, 'the referral form with an error');
      if (javaScript) await screenshot(page, 'form-referral-error');
      assert.equal((await apiGet(`/api/v1/survivors/${sid}/referrals?limit=500`)).items.length, before);
      // The summary's link leads to the input.
      await page.click('.nhsuk-error-summary a[href="#sent_on"]');
      await page.fill('#sent_on', '2026-11-02');
      await page.click('form#wm-form button[type="submit"]');
      await page.waitForURL(`${env.base}/survivors/${sid}?saved=referral`);
      const got = (await apiGet(`/api/v1/survivors/${sid}/referrals?limit=500`)).items.at(-1);
      assert.equal(got.sent_on, '2026-11-02');
      assert.equal(got.service, 'talking_therapy');
    });
  });

  test(`two people change one appointment: the second meets a 409, ${mode}`, LONG, async () => {
    await survivor();
    const created = await env.server.call('POST', `/api/v1/survivors/${sid}/appointments`, {
      token: env.ctx.tokens.advocate,
      body: { kind: 'dental', starts_at: '2026-12-08T09:30:00Z', provider: 'Smile Dental' },
    });
    assert.equal(created.status, 201);
    const id = created.json.id;
    const edit = `${env.base}/survivors/${sid}/appointments/${id}/edit`;
    await withPage(env, `forms-409-a-${tag}`, { javaScript }, async (a) => {
      await withPage(env, `forms-409-b-${tag}`, { javaScript }, async (b) => {
        await signIn(a, 'advocate');
        await signIn(b, 'manager');
        await a.goto(edit);
        await b.goto(edit);
        await checkA11y(a, 'the change appointment form');
        await a.fill('#provider', 'Smile Dental, Market Street');
        await a.click('form#wm-form button[type="submit"]');
        await a.waitForURL(/saved=appointment/);

        await b.fill('#starts_at', '2026-12-08T11:00');
        await b.click('form#wm-form button[type="submit"]');
        await b.waitForSelector('h1:has-text("Someone else changed this record while you were editing")');
        assert.equal(await b.title(), 'Someone else changed this record – Waymark');
        const rows = await b.$$eval('table.wm-conflict tbody tr',
          (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent.trim().replace(/\s+/g, ' '))));
        assert.deepEqual(rows, [
          ['Date and time', '8 December 2026, 11:00', '8 December 2026, 09:30'],
          ['Where Changed by someone else', 'Smile Dental', 'Smile Dental, Market Street'],
        ]);
        // The form holds what is saved now; what b entered is in the table.
        assert.equal(await b.inputValue('#provider'), 'Smile Dental, Market Street');
        assert.equal(await b.inputValue('#starts_at'), '2026-12-08T09:30');
        await checkA11y(b, 'the 409 page');
        if (javaScript) await screenshot(b, 'form-409');
        let now = await apiGet(`/api/v1/survivors/${sid}/appointments/${id}`);
        assert.equal(now.starts_at, '2026-12-08T09:30:00Z'); // nothing of b's stored
        // b enters their change again, on top of a's.
        await b.fill('#starts_at', '2026-12-08T11:00');
        await b.click('form#wm-form button[type="submit"]');
        await b.waitForURL(/saved=appointment/);
        now = await apiGet(`/api/v1/survivors/${sid}/appointments/${id}`);
        assert.equal(now.starts_at, '2026-12-08T11:00:00Z');
        assert.equal(now.provider, 'Smile Dental, Market Street');
      });
    });
  });
}

test('every other form page has no axe violations, empty and with an error', { timeout: 600_000 }, async () => {
  // Each page, then sent with what makes it fail (empty, or a value it cannot take).
  const pages = [['registrations/new', {}], ['medications/new', {}], ['notes/new', {}],
    ['consents/new', {}], ['plan/reviews/new', {}], ['nrm/edit', {}], ['asylum/edit', {}],
    ['plan/edit', { '#review_every_days': 'monthly' }], ['edit', { '#known_as': '' }],
    ['alerts/gp_unregistered/snooze', {}]];
  await survivor();
  await withPage(env, 'forms-axe-advocate', async (page) => {
    await signIn(page, 'advocate');
    for (const [p, fill] of pages) {
      await page.goto(`${env.base}/survivors/${sid}/${p}`);
      await checkA11y(page, p);
      for (const [sel, v] of Object.entries(fill)) await page.fill(sel, v);
      await page.click('form#wm-form button[type="submit"]');
      await page.waitForSelector('.nhsuk-error-summary');
      await checkA11y(page, `${p} with errors`);
    }
    await page.goto(`${env.base}/survivors/new`);
    await checkA11y(page, 'survivors/new');
  });
  await withPage(env, 'forms-axe-manager', async (page) => {
    await signIn(page, 'manager');
    await page.goto(`${env.base}/survivors/${sid}/share`);
    await checkA11y(page, 'share');
    await page.click('form#wm-form button[type="submit"]');
    await page.waitForSelector('.nhsuk-error-summary');
    await checkA11y(page, 'share with errors');
  });
});
