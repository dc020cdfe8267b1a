// The anonymised research export (GET /api/v1/exports/research;
// docs/research-export.md): a generated, skewed cohort of 60 consenting
// survivors, a dozen who did not consent (or withdrew), and another
// agency's; the CSV must be k-anonymous on its quasi-identifiers, leave out
// everyone without the consent, carry no identifier, and be refused to the
// roles that may not have it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, ADMIN_PASSWORD, FIRST_PASSWORD, PASSWORD } from './harness.mjs';

const ROUTE = '/api/v1/exports/research';
const COLUMNS = ['yearOfRegistration', 'monthOfRegistration', 'gender', 'ageBroad', 'majorityStatus',
  'citizenship', 'typeOfExploitConcatenated', 'isSexualExploit', 'isForcedLabour', 'isOtherExploit',
  'typeOfLabourDomesticWork', 'typeOfLabourIllicitActivities', 'caseStatus', 'monthsInServiceBand',
  'registeredWithGP', 'registeredWithDentist', 'refusedByGP', 'nrmReferred',
  'reasonableGroundsDecision', 'conclusiveGroundsDecision'];
// The quasi-identifiers' columns, and the columns derived from each.
const QI = ['ageBroad', 'majorityStatus', 'gender', 'citizenship', 'typeOfExploitConcatenated',
  'yearOfRegistration', 'monthOfRegistration'];
const FLAGS = ['isSexualExploit', 'isForcedLabour', 'isOtherExploit', 'typeOfLabourDomesticWork',
  'typeOfLabourIllicitActivities'];

let s, ctx;
const cohort = [];   // the consenting survivors as created: {id, body, gp}
const excluded = []; // ids of survivors who must not be in the file
const secrets = [];  // text that must never be in the file

// A small deterministic generator, so every run has the same cohort.
let seed = 20261202;
const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
const pick = (weighted) => {
  let r = rnd() * weighted.reduce((a, [, w]) => a + w, 0);
  for (const [v, w] of weighted) { if ((r -= w) < 0) return v; }
  return weighted[weighted.length - 1][0];
};

// Skewed as an agency's caseload is: a few nationalities and types make
// most of it, with a long tail of rare ones.
function generated(i) {
  return {
    known_as: `Zorvath${i}q`,
    legal_name: `Quillonby Legal${i}`,
    birth_year: pick([[1997, 5], [1999, 5], [2001, 6], [1992, 4], [1988, 3], [1978, 1], [2009, 1], [1961, 1]]),
    gender: pick([['female', 62], ['male', 34], ['non_binary', 2], ['not_stated', 2]]),
    nationality: pick([['AL', 40], ['VN', 25], ['GB', 12], ['RO', 8], ['ER', 3], ['SD', 3], ['PL', 3], ['NG', 3], ['CN', 3]]),
    exploitation_types: pick([[['sexual'], 42], [['labour'], 30], [['domestic_servitude'], 10], [['criminal'], 8],
      [['sexual', 'labour'], 5], [['other'], 3], [[], 2]]),
    entered_service_on: pick([['2025-03-14', 3], ['2025-11-02', 3], ['2026-02-20', 3], ['2026-06-30', 2]]),
    contact: { phone: `07700 9${String(10000 + i).slice(1)}`, address: `${i} Larkspur Mews` },
  };
}

function parseCsv(text) {
  const rows = [];
  let row = [], cell = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (ch === '"') quoted = false; else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(cell); cell = ''; }
    else if (ch === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; }
    else cell += ch;
  }
  assert.equal(row.length + cell.length, 0, 'every line ends with CRLF');
  return rows;
}

// Parses an export into objects keyed by column; checks the header.
function records(r) {
  assert.equal(r.status, 200, r.text);
  const [header, ...rows] = parseCsv(r.text);
  assert.deepEqual(header, COLUMNS);
  for (const row of rows) assert.equal(row.length, COLUMNS.length);
  return rows.map((row) => Object.fromEntries(header.map((h, i) => [h, row[i]])));
}

// The smallest number of rows sharing one combination of the
// quasi-identifiers' cells, as a reader of the file sees them.
function smallestClass(rows) {
  const classes = new Map();
  for (const r of rows) {
    const key = QI.map((c) => r[c]).join('\u0000');
    classes.set(key, (classes.get(key) || 0) + 1);
  }
  return classes.size ? Math.min(...classes.values()) : 0;
}

// Runs fn over items, at most `width` at once.
async function inParallel(items, width, fn) {
  let next = 0;
  const worker = async () => { while (next < items.length) { const i = next++; await fn(items[i], i); } };
  await Promise.all(Array.from({ length: width }, worker));
}

async function post(token, path, body, method = 'POST') {
  const r = await s.call(method, path, { token, body });
  if (r.status !== 201) throw new Error(`${path}: ${r.status} ${r.text}`);
  return r.json;
}

// Two agencies and the four accounts the test needs: fewer than the
// harness's seed() makes, each password work (Argon2id) done in parallel.
async function setup() {
  const admin = await s.login('admin', ADMIN_PASSWORD);
  const org = async (name) => (await s.call('POST', '/api/v1/orgs', { token: admin, body: { name, kind: 'support_agency' } })).json;
  const agency = await org('Agency One');
  const other = await org('Agency Two');
  const roles = { manager: ['manager', agency], advocate: ['advocate', agency], analyst: ['analyst', agency], otherManager: ['manager', other] };
  const users = {};
  for (const [name, [role, o]] of Object.entries(roles)) {
    users[name] = await post(admin, '/api/v1/users', { username: name.toLowerCase(), password: FIRST_PASSWORD, display_name: name, role, org_id: o.id });
  }
  const tokens = { admin };
  await Promise.all(Object.entries(users).map(async ([name, u]) => {
    tokens[name] = await s.login(u.username, FIRST_PASSWORD);
    await s.changePassword(tokens[name], FIRST_PASSWORD, PASSWORD);
  }));
  return { users, tokens };
}

before(async () => {
  s = await Server.start();
  ctx = await setup();
  const adv = ctx.tokens.advocate;
  // Created eight at a time (the server commits concurrent writes
  // together); the cohort is generated first, so it is the same every run.
  const bodies = Array.from({ length: 60 }, (_, i) => generated(i));
  await inParallel(bodies, 8, async (body, i) => {
    const sv = await post(adv, '/api/v1/survivors', body);
    await post(adv, `/api/v1/survivors/${sv.id}/consents`, { purpose: 'anonymised_research', given_on: '2026-06-30', method: 'written' });
    const gp = i % 3 === 0;
    if (gp) await post(adv, `/api/v1/survivors/${sv.id}/registrations`, { service: 'gp', provider: 'Elmhurst Surgery', registered_on: '2026-07-01' });
    if (i % 4 === 1) await post(adv, `/api/v1/survivors/${sv.id}/nrm`, { referred_on: '2026-07-01', first_responder: 'Brackenwood Police' }, 'PUT');
    if (i === 7) await post(adv, `/api/v1/survivors/${sv.id}/notes`, { kind: 'call', body: 'Vexillary harbour note' });
    cohort.push({ id: sv.id, body, gp });
    secrets.push(sv.id, body.known_as, body.legal_name, body.contact.phone, body.contact.address, String(body.birth_year));
  });
  secrets.push('Elmhurst', 'Brackenwood', 'Vexillary');
  // A dozen who must be absent, all alike and of a nationality no one else
  // has (KP): were they exported, they would make a class of 12 and show.
  const alike = (i) => ({ known_as: `Absent${i}x`, birth_year: 1995, gender: 'female', nationality: 'KP',
    exploitation_types: ['sexual'], entered_service_on: '2026-02-20' });
  await inParallel(Array.from({ length: 12 }, (_, i) => i), 8, async (i) => {
    const sv = await post(adv, '/api/v1/survivors', alike(i));
    excluded[i] = sv.id;
    secrets.push(sv.id, `Absent${i}x`);
    if (i < 4) return; // no consent at all
    if (i < 8) { // consented, then withdrew
      await post(adv, `/api/v1/survivors/${sv.id}/consents`, { purpose: 'anonymised_research', given_on: '2026-03-01', withdrawn_on: '2026-04-01' });
    } else { // consented to something else
      await post(adv, `/api/v1/survivors/${sv.id}/consents`, { purpose: 'handover', given_on: '2026-03-01' });
    }
  });
  // Another agency's consenting survivors (TV): never in Agency One's file.
  await inParallel(Array.from({ length: 12 }, (_, i) => i), 8, async (i) => {
    const sv = await post(ctx.tokens.otherManager, '/api/v1/survivors', { ...alike(i), known_as: `Other${i}x`, nationality: 'TV' });
    await post(ctx.tokens.otherManager, `/api/v1/survivors/${sv.id}/consents`, { purpose: 'anonymised_research', given_on: '2026-03-01' });
    excluded.push(sv.id);
    secrets.push(sv.id);
  });
});

after(async () => { await s.destroy(); });

test('the default export is 5-anonymous, only of consenting survivors, with no identifier', async () => {
  // The cohort as entered is not 5-anonymous: the export has work to do.
  const raw = cohort.map(({ body }) => ({ ageBroad: String(2026 - body.birth_year), majorityStatus: '',
    gender: body.gender, citizenship: body.nationality, typeOfExploitConcatenated: body.exploitation_types.join(';'),
    yearOfRegistration: '', monthOfRegistration: body.entered_service_on.slice(0, 7) }));
  assert.ok(smallestClass(raw) < 5);

  const r = await s.call('GET', ROUTE, { token: ctx.tokens.manager });
  assert.equal(r.headers.get('content-type'), 'text/csv; charset=utf-8');
  assert.match(r.headers.get('content-disposition'), /^attachment; filename="waymark-research-\d{4}-\d{2}-\d{2}-internal-k5\.csv"$/);
  const rows = records(r);
  assert.equal(r.headers.get('waymark-export-k'), '5');
  assert.equal(Number(r.headers.get('waymark-export-rows')), rows.length);
  const dropped = Number(r.headers.get('waymark-export-rows-dropped'));
  assert.equal(rows.length + dropped, 60, 'every consenting survivor, and no one else, was considered');
  assert.ok(rows.length >= 50, `most of the cohort is published (${rows.length})`);
  assert.ok(Number(r.headers.get('waymark-export-cells-suppressed')) > 0);

  assert.ok(smallestClass(rows) >= 5, 'k = 5 holds on the quasi-identifiers');
  assert.ok(rows.some((x) => x.citizenship === 'AL' && x.gender === 'Female'), 'common values survive');
  assert.ok(rows.some((x) => QI.some((c) => x[c] === 'suppressed')), 'rare values are suppressed');

  for (const x of rows) {
    assert.notEqual(x.citizenship, 'KP', 'a survivor without the consent is exported');
    assert.notEqual(x.citizenship, 'TV', "another organisation's survivor is exported");
    assert.match(x.yearOfRegistration, /^(2025|2026|suppressed)$/);
    assert.match(x.monthOfRegistration, /^(2025-03|2025-11|2026-02|2026-06|suppressed)$/);
    assert.ok(x.monthOfRegistration.startsWith(x.yearOfRegistration));
    assert.match(x.ageBroad, /^(suppressed|\d+--\d+|65\+)$/);
    if (x.ageBroad === 'suppressed') assert.equal(x.majorityStatus, 'suppressed');
    if (x.typeOfExploitConcatenated === 'suppressed') for (const f of FLAGS) assert.equal(x[f], 'suppressed');
    else if (x.typeOfExploitConcatenated === '') for (const f of FLAGS) assert.equal(x[f], '');
    else {
      const t = x.typeOfExploitConcatenated.split(';');
      assert.equal(x.isSexualExploit, t.includes('sexual') ? '1' : '0');
      assert.equal(x.isForcedLabour, t.some((v) => ['labour', 'domestic_servitude', 'criminal'].includes(v)) ? '1' : '0');
    }
    assert.match(x.registeredWithGP, /^(yes|no)$/);
    assert.match(x.nrmReferred, /^(yes|no)$/);
    assert.match(x.reasonableGroundsDecision, x.nrmReferred === 'yes' ? /^pending$/ : /^$/);
    assert.equal(x.caseStatus, 'active');
  }
  // The outcomes are the cohort's: a third registered with a GP.
  const gp = rows.filter((x) => x.registeredWithGP === 'yes').length;
  const registered = cohort.filter((c) => c.gp).length;
  assert.ok(gp <= registered && gp >= registered - dropped);

  for (const text of secrets) assert.ok(!r.text.includes(text), 'an identifier or free text is in the export');
});

test('release=public uses k = 11, and a larger k may be asked for', async () => {
  const pub = await s.call('GET', `${ROUTE}?release=public`, { token: ctx.tokens.analyst });
  const rows = records(pub);
  assert.equal(pub.headers.get('waymark-export-k'), '11');
  assert.match(pub.headers.get('content-disposition'), /-public-k11\.csv"$/);
  assert.ok(rows.length > 0);
  assert.ok(smallestClass(rows) >= 11, 'k = 11 holds');
  assert.equal(rows.length + Number(pub.headers.get('waymark-export-rows-dropped')), 60);

  const k8 = await s.call('GET', `${ROUTE}?k=8`, { token: ctx.tokens.analyst });
  assert.ok(smallestClass(records(k8)) >= 8);
  const k20 = await s.call('GET', `${ROUTE}?k=20&release=public`, { token: ctx.tokens.analyst });
  assert.ok(smallestClass(records(k20)) >= 20);

  // The same question twice gives the same file.
  const again = await s.call('GET', `${ROUTE}?release=public`, { token: ctx.tokens.analyst });
  assert.equal(again.text, pub.text);
});

test('each survivor drawn on is in the access log as an export; no one else', async () => {
  await s.call('GET', ROUTE, { token: ctx.tokens.manager });
  const log = async (id) => (await s.call('GET', `/api/v1/survivors/${id}/access-log?limit=500`, { token: ctx.tokens.manager })).json.items;
  const exported = (await log(cohort[0].id)).filter((e) => e.action === 'export');
  assert.ok(exported.length >= 1);
  assert.equal(exported[0].route, ROUTE);
  assert.equal(exported[0].user_id, ctx.users.manager.id);
  assert.ok(!(await log(excluded[0])).some((e) => e.action === 'export'), 'no consent, no export entry');
  assert.ok(!(await log(excluded[5])).some((e) => e.action === 'export'), 'withdrawn, no export entry');
});

test("another organisation's manager gets only their own organisation", async () => {
  const rows = records(await s.call('GET', ROUTE, { token: ctx.tokens.otherManager }));
  assert.equal(rows.length, 12);
  assert.ok(rows.every((x) => x.citizenship === 'TV'));
});

test('advocates and administrators may not export', async () => {
  for (const who of ['advocate', 'admin']) {
    const r = await s.call('GET', ROUTE, { token: ctx.tokens[who] });
    assert.equal(r.status, 403, who);
    assert.equal(r.json.error.code, 'forbidden');
  }
  assert.equal((await s.call('GET', ROUTE)).status, 401);
});

test('a bad k or release is 422 naming it', async () => {
  for (const q of ['k=1', 'k=0', 'k=abc', 'k=5.5', 'k=', 'k=-5', 'k=1001', 'k=99999', 'release=public&k=5']) {
    const r = await s.call('GET', `${ROUTE}?${q}`, { token: ctx.tokens.manager });
    assert.equal(r.status, 422, q);
    assert.equal(r.json.error.code, 'validation_failed');
    assert.equal(r.json.error.field, 'k', q);
  }
  const r = await s.call('GET', `${ROUTE}?release=everyone`, { token: ctx.tokens.manager });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.field, 'release');
});
