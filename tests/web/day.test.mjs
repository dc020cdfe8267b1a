// An advocate's whole day in the browser, as the issue tells it: sign in, see
// the critical alert a third party's cancellation raised, open the survivor,
// add an appointment with an interpreter, record a referral (a validation
// error, then fixed), meet a 409, sign out - with JavaScript and without. And
// a clinician who sees a shared record and loses it the moment the consent is
// withdrawn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { webSuite, withPage, checkA11y, screenshot, PASSWORD, survivorBody } from './harness.mjs';

const env = webSuite();
const LONG = { timeout: 300_000 };

const dayText = (d) => d.toISOString().slice(0, 10);
const daysFromNow = (n) => new Date(Date.now() + n * 86400_000);

async function api(method, path, token, body) {
  const r = await env.server.call(method, path, { token, body });
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${r.text}`);
  return r.json;
}

// A survivor of the advocate's whose GP appointment yesterday was cancelled
// by a third party: the one critical alert.
async function cancelledSurvivor(name) {
  const t = env.ctx.tokens.advocate;
  const s = await api('POST', '/api/v1/survivors', t, survivorBody({
    known_as: name, advocate_id: env.ctx.users.advocate.id, entered_service_on: dayText(daysFromNow(-20)),
    languages: [{ code: 'ti', interpreter_needed: true }],
  }));
  await api('POST', `/api/v1/survivors/${s.id}/appointments`, t, {
    kind: 'gp', starts_at: `${dayText(daysFromNow(-1))}T10:00:00Z`, provider: 'Riverside Surgery',
    status: 'cancelled', cancelled_by: 'third_party',
  });
  return s;
}

async function signIn(page, username) {
  await page.goto(env.base + '/');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(env.base + '/');
}

for (const javaScript of [true, false]) {
  const mode = javaScript ? 'with JavaScript' : 'without JavaScript';
  test(`an advocate's day, ${mode}`, LONG, async () => {
    const name = javaScript ? 'Selam' : 'Lina';
    const s = await cancelledSurvivor(name);
    await withPage(env, `day-${javaScript ? 'js' : 'nojs'}`, { javaScript }, async (page) => {
      await signIn(page, 'advocate');

      // The dashboard: the critical alert first, in words an advocate acts on.
      const critical = page.locator('section.wm-alerts--critical');
      await critical.waitFor();
      assert.match(await critical.textContent(), /cancelled by a third party/);
      assert.match(await critical.textContent(), new RegExp(name));
      await checkA11y(page, 'the dashboard');
      if (javaScript) await screenshot(page, 'dashboard');

      // Open the survivor from the alert.
      await critical.getByRole('link', { name }).first().click();
      await page.waitForURL(`${env.base}/survivors/${s.id}`);
      assert.equal(await page.locator('h1').first().textContent().then((t) => t.trim()), name);
      assert.doesNotMatch(await page.title(), new RegExp(name)); // no name in a title
      assert.ok(await page.locator('main svg[role="img"]').count() >= 1, 'the journey timeline');
      await checkA11y(page, 'the record');
      if (javaScript) await screenshot(page, 'record');

      // Add an appointment with an interpreter.
      await page.getByRole('link', { name: 'Add an appointment' }).click();
      await page.selectOption('#kind', 'gp');
      await page.fill('#starts_at', `${dayText(daysFromNow(3))}T09:30`);
      await page.fill('#provider', 'Riverside Surgery');
      await page.fill('#interpreter-language', 'ti');
      await page.check('#interpreter-needed-yes');
      await page.check('#interpreter-booked-yes');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.waitForURL(new RegExp(`/survivors/${s.id}\\?saved=`));
      const appts = (await api('GET', `/api/v1/survivors/${s.id}/appointments`, env.ctx.tokens.advocate)).items;
      const booked = appts.find((a) => a.status === 'scheduled');
      assert.deepEqual(booked.interpreter, { language: 'ti', needed: true, booked: true });

      // Record a referral: forget the date sent, see the error, fix it.
      await page.getByRole('link', { name: 'Add a referral' }).click();
      await page.selectOption('#service', 'mental_health');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.locator('.nhsuk-error-summary').waitFor();
      assert.match(await page.title(), /^Error: /);
      await checkA11y(page, 'the referral form with an error');
      await page.fill('#sent_on', dayText(daysFromNow(0)));
      await page.getByRole('button', { name: 'Save' }).click();
      await page.waitForURL(new RegExp(`/survivors/${s.id}\\?saved=`));
      const refs = (await api('GET', `/api/v1/survivors/${s.id}/referrals`, env.ctx.tokens.advocate)).items;
      assert.equal(refs.length, 1);
      assert.equal(refs[0].service, 'mental_health');

      // Meet a 409: a colleague changes the appointment while it is open.
      await page.goto(`${env.base}/survivors/${s.id}/appointments/${booked.id}/edit`);
      await api('PATCH', `/api/v1/survivors/${s.id}/appointments/${booked.id}`, env.ctx.tokens.manager,
        { version: booked.version, provider: 'Riverside Surgery, Room 2' });
      await page.fill('#duration_min', '30');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.locator('h1', { hasText: 'Someone else changed this record' }).waitFor();
      const now = await api('GET', `/api/v1/survivors/${s.id}/appointments/${booked.id}`, env.ctx.tokens.advocate);
      assert.equal(now.duration_min, undefined); // nothing of the stale form stored
      assert.equal(now.provider, 'Riverside Surgery, Room 2');
      await checkA11y(page, 'the 409 page');

      // Sign out: the sign-in page again.
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    });
  });
}

test('a clinician sees a shared record and loses it the moment consent is withdrawn', LONG, async () => {
  const s = await cancelledSurvivor('Minh');
  const t = env.ctx.tokens.advocate;
  const consent = await api('POST', `/api/v1/survivors/${s.id}/consents`, t, {
    purpose: 'share_with_org', org_id: env.ctx.orgs.health.id, given_on: dayText(daysFromNow(-1)),
  });
  await withPage(env, 'day-clinician', async (page) => {
    await signIn(page, 'clinician');
    await page.getByRole('link', { name: 'Minh' }).first().click();
    await page.waitForURL(`${env.base}/survivors/${s.id}`);
    const main = await page.locator('main').textContent();
    assert.match(main, /Minh/);
    assert.match(main, /not shown/i); // says plainly what is kept from them
    await checkA11y(page, 'a shared record, as a clinician');
    await screenshot(page, 'record-clinician');

    await api('PATCH', `/api/v1/survivors/${s.id}/consents/${consent.id}`, t,
      { version: consent.version, withdrawn_on: dayText(daysFromNow(0)) });
    const gone = await page.reload();
    assert.equal(gone.status(), 404);
    assert.doesNotMatch(await page.locator('main').textContent(), /Minh/);
    await page.goto(env.base + '/');
    assert.doesNotMatch(await page.locator('main').textContent(), /Minh/);
  });
});
