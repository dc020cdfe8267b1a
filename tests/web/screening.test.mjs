// The identification guide for health professionals in a real browser,
// signed out and with JavaScript off: reached from the sign-in page, the
// guidance readable before ticking anything, two signs ticked and the steps
// shown in order with the Helpline as a tel: link, axe clean before and
// after. No account is needed, so the suite seeds none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { webSuite, withPage, checkA11y, screenshot, assertSecurityHeaders, SLOW } from './harness.mjs';

const env = webSuite({ seed: false });

test('a health worker, signed out and without JavaScript, ticks two signs and reads what to do', SLOW, async () => {
  await withPage(env, 'screening', { javaScript: false }, async (page) => {
    await page.goto(env.base + '/');
    await page.getByRole('link', { name: 'For health professionals: spotting modern slavery' }).click();
    await page.waitForURL(env.base + '/screening');
    assert.match(await page.title(), /^Spotting modern slavery/);
    assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0, 'signed out');

    // What to do, before ticking anything: 999 first, the Helpline as a link.
    const todo = page.locator('main ol.wm-steps > li');
    assert.ok(await todo.count() >= 8);
    assert.match(await todo.first().innerText(), /immediate danger, call 999/);
    assert.equal(await page.getByRole('link', { name: '08000 121 700' }).getAttribute('href'), 'tel:+448000121700');
    await checkA11y(page, 'the screening page');

    await page.getByLabel('Someone with them speaks for them', { exact: false }).check();
    await page.getByLabel('Injuries that are old, or were left untreated').check();
    const posted = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/screening');
    await page.getByRole('button', { name: 'Show what to do' }).click();
    const response = await posted;
    assert.equal(response.status(), 200);
    assertSecurityHeaders(await response.allHeaders(), 'POST /screening');
    await page.waitForLoadState('load');

    const card = page.locator('#result');
    assert.match(await card.getByRole('heading', { level: 2 }).innerText(), /strong signs of modern slavery/);
    const steps = (await card.locator('ol > li > p.nhsuk-body').allInnerTexts()).map((t) => t.trim());
    assert.match(steps[1], /^See them on their own/);
    assert.match(steps[2], /professional one: never the person who came with them/);
    assert.match(steps[3], /safeguarding lead/);
    assert.match(steps[4], /08000 121 700/);
    assert.match(steps[5], /NHS bodies in England are not first responders/);
    assert.match(steps[6], /Duty to Notify/);
    assert.equal(await card.getByRole('link', { name: '08000 121 700' }).getAttribute('href'), 'tel:+448000121700');
    // What was ticked stays ticked, to change and ask again.
    assert.ok(await page.getByLabel('Injuries that are old, or were left untreated').isChecked());
    assert.ok(!(await page.getByLabel('They live where they work').isChecked()));
    await screenshot(page, 'screening');
    await checkA11y(page, 'the screening page with its steps');
  });
});
