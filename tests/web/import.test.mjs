// The manager's upload page in a real browser (issue 17): the messy sample
// caseload (BOM, CRLF, quoted commas and a line break, UK dates, a duplicate
// ref, two invalid rows) is checked - exactly its two problems, by row and
// column, and nothing stored - then imported with the valid rows; a second
// check finds everyone already here; the .xlsx of the same rows reads the
// same. With and without JavaScript, axe on every state of the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { webSuite, withPage, checkA11y, screenshot, PASSWORD, SLOW } from './harness.mjs';

const env = webSuite();
const NAMES = ['Ardita', 'Blerina', 'Chiamaka', 'Dorota', 'Esi', 'Fatima', 'Hoxha'];

// Row numbers are the spreadsheet's: the heading is row 1, row 5 is blank;
// row 4 repeats row 2's ref; rows 7 (a date that is no day) and 8 (a gender
// the API does not know) are invalid.
const HEADER = 'ref,known_as,legal_name,languages,entered_service_on,advocate,address,gp_provider,gp_registered_on,nrm_referred_on,birth_year,gender,,';
const rows = (prefix) => [
  `${prefix}-001,Ardita,"Hoxha, Ardita",sq*;en,01/10/2026,advocate,"Flat 2,\n1 High Street",Riverside Practice,03/10/2026,15/09/2026,1994,female,,`,
  `${prefix}-002,Blerina,,en,2/10/2026,,,,,,,,`,
  `${prefix}-001,Chiamaka,,,05/10/2026,,,,,,,,`,
  '',
  `${prefix}-003,Dorota,,pl,06/10/2026,advocate,,,,,,,`,
  `${prefix}-004,Esi,,,31/02/2026,,,,,,,,`,
  `${prefix}-005,Fatima,,,07/10/2026,,,,,,,robot,,`,
];
// With the agency's own heading for the ref ("Case no"), as --map takes it.
const messy = (prefix, ref = 'ref') => Buffer.from('\ufeff' + [HEADER.replace(/^ref,/, ref + ','), ...rows(prefix)].join('\r\n') + '\r\n');

// The same rows as an Excel workbook, dates as date cells (tests/api/xlsx.py).
function workbook(prefix) {
  const D = (d) => ({ date: d });
  const sheet = [
    HEADER.split(',').filter(Boolean),
    [`${prefix}-001`, 'Ardita', 'Hoxha, Ardita', 'sq*;en', D('2026-10-01'), 'advocate', 'Flat 2,\n1 High Street', 'Riverside Practice', D('2026-10-03'), '15/09/2026', 1994, 'female'],
    [`${prefix}-002`, 'Blerina', null, 'en', '2/10/2026'],
    [`${prefix}-001`, 'Chiamaka', null, null, D('2026-10-05')],
    [],
    [`${prefix}-003`, 'Dorota', null, 'pl', D('2026-10-06'), 'advocate'],
    [`${prefix}-004`, 'Esi', null, null, '31/02/2026'],
    [`${prefix}-005`, 'Fatima', null, null, D('2026-10-07'), null, null, null, null, null, null, 'robot'],
  ];
  const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const out = env.server.dir + `/${prefix}.xlsx`;
  const r = spawnSync(python, [fileURLToPath(new URL('../api/xlsx.py', import.meta.url)), out], { input: JSON.stringify({ rows: sheet }), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return out;
}

async function signIn(page, username) {
  await page.goto(env.base + '/');
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState('load');
}

const survivors = async () => (await env.server.call('GET', '/api/v1/survivors?limit=100', { token: env.ctx.tokens.manager })).json.items;

// The problems table as [row, column] pairs.
async function problems(page) {
  const table = page.getByRole('table', { name: /Problems in the file/ });
  if (await table.count() === 0) return [];
  const cells = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.innerText.trim())));
  return cells.map(([row, column]) => [row, column]);
}

// Checks file; a CSV (with "Case no" for its ref) says so in the agency's
// own headings, opening them first when they are closed.
async function check(page, file, { skip = false } = {}) {
  if (file.name === 'caseload.csv') {
    const headings = page.getByLabel('Your own headings (optional)');
    if (!(await headings.isVisible())) await page.getByText('Your spreadsheet has headings of its own').click();
    await headings.fill('Case no = ref');
  }
  await page.getByLabel('The caseload').setInputFiles(file);
  const box = page.getByLabel('Store the rows without problems, even if other rows have problems');
  if (skip) await box.check(); else await box.uncheck();
  await page.getByRole('button', { name: 'Check the file' }).click();
  await page.waitForLoadState('load');
}

const noNames = async (page) => {
  const html = await page.content();
  for (const n of NAMES) assert.ok(!html.includes(n), `the page shows no name (${n})`);
};

// With JavaScript the CSV is imported and its .xlsx checked after; without,
// the other way round: each file is imported once from the page.
for (const javaScript of [true, false]) {
  const js = javaScript ? '' : ' (without JavaScript)';
  const tag = javaScript ? '' : '-nojs';
  const prefix = javaScript ? 'JS' : 'NOJS';
  const csv = () => ({ name: 'caseload.csv', mimeType: 'text/csv', buffer: messy(prefix, 'Case no') });
  const [first, second] = javaScript ? [csv, () => workbook(prefix)] : [() => workbook(prefix), csv];
  const kinds = javaScript ? 'the CSV, then its .xlsx' : 'the .xlsx, then its CSV';

  test(`a manager checks the messy caseload, sees its two problems, then imports the valid rows (${kinds})${js}`, SLOW, async () => {
    await withPage(env, 'import' + tag, { javaScript }, async (page) => {
      await signIn(page, 'manager');
      await page.getByRole('link', { name: 'Import', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Import a caseload' }).waitFor();
      assert.equal(await page.getByRole('link', { name: /template/ }).getAttribute('href'), '/assets/import-template.csv');
      await checkA11y(page, 'the import form' + js);
      const before = (await survivors()).length;

      // The agency's own heading is not ours until it is mapped.
      await page.getByLabel('The caseload').setInputFiles(csv());
      await page.getByRole('button', { name: 'Check the file' }).click();
      await page.waitForLoadState('load');
      assert.match(await page.getByRole('alert').innerText(), /The heading row has problems/);
      assert.deepEqual(await problems(page), [['1', 'Case no'], ['1', 'ref']]);

      // All or nothing: the two invalid rows stop it, and say where.
      await check(page, first());
      await page.getByRole('heading', { level: 1, name: 'Check the caseload' }).waitFor();
      assert.deepEqual(await problems(page), [['7', 'entered_service_on'], ['8', 'gender']]);
      assert.match(await page.locator('#import-summary').innerText(), /3 new survivors, 1 already here, 2 rows with problems/);
      assert.match(await page.locator('#import-summary').innerText(), /Nothing can be imported yet/);
      assert.equal(await page.getByRole('button', { name: /^Import \d+ survivors/ }).count(), 0);
      await noNames(page);
      await checkA11y(page, 'the check with problems' + js);
      assert.equal((await survivors()).length, before, 'nothing stored by a check');

      // With the valid rows only: what each brings, then the import.
      await check(page, first(), { skip: true });
      const fresh = await page.getByRole('table', { name: /added/ }).locator('tbody tr').allInnerTexts();
      assert.deepEqual(fresh.map((t) => t.replace(/\s+/g, ' ').trim()), [
        '2 A survivor, a GP registration, an NRM referral', '3 A survivor', '6 A survivor']);
      assert.match(await page.getByRole('table', { name: /imported before/ }).innerText(), /4\s+The same ref as row 2/);
      await screenshot(page, 'import-check' + tag);
      await checkA11y(page, 'the check, ready to import' + js);
      assert.equal((await survivors()).length, before, 'nothing stored by a check');
      await page.getByRole('button', { name: 'Import 3 survivors' }).click();
      await page.getByRole('heading', { level: 1, name: 'Caseload imported' }).waitFor();
      assert.match(await page.locator('main').innerText(), /3 survivors were added/);
      await noNames(page);
      await checkA11y(page, 'the import done' + js);

      const ardita = (await survivors()).filter((x) => x.known_as === 'Ardita').at(-1);
      assert.equal(ardita.legal_name, 'Hoxha, Ardita');
      assert.equal(ardita.contact.address, 'Flat 2,\n1 High Street');
      assert.equal(ardita.entered_service_on, '2026-10-01');
      assert.equal(ardita.advocate_id, env.ctx.users.advocate.id);
      const dorota = (await survivors()).filter((x) => x.known_as === 'Dorota').at(-1);
      assert.equal(dorota.entered_service_on, '2026-10-06');
      assert.equal((await survivors()).length, before + 3);

      // Again: everyone is already here, nothing to import.
      await page.goto(env.base + '/import');
      await check(page, first(), { skip: true });
      assert.match(await page.locator('#import-summary').innerText(), /0 new survivors, 4 already here, 2 rows with problems/);
      assert.match(await page.locator('#import-summary').innerText(), /nothing new to import/);

      // The other file of the same rows reads the same: the same two problems, the same refs.
      await check(page, second(), { skip: true });
      assert.deepEqual(await problems(page), [['7', 'entered_service_on'], ['8', 'gender']]);
      assert.match(await page.locator('#import-summary').innerText(), /0 new survivors, 4 already here, 2 rows with problems/);
      assert.equal((await survivors()).length, before + 3);
    });
  });
}

test('an advocate has no import page, and a file that is no caseload says why with the form', SLOW, async () => {
  await withPage(env, 'import-refused', async (page) => {
    await signIn(page, 'advocate');
    assert.equal(await page.getByRole('link', { name: 'Import', exact: true }).count(), 0);
    const r = await page.goto(env.base + '/import');
    assert.equal(r.status(), 403);
  });
  await withPage(env, 'import-unreadable', async (page) => {
    await signIn(page, 'manager');
    await page.goto(env.base + '/import');
    await check(page, { name: 'old.csv', mimeType: 'text/csv', buffer: Buffer.from('ref,known_as,entered_service_on\r\nW-1,Zo\xeb,01/10/2026\r\n', 'latin1') });
    const summary = page.getByRole('alert');
    assert.match(await summary.innerText(), /not UTF-8 text/);
    // The error links to the file field, which says it too.
    await summary.getByRole('link').click();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'file');
    await checkA11y(page, 'the import form with an error');
  });
});
