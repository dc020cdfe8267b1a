// axe-core on every page: for each role, every page reachable by following
// the links of the pages it can open (breadth first, bounded), plus the pages
// no link leads to (the change of password, a page that does not exist). Each
// must answer without a server error and with zero WCAG 2.2 AA violations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { webSuite, withPage, checkA11y, PASSWORD, ADMIN_PASSWORD, survivorBody, addRecordExamples } from './harness.mjs';

const env = webSuite();
const PAGES_PER_ROLE = 30;

async function signIn(page, username, password) {
  await page.goto(env.base + '/');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(env.base + '/');
}

// A survivor with one of every part, shared with the health organisation, so
// every list and every change link has something to lead to.
async function fullRecord() {
  const t = env.ctx.tokens.advocate;
  const r = await env.server.call('POST', '/api/v1/survivors', {
    token: t, body: survivorBody({ advocate_id: env.ctx.users.advocate.id }),
  });
  assert.equal(r.status, 201);
  await addRecordExamples(env.server, t, r.json.id);
  const c = await env.server.call('POST', `/api/v1/survivors/${r.json.id}/consents`, {
    token: t, body: { purpose: 'share_with_org', org_id: env.ctx.orgs.health.id, given_on: '2026-10-01' },
  });
  assert.equal(c.status, 201);
}

// The same page kind twice is checked once: /survivors/{id}/x/{id}/edit.
const shape = (path) => path.replace(/[0-9a-f]{32}/g, '{id}');

for (const [role, password] of [['advocate', PASSWORD], ['manager', PASSWORD], ['clinician', PASSWORD],
  ['analyst', PASSWORD], ['admin', ADMIN_PASSWORD]]) {
  test(`every page the ${role} can reach has no axe violations`, { timeout: 600_000 }, async () => {
    if (role === 'advocate') await fullRecord();
    await withPage(env, `crawl-${role}`, async (page) => {
      await signIn(page, role, password);
      const queue = ['/', '/password', '/settings', '/no-such-page'];
      const seen = new Set();
      let checked = 0;
      while (queue.length && checked < PAGES_PER_ROLE) {
        const path = queue.shift();
        if (seen.has(shape(path))) continue;
        seen.add(shape(path));
        const res = await page.goto(env.base + path);
        assert.ok(res.status() < 500, `${role} ${path}: ${res.status()}`);
        await checkA11y(page, `${role}: ${shape(path)}`);
        checked++;
        const links = await page.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href')));
        for (const href of links) {
          if (!href.startsWith('/') || href.startsWith('//') || href.startsWith('/assets/')) continue;
          const p = href.split('#')[0];
          if (!p || /sign-out|\.csv|\.pdf|\.json/.test(p) || seen.has(shape(p))) continue;
          queue.push(p);
        }
      }
      assert.ok(checked >= 3, `${role}: only ${checked} pages reached`);
    });
  });
}
