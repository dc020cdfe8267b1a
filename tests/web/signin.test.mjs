// Signing in and out in a real browser (issue 14): the form at `/`, its
// errors, the session cookie, sign-out, CSRF, the security headers, axe, and
// the same without JavaScript. Locators are by role and label, not markup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { webSuite, withPage, checkA11y, screenshot, assertSecurityHeaders, PASSWORD, SLOW, WAIT } from './harness.mjs';

const env = webSuite();

const path = (url) => new URL(url, env.base).pathname;

// The sign-in form, found by its fields rather than its markup.
const signInForm = (page) => page.locator('form').filter({ has: page.getByLabel('Username', { exact: true }) });
const signOutButton = (page) => page.getByRole('button', { name: 'Sign out' });

// Fills and sends the sign-in form on `/`; answers the POST's response.
// The cookies the browser held just before the POST are in response.before
// (a signed-out form may have a cookie of its own for its CSRF token).
async function signIn(page, username, password = PASSWORD) {
  await page.goto(env.base + '/');
  const before = await page.context().cookies();
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  const posted = page.waitForResponse((r) => r.request().method() === 'POST' && path(r.url()) === '/sign-in', { timeout: WAIT });
  await page.getByRole('button', { name: 'Sign in' }).click();
  const response = await posted;
  await page.waitForLoadState('load');
  response.before = before;
  return response;
}

async function assertSignedOut(page) {
  await page.getByLabel('Username', { exact: true }).waitFor({ state: 'visible' });
  await page.getByLabel('Password', { exact: true }).waitFor({ state: 'visible' });
  assert.equal(await signOutButton(page).count(), 0, 'a signed-out page has no Sign out button');
}

async function assertSignedIn(page) {
  await signOutButton(page).waitFor({ state: 'visible' });
  await page.locator('h1').first().waitFor({ state: 'visible' });
  assert.equal(await page.locator('h1').count(), 1, 'the dashboard has one h1');
  assert.equal(await page.getByLabel('Password', { exact: true }).count(), 0, 'no sign-in form when signed in');
}

// Every request the context makes, and the HTML answers with their headers
// (read asynchronously: await seen.settled() before looking at them).
function record(context) {
  const pending = [];
  const seen = { urls: [], html: [], settled: () => Promise.all(pending) };
  context.on('request', (r) => seen.urls.push(r.url()));
  context.on('response', (r) => pending.push(r.allHeaders().then((headers) => {
    if (/^text\/html/i.test(headers['content-type'] || '')) {
      seen.html.push({ what: `${r.request().method()} ${path(r.url())} ${r.status()}`, headers });
    }
  }, () => {})));
  return seen;
}

test('signed out, / answers the sign-in form', SLOW, async () => {
  await withPage(env, 'signin', async (page) => {
    const response = await page.goto(env.base + '/');
    assert.equal(response.status(), 200);
    assert.match(response.headers()['content-type'], /^text\/html/);
    assertSecurityHeaders(await response.allHeaders(), 'GET /');
    assert.match(await page.title(), /Sign in/);
    const form = signInForm(page);
    assert.equal(await form.count(), 1, 'one sign-in form');
    assert.equal(path(await form.getAttribute('action')), '/sign-in');
    assert.equal((await form.getAttribute('method')).toLowerCase(), 'post');
    await assertSignedOut(page);
    assert.equal(await page.getByLabel('Password', { exact: true }).getAttribute('type'), 'password');
    await page.getByRole('button', { name: 'Sign in' }).waitFor({ state: 'visible' });
    await screenshot(page, 'signin');
    await checkA11y(page, 'the sign-in page');
  });
});

test('keyboard: the first Tab on the sign-in page reaches a skip link to the main content', SLOW, async () => {
  await withPage(env, 'signin-skip-link', async (page) => {
    await page.goto(env.base + '/');
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const a = document.activeElement;
      return { tag: a.tagName, text: a.textContent.trim(), href: a.getAttribute('href') };
    });
    assert.equal(focused.tag, 'A', JSON.stringify(focused));
    assert.match(focused.text, /skip/i);
    const target = focused.href.replace(/^#/, '');
    assert.equal(await page.locator('main').getAttribute('id'), target, 'the skip link leads to <main>');
  });
});

test('a wrong password shows the error summary, keeps the username, and sets no cookie', SLOW, async () => {
  await withPage(env, 'signin-wrong-password', async (page, context) => {
    const response = await signIn(page, 'advocate2', 'not the password at all');
    const headers = await response.allHeaders();
    assert.equal(headers['set-cookie'], undefined, 'no cookie for a failed sign-in');
    assert.deepEqual(await context.cookies(), response.before, 'the failed sign-in changed no cookie');
    const summary = page.getByRole('alert').filter({ has: page.getByRole('heading', { name: 'There is a problem' }) });
    await summary.waitFor({ state: 'visible' });
    assert.equal(await page.getByLabel('Username', { exact: true }).inputValue(), 'advocate2');
    assert.equal(await page.getByLabel('Password', { exact: true }).inputValue(), '', 'the password is never sent back');
    assert.ok(!(await page.content()).includes('not the password at all'), 'the password is not in the page');
    await assertSignedOut(page);
    await screenshot(page, 'signin-error');
    await checkA11y(page, 'the sign-in page with an error');
  });
});

test('the right password signs in: a redirect to /, the dashboard, an HttpOnly SameSite=Strict cookie, no token in a URL', SLOW, async () => {
  await withPage(env, 'signin-ok', async (page, context) => {
    const seen = record(context);
    const response = await signIn(page, 'advocate');
    assert.ok([302, 303].includes(response.status()), `sign-in answers a redirect, not ${response.status()}`);
    const headers = await response.allHeaders();
    assert.equal(path(headers.location), '/');
    assert.equal(new URL(headers.location, env.base).search, '', 'the redirect carries no query');
    assert.equal(page.url(), env.base + '/');
    await assertSignedIn(page);

    // The cookie(s) the sign-in set: HttpOnly, SameSite=Strict, nothing readable.
    const setCookies = (await response.headersArray())
      .filter((h) => h.name.toLowerCase() === 'set-cookie').map((h) => h.value);
    assert.ok(setCookies.length >= 1, 'the sign-in sets a session cookie');
    for (const c of setCookies) {
      assert.match(c, /;\s*HttpOnly/i, c);
      assert.match(c, /;\s*SameSite=Strict/i, c);
    }
    const cookies = await context.cookies();
    assert.ok(cookies.length >= 1);
    const secrets = [];
    for (const c of cookies) {
      assert.equal(c.httpOnly, true, c.name);
      assert.equal(c.sameSite, 'Strict', c.name);
      for (const form of [c.value, decodeURIComponent(c.value), Buffer.from(c.value, 'base64').toString('latin1'),
        Buffer.from(c.value, 'base64url').toString('latin1')]) {
        assert.ok(!/advocate/i.test(form), `cookie ${c.name} reveals the username`);
      }
      secrets.push(c.value);
    }

    // No token in any URL the browser asked for (redirects included).
    for (const u of seen.urls) {
      for (const v of secrets) assert.ok(!u.includes(v), `a URL carries the session: ${u}`);
      assert.doesNotMatch(new URL(u).search, /token|session|sid|csrf/i, u);
    }
    await screenshot(page, 'dashboard');
    await checkA11y(page, 'the signed-in /');
  });
});

test('Sign out ends the session: / shows the sign-in form and the old cookie no longer works', SLOW, async () => {
  let old;
  await withPage(env, 'signout', async (page, context) => {
    await signIn(page, 'advocate');
    await assertSignedIn(page);
    old = await context.cookies();
    const form = page.locator('form').filter({ has: signOutButton(page) });
    assert.equal((await form.getAttribute('method')).toLowerCase(), 'post', 'sign-out is a POST form');
    await signOutButton(page).click();
    await page.waitForLoadState('load');
    if (path(page.url()) !== '/') await page.goto(env.base + '/');
    await assertSignedOut(page);
  });
  // The same cookie, replayed from a fresh browser, is refused.
  await withPage(env, 'signout-replay', async (page, context) => {
    await context.addCookies(old);
    await page.goto(env.base + '/');
    await assertSignedOut(page);
  });
});

test('every HTML answer carries the security headers', SLOW, async () => {
  await withPage(env, 'headers', async (page, context) => {
    const seen = record(context);
    await signIn(page, 'advocate2', 'not the password either');
    await signIn(page, 'advocate');
    await assertSignedIn(page);
    await signOutButton(page).click();
    await page.waitForLoadState('load');
    await page.goto(env.base + '/');
    await assertSignedOut(page);
    await seen.settled();
    assert.ok(seen.html.length >= 4, `saw ${seen.html.length} HTML answers`);
    for (const { what, headers } of seen.html) assertSecurityHeaders(headers, what);
  });
});

test('a form posted without its CSRF token answers 403 and changes nothing', SLOW, async () => {
  await withPage(env, 'csrf', async (page, context) => {
    await signIn(page, 'advocate');
    await assertSignedIn(page);
    const form = page.locator('form').filter({ has: signOutButton(page) });
    const action = new URL(await form.getAttribute('action'), env.base).href;
    const hidden = await form.locator('input[type=hidden]').evaluateAll((els) => els.map((e) => [e.name, e.value]));
    assert.ok(hidden.length >= 1, 'the sign-out form carries a CSRF token');

    // Sent by the test, with the session cookie (context.request shares the
    // browser's cookies) but not by the page: no token, then a wrong one.
    const without = await context.request.post(action, { form: {}, maxRedirects: 0, timeout: WAIT });
    assert.equal(without.status(), 403, 'no token');
    assertSecurityHeaders(without.headers(), 'POST sign-out without a token');
    const wrong = Object.fromEntries(hidden.map(([k, v]) => [k, v.length ? 'x'.repeat(v.length) : 'x']));
    const forged = await context.request.post(action, { form: wrong, maxRedirects: 0, timeout: WAIT });
    assert.equal(forged.status(), 403, 'a wrong token');

    // Nothing changed: the session still works.
    await page.goto(env.base + '/');
    await assertSignedIn(page);

    // The sign-in form too, where it carries a token: without it, no session.
    await withPage(env, 'csrf-signin', async (p2, c2) => {
      await p2.goto(env.base + '/');
      const fields = await signInForm(p2).locator('input[type=hidden]').count();
      if (fields === 0) return;
      const r = await c2.request.post(env.base + '/sign-in', {
        form: { username: 'advocate', password: PASSWORD }, maxRedirects: 0, timeout: WAIT,
      });
      assert.equal(r.status(), 403, 'sign-in without its token');
      assert.equal(r.headers()['set-cookie'], undefined);
    });
  });
});

test('the same sign-in and sign-out with JavaScript disabled', SLOW, async () => {
  await withPage(env, 'nojs', { javaScript: false }, async (page, context) => {
    const response = await page.goto(env.base + '/');
    assert.equal(response.status(), 200);
    assert.match(await page.title(), /Sign in/);
    await assertSignedOut(page);
    await screenshot(page, 'signin-nojs');
    await checkA11y(page, 'the sign-in page');

    const failed = await signIn(page, 'advocate2', 'still not the password');
    await page.getByRole('alert').filter({ has: page.getByRole('heading', { name: 'There is a problem' }) })
      .waitFor({ state: 'visible' });
    assert.equal(await page.getByLabel('Username', { exact: true }).inputValue(), 'advocate2');
    assert.deepEqual(await context.cookies(), failed.before, 'the failed sign-in changed no cookie');
    await checkA11y(page, 'the sign-in page with an error');

    const ok = await signIn(page, 'advocate');
    assert.ok([302, 303].includes(ok.status()));
    assert.equal(page.url(), env.base + '/');
    await assertSignedIn(page);
    await screenshot(page, 'dashboard-nojs');
    await checkA11y(page, 'the signed-in /');

    await signOutButton(page).click();
    await page.waitForLoadState('load');
    if (path(page.url()) !== '/') await page.goto(env.base + '/');
    await assertSignedOut(page);
  });
});
