// The manager's, administrator's and settings pages in a real browser (issue
// 14): the outcome report with its charts and CSV download, reassignment (and
// a 409), a safeguarding share reviewed, a record's access log, an account
// created by an administrator that must change its password, privacy mode
// remembered for the account; axe on every page, and the same without
// JavaScript. Locators are by role and label.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { webSuite, withPage, checkA11y, screenshot, PASSWORD, ADMIN_PASSWORD, SLOW, WAIT } from './harness.mjs';

const env = webSuite();
const path = (url) => new URL(url, env.base).pathname;
const api = (...a) => env.server.call(...a);

// A date n days ago, as the API writes dates.
const daysAgo = (n) => new Date(Date.now() - n * 86400_000).toISOString().slice(0, 10);
const FIRST = 'a first password from the admin';

const data = {};
let made;

// The survivors, a registration and a share the tests read, made once
// through the API (on first use: the suite's server is up by then).
const setup = () => (made ??= makeData());

async function makeData() {
  const { tokens, orgs } = env.ctx;
  const survivor = async (known_as, days) => {
    const r = await api('POST', '/api/v1/survivors', { token: tokens.advocate,
      body: { known_as, entered_service_on: daysAgo(days) } });
    assert.equal(r.status, 201, r.text);
    return r.json;
  };
  data.ardita = await survivor('Ardita', 60);
  data.besa = await survivor('Besa', 40);
  data.chen = await survivor('Chen', 30);
  // A GP registration 10 days after entering: a median of the report.
  const reg = await api('POST', `/api/v1/survivors/${data.ardita.id}/registrations`, { token: tokens.advocate,
    body: { service: 'gp', registered_on: daysAgo(50) } });
  assert.equal(reg.status, 201, reg.text);
  const share = await api('POST', `/api/v1/survivors/${data.besa.id}/safeguarding-shares`, { token: tokens.manager,
    body: { org_id: orgs.health.id, reason: 'Seen with the man who exploited her; at risk tonight' } });
  assert.equal(share.status, 201, share.text);
}

async function signIn(page, username, password = PASSWORD) {
  await setup();
  await page.goto(env.base + '/');
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState('load');
}

async function signOut(page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('Username', { exact: true }).waitFor({ state: 'visible' });
}

// Reads f() until it answers want (a style may be in a short transition),
// a bounded number of times; answers the last value read.
async function settled(f, want) {
  let v;
  for (let i = 0; i < 50 && (v = await f()) !== want; i++) await new Promise((r) => setTimeout(r, 20));
  return v;
}

// The text of the row of a table whose header cell or first cell is `name`.
async function rowText(page, name) {
  return page.getByRole('row').filter({ has: page.getByText(name, { exact: true }) }).first().innerText();
}

for (const javaScript of [true, false]) {
  const js = javaScript ? '' : ' (without JavaScript)';
  const tag = javaScript ? '' : '-nojs';

  test(`a manager reads the report, changes its period and downloads its CSV${js}`, SLOW, async () => {
    await withPage(env, 'report' + tag, { javaScript, acceptDownloads: true }, async (page) => {
      await signIn(page, 'manager');
      const response = await page.goto(env.base + `/report?from=${daysAgo(90)}&to=${daysAgo(0)}`);
      assert.equal(response.status(), 200);
      await page.getByRole('heading', { level: 1, name: /Outcome report/ }).waitFor();
      assert.doesNotMatch(await page.title(), /Ardita|Besa|Chen/);
      // Every figure in words, with numerator and denominator.
      assert.match(await rowText(page, 'Survivors in the service during the period'), /\b3\b/);
      assert.match(await rowText(page, 'Registered with a GP'), /1 of 3 \(33\.3%\)/);
      assert.match(await rowText(page, 'Days from entering the service to GP registration'), /10 days \(the median of 1\)/);
      // The charts: named images, with the same figures in a table beside them.
      const months = page.getByRole('img', { name: 'Survivors in the cohort, month by month' });
      assert.equal(await months.count(), 1);
      assert.match(await months.locator('desc').textContent(), /table beside it/);
      assert.ok(await page.getByRole('table', { name: 'Month by month, in figures' }).count() === 1);
      const gp = page.getByRole('img', { name: 'Days from entering the service to GP registration' });
      assert.equal(await gp.count(), 1);
      assert.match(await gp.textContent(), /1 \(median\)/);
      assert.match(await page.getByRole('table', { name: /GP registration, in figures/ }).innerText(), /8 to 14 days\s+1 \(median\)/);
      assert.equal(await page.locator('[style]').count(), 0, 'no style attributes (CSP)');
      await screenshot(page, 'report' + tag);
      await checkA11y(page, 'the outcome report');

      // The period form: a GET with the dates, no person in it.
      await page.getByLabel('From', { exact: true }).fill(daysAgo(45));
      await page.getByLabel('To', { exact: true }).fill(daysAgo(1));
      await page.getByRole('button', { name: 'Show the report' }).click();
      await page.waitForLoadState('load');
      const url = new URL(page.url());
      assert.equal(path(page.url()), '/report');
      assert.equal(url.searchParams.get('from'), daysAgo(45));
      assert.match(await rowText(page, 'Survivors in the service during the period'), /\b3\b/);

      // The download: the API's CSV, as an attachment.
      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: WAIT }),
        page.getByRole('link', { name: /Download as CSV/ }).click(),
      ]);
      assert.match(download.suggestedFilename(), /^waymark-outcomes-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv$/);
      const csv = readFileSync(await download.path(), 'utf8');
      const lines = csv.split('\r\n');
      assert.equal(lines[0], 'figure,value,numerator,denominator,suppressed');
      assert.ok(lines.includes('cohort,3,,,false'), csv);
      assert.ok(lines.includes('gp_registered,0.3333,1,3,false'), csv);
    });
  });
}

test('the CSV link answers an attachment with the API\'s CSV, and a bad period says so', SLOW, async () => {
  await withPage(env, 'report-csv', async (page) => {
    await signIn(page, 'manager');
    const r = await page.request.get(env.base + `/report.csv?from=${daysAgo(45)}&to=${daysAgo(1)}`);
    assert.equal(r.status(), 200);
    assert.match(r.headers()['content-type'], /^text\/csv/);
    assert.match(r.headers()['content-disposition'], /^attachment; filename="waymark-outcomes-/);
    const bad = await page.goto(env.base + '/report?from=2026-02-30&to=2026-03-01');
    assert.equal(bad.status(), 422);
    await page.getByRole('link', { name: /From must be a date/ }).waitFor();
    assert.match(await page.title(), /^Error: /);
    await checkA11y(page, 'the report with a bad period');
  });
});

test('an analyst sees the report with small numbers hidden', SLOW, async () => {
  await withPage(env, 'report-analyst', async (page) => {
    await signIn(page, 'analyst');
    await page.goto(env.base + '/report');
    assert.match(await rowText(page, 'Survivors in the service during the period'), /fewer than 5 \(hidden\)/);
    assert.match(await rowText(page, 'Registered with a GP'), /fewer than 5 \(hidden\)/);
    await page.getByText(/Numbers from 1 to 4 are hidden/).waitFor();
    await screenshot(page, 'report-analyst');
    await checkA11y(page, 'the analyst\'s report');
  });
});

for (const javaScript of [true, false]) {
  const js = javaScript ? '' : ' (without JavaScript)';
  test(`a manager sees the caseloads and reassigns a survivor; a stale form is a plain 409${js}`, SLOW, async () => {
    await withPage(env, 'caseloads' + (javaScript ? '' : '-nojs'), { javaScript }, async (page) => {
      const { tokens, users } = env.ctx;
      // Start from the advocate, whatever the run before did.
      const cur = (await api('GET', `/api/v1/survivors/${data.chen.id}`, { token: tokens.manager })).json;
      if (cur.advocate_id !== users.advocate.id) {
        await api('PATCH', `/api/v1/survivors/${data.chen.id}`, { token: tokens.manager, body: { version: cur.version, advocate_id: users.advocate.id } });
      }
      await signIn(page, 'manager');
      await page.goto(env.base + '/caseloads');
      await page.getByRole('heading', { level: 1, name: 'Caseloads' }).waitFor();
      assert.match(await rowText(page, 'advocate'), /advocate\s+3\b/);
      await checkA11y(page, 'the caseloads');
      await page.getByRole('link', { name: 'Reassign Chen' }).click();
      await page.getByRole('heading', { level: 1, name: /Reassign to another advocate/ }).waitFor();
      await checkA11y(page, 'the reassignment form');
      await page.getByLabel('New advocate').selectOption({ label: 'advocate2 (Advocate)' });
      await page.getByRole('button', { name: 'Reassign' }).click();
      await page.waitForLoadState('load');
      assert.equal(path(page.url()), '/caseloads');
      assert.match(await rowText(page, 'Chen'), /advocate2/);
      const after = (await api('GET', `/api/v1/survivors/${data.chen.id}`, { token: tokens.manager })).json;
      assert.equal(after.advocate_id, users.advocate2.id);

      // Someone else changes the record while the form is open.
      await page.getByRole('link', { name: 'Reassign Chen' }).click();
      await page.getByLabel('New advocate').selectOption({ label: 'advocate (Advocate)' });
      await api('PATCH', `/api/v1/survivors/${data.chen.id}`, { token: tokens.manager, body: { version: after.version, advocate_id: users.manager.id } });
      const posted = page.waitForResponse((r) => r.request().method() === 'POST' && path(r.url()) === `/caseloads/${data.chen.id}`);
      await page.getByRole('button', { name: 'Reassign' }).click();
      assert.equal((await posted).status(), 409);
      await page.waitForLoadState('load');
      await page.getByText(/Someone else changed this survivor's record/).first().waitFor();
      assert.match(await page.locator('main').innerText(), /Their advocate now: manager/);
      await checkA11y(page, 'the reassignment form after a 409');
      // The form now carries the new version: sending it again works.
      await page.getByLabel('New advocate').selectOption({ label: 'advocate (Advocate)' });
      await page.getByRole('button', { name: 'Reassign' }).click();
      await page.waitForLoadState('load');
      assert.equal(path(page.url()), '/caseloads');
      assert.match(await rowText(page, 'Chen'), /\badvocate\b/);
    });
  });
}

test('a manager reviews a safeguarding share and opens a record\'s access log', SLOW, async () => {
  await withPage(env, 'safeguarding', async (page) => {
    await signIn(page, 'manager');
    await page.goto(env.base + '/safeguarding');
    await page.getByRole('heading', { level: 1, name: 'Safeguarding shares to review' }).waitFor();
    const main = await page.locator('main').innerText();
    assert.match(main, /Besa/);
    assert.match(main, /Health Centre/);
    assert.match(main, /at risk tonight/);
    await screenshot(page, 'safeguarding');
    await checkA11y(page, 'the safeguarding shares');
    await page.getByRole('button', { name: /Mark as reviewed/ }).click();
    await page.waitForLoadState('load');
    assert.equal(path(page.url()), '/safeguarding');
    await page.getByText('There are no shares to review.').waitFor();
    const shares = await api('GET', '/api/v1/safeguarding-shares?reviewed=false', { token: env.ctx.tokens.manager });
    assert.equal(shares.json.items.length, 0);
    await checkA11y(page, 'the safeguarding shares, none left');

    const response = await page.goto(env.base + `/survivors/${data.besa.id}/access-log`);
    assert.equal(response.status(), 200);
    await page.getByRole('heading', { level: 1, name: 'Who has opened this record' }).waitFor();
    const log = await page.getByRole('table').innerText();
    assert.match(log, /Shared the record \(safeguarding\)/);
    assert.match(log, /manager \(Manager\)/);
    assert.match(log, /advocate \(Advocate\)/);
    assert.match(log, /\/api\/v1\/survivors\/\{id\}/);
    await screenshot(page, 'access-log');
    await checkA11y(page, 'the access log');
  });
});

test('an advocate cannot open the manager\'s pages', SLOW, async () => {
  await withPage(env, 'manage-forbidden', async (page) => {
    await signIn(page, 'advocate');
    for (const p of ['/caseloads', '/safeguarding', '/report', `/survivors/${data.ardita.id}/access-log`, '/admin/users']) {
      const r = await page.goto(env.base + p);
      assert.equal(r.status(), 403, p);
    }
  });
});

for (const javaScript of [true, false]) {
  const js = javaScript ? '' : ' (without JavaScript)';
  test(`an administrator adds an organisation and an account, which must change its password at first sign-in${js}`, SLOW, async () => {
    const tag = javaScript ? '' : '-nojs';
    const username = 'newstarter' + tag.replace('-', '');
    await withPage(env, 'admin' + tag, { javaScript }, async (page) => {
      await signIn(page, 'admin', ADMIN_PASSWORD);
      await page.goto(env.base + '/admin/orgs');
      await checkA11y(page, 'the organisations');
      await page.getByLabel('Name', { exact: true }).fill('Law Centre' + tag);
      await page.getByLabel('Kind', { exact: true }).selectOption({ label: 'Legal' });
      await page.getByRole('button', { name: 'Add the organisation' }).click();
      await page.waitForLoadState('load');
      assert.match(await rowText(page, 'Law Centre' + tag), /Legal/);
      // The same name again: the API's 409, beside the field.
      await page.getByLabel('Name', { exact: true }).fill('Law Centre' + tag);
      await page.getByRole('button', { name: 'Add the organisation' }).click();
      await page.getByRole('link', { name: 'There is already an organisation with this name' }).waitFor();
      await checkA11y(page, 'the organisations with an error');

      await page.goto(env.base + '/admin/users');
      await checkA11y(page, 'the users');
      await page.getByRole('link', { name: 'Add an account' }).click();
      await page.getByRole('heading', { level: 1, name: 'Add an account' }).waitFor();
      await checkA11y(page, 'the new account form');
      await page.getByLabel('Username').fill(username);
      await page.getByLabel('Display name').fill('New Starter');
      await page.getByLabel('Role').selectOption({ label: 'Advocate' });
      await page.getByLabel('Organisation').selectOption({ label: 'Agency One' });
      await page.getByLabel('First password').fill('short');
      await page.getByRole('button', { name: 'Add the account' }).click();
      await page.waitForLoadState('load');
      await page.locator('#password-error').waitFor();
      assert.equal(await page.getByLabel('Username').inputValue(), username, 'kept after the error');
      assert.equal(await page.getByLabel('First password').inputValue(), '', 'a password is never sent back');
      await checkA11y(page, 'the new account form with an error');
      await page.getByLabel('First password').fill(FIRST);
      await page.getByRole('button', { name: 'Add the account' }).click();
      await page.waitForLoadState('load');
      assert.match(path(page.url()), /^\/admin\/users\/[0-9a-f]{32}$/);
      assert.match(await page.locator('#account-status').innerText(), /must choose a new password/);
      await screenshot(page, 'admin-user' + tag);
      await checkA11y(page, 'an account');
      await signOut(page);

      // The new account signs in with the first password and must change it.
      await signIn(page, username, FIRST);
      assert.equal(path(page.url()), '/password');
      const r = await page.goto(env.base + '/settings');
      assert.equal(path(r.url()), '/password', 'nothing else opens before the change');
      await page.getByLabel('Current password').fill(FIRST);
      await page.getByLabel('New password', { exact: true }).fill('my very own password');
      await page.getByLabel('New password again').fill('my very own password');
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.waitForLoadState('load');
      assert.equal(path(page.url()), '/');
      await page.getByRole('heading', { level: 1 }).waitFor();
      await signOut(page);

      // The administrator disables it, then enables it again.
      await signIn(page, 'admin', ADMIN_PASSWORD);
      await page.goto(env.base + '/admin/users');
      await page.getByRole('link', { name: `Change the account ${username}` }).click();
      await page.getByRole('button', { name: 'Disable the account' }).click();
      await page.waitForLoadState('load');
      assert.equal(await page.locator('#account-status').innerText(), 'Disabled');
      await checkA11y(page, 'a disabled account');
      await page.getByRole('button', { name: 'Enable the account' }).click();
      await page.waitForLoadState('load');
      assert.equal(await page.locator('#account-status').innerText(), 'Active');
      // A reset: the owner must change it again.
      await page.getByLabel('New password').fill('reset by the administrator');
      await page.getByRole('button', { name: 'Reset the password' }).click();
      await page.waitForLoadState('load');
      assert.match(await page.locator('#account-status').innerText(), /must choose a new password/);
    });
  });
}

test('privacy mode blurs names until focused, and is remembered after signing out and in', SLOW, async () => {
  await withPage(env, 'privacy', async (page) => {
    const name = () => page.locator('main .wm-name').first();
    const filter = () => name().evaluate((el) => getComputedStyle(el).filter);
    await signIn(page, 'advocate');
    await name().waitFor();
    assert.equal(await filter(), 'none', 'off by default');
    await page.goto(env.base + '/settings');
    await checkA11y(page, 'the settings');
    assert.equal(await page.getByRole('link', { name: 'Change your password' }).getAttribute('href'), '/password');
    await page.getByLabel("Blur survivors' names").check();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.waitForLoadState('load');
    assert.equal(path(page.url()), '/settings');
    assert.ok(await page.getByLabel("Blur survivors' names").isChecked());
    await page.goto(env.base + '/');
    await name().waitFor();
    assert.match(await filter(), /blur/);
    // Still in the page for a screen reader, and clear once focused.
    assert.ok((await name().textContent()).length > 0);
    await page.locator('main a:has(.wm-name)').first().focus();
    assert.equal(await settled(filter, 'none'), 'none');
    await screenshot(page, 'privacy-mode');
    await checkA11y(page, 'the dashboard in privacy mode');
    await signOut(page);
    await signIn(page, 'advocate');
    await name().waitFor();
    assert.match(await filter(), /blur/, 'remembered for the account');
    const me = await api('GET', '/api/v1/me', { token: env.ctx.tokens.advocate });
    assert.equal(me.json.privacy_mode, true);
    await page.goto(env.base + '/settings');
    await page.getByLabel("Blur survivors' names").uncheck();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.waitForLoadState('load');
    await page.goto(env.base + '/');
    assert.equal(await settled(filter, 'none'), 'none');
  });
});

test('the settings page without JavaScript', SLOW, async () => {
  await withPage(env, 'settings-nojs', { javaScript: false }, async (page) => {
    await signIn(page, 'advocate2');
    await page.goto(env.base + '/settings');
    await page.getByLabel("Blur survivors' names").check();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.waitForLoadState('load');
    assert.match(await page.locator('body').getAttribute('class'), /wm-privacy/);
    await checkA11y(page, 'the settings');
    await page.getByLabel("Blur survivors' names").uncheck();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.waitForLoadState('load');
    assert.doesNotMatch((await page.locator('body').getAttribute('class')) ?? '', /wm-privacy/);
  });
});

test('a manager chooses what the organisation\'s documents show, without JavaScript', SLOW, async () => {
  await withPage(env, 'documents-choices', { javaScript: false }, async (page) => {
    await signIn(page, 'manager');
    await page.goto(env.base + '/settings');
    await page.getByLabel('Telephone number to call').fill('0161 496 0000');
    await page.getByLabel("Name our staff in a survivor's access report").check();
    await page.getByRole('button', { name: "Save the documents' choices" }).click();
    await page.waitForLoadState('load');
    assert.equal(path(page.url()), '/settings');
    assert.equal(await page.getByLabel('Telephone number to call').inputValue(), '0161 496 0000');
    assert.ok(await page.getByLabel("Name our staff in a survivor's access report").isChecked());
    await checkA11y(page, 'the settings of a manager');
    const org = env.ctx.users.manager.org_id;
    const saved = await api('GET', `/api/v1/orgs/${org}/documents`, { token: env.ctx.tokens.manager });
    assert.equal(saved.json.phone, '0161 496 0000');
    assert.equal(saved.json.name_staff, true);
    // A number that is not one is refused, said, and kept in the field to correct.
    await page.getByLabel('Telephone number to call').fill('call the office');
    await page.getByRole('button', { name: "Save the documents' choices" }).click();
    await page.waitForLoadState('load');
    assert.match(await page.locator('.nhsuk-error-summary').innerText(), /\S/);
    assert.equal(await page.getByLabel('Telephone number to call').inputValue(), 'call the office');
    assert.equal((await api('GET', `/api/v1/orgs/${org}/documents`, { token: env.ctx.tokens.manager })).json.phone, '0161 496 0000');
    // Back as it was, for the other tests.
    await page.getByLabel('Telephone number to call').fill('');
    await page.getByLabel("Name our staff in a survivor's access report").uncheck();
    await page.getByRole('button', { name: "Save the documents' choices" }).click();
    await page.waitForLoadState('load');
  });
  // An advocate is not offered it.
  await withPage(env, 'documents-choices-advocate', { javaScript: false }, async (page) => {
    await signIn(page, 'advocate2');
    await page.goto(env.base + '/settings');
    assert.equal(await page.getByLabel('Telephone number to call').count(), 0);
  });
});
