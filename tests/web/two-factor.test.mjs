// Two-factor sign-in in a real browser: setting it up from the settings
// (the QR code, the key as text, a first code, the recovery codes shown
// once), the sign-in's second step (a wrong code, then the right one),
// an organisation that requires it sending its accounts to set it up
// before anything else, a recovery code, and the administrator's pages;
// axe on every page, with JavaScript and without. The codes are computed
// here with node:crypto's HMAC-SHA1 (tests/api/totp.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { webSuite, withPage, checkA11y, PASSWORD, FIRST_PASSWORD, ADMIN_PASSWORD, SLOW, WAIT } from './harness.mjs';
import { stepOf, totpAt } from '../api/totp.mjs';

const env = webSuite();
const path = (url) => new URL(url, env.base).pathname;
const api = (...a) => env.server.call(...a);

// An account of org with its own password (the administrator's first one changed).
async function account(username, org_id) {
  const r = await api('POST', '/api/v1/users', { token: env.ctx.tokens.admin, body: {
    username, password: FIRST_PASSWORD, display_name: username, role: 'advocate', org_id } });
  assert.equal(r.status, 201, r.text);
  const t = await env.server.login(username, FIRST_PASSWORD);
  await env.server.changePassword(t, FIRST_PASSWORD, PASSWORD);
  return r.json;
}

async function signIn(page, username, password = PASSWORD) {
  await page.goto(env.base + '/');
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState('load');
}

async function submitCode(page, code, button = 'Continue') {
  await page.getByLabel('Security code', { exact: true }).fill(code);
  await page.getByRole('button', { name: button }).click();
  await page.waitForLoadState('load');
}

// On the set-up page with its QR code: checks it, turns two-factor sign-in
// on with the app's code, and answers {secret, step, codes}.
async function setUp(page, label) {
  await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
  await page.waitForLoadState('load');
  assert.equal(path(page.url()), '/settings/two-factor');
  const qr = page.getByRole('img', { name: 'QR code to scan with your authenticator app' });
  await qr.waitFor({ state: 'visible' });
  assert.equal(await qr.evaluate((e) => e.tagName.toLowerCase()), 'svg');
  assert.equal(await page.locator('[style]').count(), 0, 'no style attributes');
  const secret = (await page.locator('#two-factor-secret').innerText()).replace(/\s+/g, '');
  assert.match(secret, /^[A-Z2-7]{32}$/);
  await checkA11y(page, `${label}: the QR code`);
  // A wrong code first: the error, the same QR code still there.
  const step = stepOf();
  const wrong = ['000000', '111111', '222222'].find((c) => ![-1, 0, 1].some((d) => totpAt(secret, step + d) === c));
  await submitCode(page, wrong, 'Turn on two-factor sign-in');
  await page.locator('.nhsuk-error-summary').waitFor({ state: 'visible' });
  assert.equal((await page.locator('#two-factor-secret').innerText()).replace(/\s+/g, ''), secret);
  await checkA11y(page, `${label}: a wrong first code`);
  await submitCode(page, totpAt(secret, step), 'Turn on two-factor sign-in');
  await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor({ state: 'visible' });
  const codes = await page.locator('#recovery-codes code').allInnerTexts();
  assert.equal(codes.length, 10);
  await checkA11y(page, `${label}: the recovery codes`);
  await page.getByRole('button', { name: 'I have saved my codes' }).click();
  await page.waitForLoadState('load');
  return { secret, step, codes };
}

for (const javaScript of [true, false]) {
  const tag = javaScript ? 'js' : 'nojs';

  test(`set up from the settings, then sign in with a code (${tag})`, SLOW, async () => {
    const u = await account(`tf.web.${tag}`, env.ctx.orgs.agency.id);
    await withPage(env, `two-factor-${tag}`, { javaScript }, async (page) => {
      await signIn(page, u.username);
      await page.goto(env.base + '/settings');
      await page.getByRole('link', { name: 'Set up or turn off two-factor sign-in' }).click();
      await page.waitForLoadState('load');
      await checkA11y(page, 'two-factor sign-in off');
      const { secret, step } = await setUp(page, tag);
      assert.equal(path(page.url()), '/');
      await page.goto(env.base + '/settings/two-factor');
      assert.match(await page.locator('#two-factor-state').innerText(), /is on\. You have 10 recovery codes left/);
      await checkA11y(page, 'two-factor sign-in on');
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForLoadState('load');

      // The password alone: the second step, no session yet.
      await signIn(page, u.username);
      await page.getByRole('heading', { name: 'Enter your security code' }).waitFor({ state: 'visible' });
      assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0);
      assert.ok(!(await page.context().cookies()).some((c) => c.name === 'wm_session'));
      await checkA11y(page, 'the second step');
      // The code already used at set-up is refused.
      await submitCode(page, totpAt(secret, step));
      await page.locator('.nhsuk-error-summary').waitFor({ state: 'visible' });
      assert.match(await page.title(), /^Error: /);
      await checkA11y(page, 'the second step with an error');
      await submitCode(page, totpAt(secret, step + 1));
      await page.getByRole('button', { name: 'Sign out' }).waitFor({ state: 'visible', timeout: WAIT });
      assert.equal(path(page.url()), '/');
    });
  });
}

test('an organisation that requires two factors: the administrator sets it, its account must set it up first, a recovery code signs in, the administrator resets it (no JavaScript)', SLOW, async () => {
  const org = (await api('POST', '/api/v1/orgs', { token: env.ctx.tokens.admin, body: { name: 'Careful Agency', kind: 'support_agency' } })).json;
  const u = await account('tf.web.forced', org.id);
  await withPage(env, 'two-factor-admin', { javaScript: false }, async (page) => {
    await signIn(page, 'admin', ADMIN_PASSWORD);
    await page.goto(env.base + '/admin/orgs');
    await checkA11y(page, 'organisations with the two-factor setting');
    await page.getByRole('button', { name: 'Require it for Careful Agency' }).click();
    await page.waitForLoadState('load');
    await page.getByRole('button', { name: 'Stop requiring it for Careful Agency' }).waitFor({ state: 'visible' });
  });
  assert.equal((await api('GET', '/api/v1/orgs?limit=500', { token: env.ctx.tokens.admin })).json.items.find((o) => o.id === org.id).two_factor_required, true);
  let codes;
  await withPage(env, 'two-factor-forced', { javaScript: false }, async (page) => {
    await signIn(page, u.username);
    assert.equal(path(page.url()), '/settings/two-factor');
    await page.getByText('Your organisation requires two-factor sign-in').waitFor({ state: 'visible' });
    await checkA11y(page, 'set-up required');
    // Nothing else opens until it is set up.
    await page.goto(env.base + '/survivors');
    assert.equal(path(page.url()), '/settings/two-factor');
    ({ codes } = await setUp(page, 'forced'));
    await page.goto(env.base + '/survivors');
    assert.equal(path(page.url()), '/survivors');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForLoadState('load');
    // A recovery code instead of the app's code.
    await signIn(page, u.username);
    await submitCode(page, codes[0]);
    await page.getByRole('button', { name: 'Sign out' }).waitFor({ state: 'visible' });
  });
  await withPage(env, 'two-factor-reset', { javaScript: false }, async (page) => {
    await signIn(page, 'admin', ADMIN_PASSWORD);
    await page.goto(env.base + `/admin/users/${u.id}`);
    assert.match(await page.locator('#two-factor-state').innerText(), /is on/);
    await checkA11y(page, 'an account with two-factor sign-in');
    await page.getByRole('button', { name: 'Reset two-factor sign-in' }).click();
    await page.waitForLoadState('load');
    assert.match(await page.locator('#two-factor-state').innerText(), /is off/);
  });
  // Reset: the password alone signs in, and the organisation sends them to set it up again.
  const again = await api('POST', '/api/v1/login', { body: { username: u.username, password: PASSWORD } });
  assert.equal(again.status, 200);
  assert.equal(again.json.two_factor_enrolment_required, true);
});
