// Drives the wharf web UI in Debian's chromium (headless, playwright-core)
// for tests/e2e/test_ui.py, in two phases around the skopeo steps that
// the Python side runs:
//   setup: sign in, create org + repository, create robots (one with read on
//          the repository, one whose description is "<script>…"), read the
//          token from the page and the clipboard, download the Kubernetes
//          Secret; writes {token, secret} to UI_STATE.
//   usage: after a skopeo pull as the robot: the pull in the log table and
//          in the chart, the unused-robots panel, regenerate with a grace
//          period; writes {old_token, new_token} to UI_STATE.
// Environment: WHARF_URL, WHARF_USER, WHARF_PASSWORD, UI_OUT (screenshot
// dir), UI_STATE (JSON file), UI_PHASE, CHROMIUM (default /usr/bin/chromium).
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const env = (k, d) => process.env[k] ?? d ?? (() => { throw new Error(`${k} is not set`); })();
const URL0 = env('WHARF_URL');
const OUT = env('UI_OUT');
const STATE = env('UI_STATE');
const PHASE = env('UI_PHASE');
const ORG = 'acme';
const MASK = '•'.repeat(24);
const XSS = '<script>window.__xss = 1</script><img src=x onerror="window.__xss=2"> & "quotes"';

fs.mkdirSync(OUT, { recursive: true });
const state = fs.existsSync(STATE) ? JSON.parse(fs.readFileSync(STATE, 'utf8')) : {};
const save = () => fs.writeFileSync(STATE, JSON.stringify(state, null, 2));

function step(name) { console.log(`-- ${name}`); }

async function shot(page, name) {
  await page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });
}

async function signIn(page) {
  await page.goto(`${URL0}/`);
  await page.waitForURL(/#\/signin$/);
  await page.getByLabel('Username').fill(env('WHARF_USER'));
  await page.getByLabel('Password').fill(env('WHARF_PASSWORD'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Organizations' }).waitFor();
}

async function createRobotViaDialog(page, short, description, repoRole) {
  await page.goto(`${URL0}/#/org/${ORG}/robots`);
  await page.getByRole('button', { name: 'Create Robot Account' }).click();
  const dlg = page.locator('dialog#create-robot');
  const name = dlg.getByLabel('Robot name');
  await name.fill('Bad--Name');
  assert.equal(await name.getAttribute('aria-invalid'), 'true', 'name rule checked as you type');
  assert.ok(await dlg.getByRole('button', { name: 'Create robot account' }).isDisabled());
  await name.fill(short);
  assert.equal(await name.getAttribute('aria-invalid'), 'false');
  await dlg.getByLabel('Description').fill(description);
  if (repoRole) await dlg.getByLabel(`Permission on ${repoRole[0]}`).selectOption(repoRole[1]);
  if (short === 'puller') await shot(page, 'create-robot-dialog');
  await dlg.getByRole('button', { name: 'Create robot account' }).click();
  await page.waitForURL(new RegExp(`#/org/${ORG}/robots/${short}$`));
  await page.getByRole('heading', { name: `${ORG}+${short}` }).waitFor();
}

// On the puller's page: a federation entry, its exchange snippet.
async function federation(page) {
  step('robot federation');
  await page.goto(`${URL0}/#/org/${ORG}/robots/puller`);
  await page.getByRole('heading', { name: `${ORG}+puller` }).waitFor();
  const sec = page.locator('section', { has: page.getByRole('heading', { name: /OIDC federation/ }) });
  await sec.getByRole('button', { name: 'GitHub Actions' }).click();
  assert.equal(await sec.getByLabel('Issuer').inputValue(), 'https://token.actions.githubusercontent.com');
  await sec.getByLabel('Subject').fill('repo:acme/app:ref:refs/heads/main');
  await sec.getByLabel('Audience (recommended)').fill('wharf');
  await sec.getByRole('button', { name: 'Add federation' }).click();
  await page.locator('#federation tr[data-subject="repo:acme/app:ref:refs/heads/main"]').waitFor();
  const snippet = await page.locator('#cmd-federation').textContent();
  assert.match(snippet, /curl -fsS -u "acme\+puller:\$ID_TOKEN" "http:\/\/[^"]+\/oauth2\/federation\/robot\/token"/);
  // a second entry, then removed again: the list is replaced as a whole
  await sec.getByLabel('Issuer').fill('https://gitlab.com');
  await sec.getByLabel('Subject').fill('project_path:acme/app:ref_type:branch:ref:main');
  await sec.getByLabel('Audience (recommended)').fill('');
  await sec.getByRole('button', { name: 'Add federation' }).click();
  const gl = page.locator('#federation tr[data-issuer="https://gitlab.com"]');
  await gl.waitFor();
  assert.equal(await gl.locator('td').nth(2).textContent(), 'any');
  await gl.getByRole('button', { name: /Remove/ }).click();
  await gl.waitFor({ state: 'detached' });
  assert.equal(await page.locator('#federation tbody tr').count(), 1);
  await sec.screenshot({ path: path.join(OUT, 'robot-federation.png') });
}

// Teams: create one (description with <script>), add a robot, grant a repository.
async function teams(page) {
  step('teams');
  await page.getByRole('link', { name: 'Teams' }).first().click();
  await page.getByRole('heading', { name: `${ORG}: teams` }).waitFor();
  await page.locator('#teams tr[data-team="owners"]').waitFor();
  const name = page.getByLabel('Team name');
  await name.fill('Bad--team');
  assert.equal(await name.getAttribute('aria-invalid'), 'true');
  await name.fill('deployers');
  await page.getByLabel('Role').selectOption('member');
  await page.getByLabel('Description (optional)').fill(XSS);
  await page.getByRole('button', { name: 'Create team' }).click();
  await page.waitForURL(new RegExp(`#/org/${ORG}/teams/deployers$`));
  assert.equal(await page.locator('#team-description-text').textContent(), XSS);
  step('team members: a robot');
  // (scripty, not puller: the pull-only robot must stay pull-only for test_ui.py)
  await page.getByLabel('User or robot').fill(`${ORG}+scripty`);
  await page.getByRole('button', { name: 'Add member' }).click();
  await page.locator(`#team-members tr[data-member="${ORG}+scripty"]`).waitFor();
  step('team repository permission');
  await page.locator('#team-grant-repo').selectOption('app');
  await page.locator('#team-grant-role').selectOption('write');
  await page.getByRole('button', { name: 'Grant', exact: true }).click();
  const perm = page.locator('#team-perms tr[data-repo="app"] select');
  await perm.waitFor();
  assert.equal(await perm.inputValue(), 'write');
  await shot(page, 'team');
  await page.getByRole('link', { name: '← Teams' }).click();
  const row = page.locator('#teams tr[data-team="deployers"]');
  await row.waitFor();
  assert.equal(await row.locator('td.desc').textContent(), XSS);
  assert.equal(await row.locator('td.num').first().textContent(), '1');
  // a second team, deleted from the list
  await page.getByLabel('Team name').fill('temp');
  await page.getByRole('button', { name: 'Create team' }).click();
  await page.waitForURL(/teams\/temp$/);
  await page.getByRole('link', { name: '← Teams' }).click();
  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: 'Delete team temp' }).click();
  await page.locator('#teams tr[data-team="temp"]').waitFor({ state: 'detached' });
  await shot(page, 'teams');
}

// The repository's permissions: users/robots and teams, change, remove, grant.
async function repoPermissions(page) {
  step('repository permissions');
  await page.goto(`${URL0}/#/org/${ORG}`);
  await page.getByRole('link', { name: `Permissions of ${ORG}/app` }).click();
  await page.getByRole('heading', { name: `${ORG}/app: permissions` }).waitFor();
  const robot = page.locator(`#repo-perms tr[data-entity="${ORG}+puller"]`);
  assert.equal(await robot.getAttribute('data-kind'), 'robot');
  assert.equal(await robot.locator('select').inputValue(), 'read');
  const team = page.locator('#repo-perms tr[data-entity="deployers"]');
  assert.equal(await team.locator('select').inputValue(), 'write');
  await team.locator('select').selectOption('read');
  await page.getByText('deployers now has read on acme/app.').waitFor();
  assert.equal(await team.locator('select').inputValue(), 'read');
  page.once('dialog', (d) => d.accept());
  await team.getByRole('button', { name: /Remove/ }).click();
  await page.locator('#repo-perms tr[data-entity="deployers"]').waitFor({ state: 'detached' });
  step('grant a team and a robot by name (suggested as you type)');
  await page.getByLabel('Kind').selectOption('team');
  await page.getByLabel('Team', { exact: true }).fill('deployers');
  await page.locator('#grant-role').selectOption('admin');
  await page.getByRole('button', { name: 'Grant', exact: true }).click();
  await page.locator('#repo-perms tr[data-entity="deployers"]').waitFor();
  await page.getByLabel('Kind').selectOption('user');
  await page.getByLabel('User or robot').fill(`${ORG}+deployer`);
  await page.locator('#grant-role').selectOption('read');
  await page.getByRole('button', { name: 'Grant', exact: true }).click();
  await page.locator(`#repo-perms tr[data-entity="${ORG}+deployer"]`).waitFor();
  await shot(page, 'repo-permissions');
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, 'repo-permissions-phone');
  // nothing wider than the phone: tables scroll inside their box
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390 + 1), 'fits a phone');
  await page.setViewportSize({ width: 1280, height: 800 });
}

// OAuth applications: create one (name with <script>), mint tokens, revoke one.
async function oauthTokens(page) {
  step('OAuth applications and tokens');
  await page.getByRole('link', { name: 'OAuth tokens' }).first().click();
  await page.getByRole('heading', { name: `${ORG}: OAuth applications` }).waitFor();
  await page.getByLabel('Application name').fill(XSS);
  await page.getByLabel('Description (optional)').fill('deploy scripts');
  await page.getByRole('button', { name: 'Create application' }).click();
  await page.waitForURL(new RegExp(`#/org/${ORG}/apps/[A-Za-z0-9]+$`));
  assert.equal(await page.locator('#app-name').textContent(), XSS);
  assert.match(await page.locator('#client-id').textContent(), /^[A-Za-z0-9]{20}$/);
  const mint = async (name, scopes) => {
    await page.getByLabel('Token name').fill(name);
    for (const sc of scopes) await page.getByRole('checkbox', { name: new RegExp(`^${sc} `) }).check();
    await page.getByRole('button', { name: 'Create token' }).click();
    const box = page.locator('#new-api-token', { hasText: name });
    await box.waitFor();
    const tok = (await box.locator('code.token').textContent()).trim();
    assert.match(tok, /^[A-Za-z0-9]{20,}$/);
    return tok;
  };
  const keep = await mint('ci-read', ['repo:read']);
  await page.locator('#copy-api-token').click();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), keep, 'copied API token');
  await page.locator('#app-tokens tr', { hasText: 'ci-read' }).waitFor();
  await shot(page, 'oauth-token-created');
  const gone = await mint('old', ['repo:read', 'user:read']);
  const row = page.locator('#app-tokens tr', { hasText: 'old' });
  assert.match(await row.textContent(), /user:read/);
  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: 'Revoke token old' }).click();
  await row.waitFor({ state: 'detached' });
  assert.equal(await page.locator('#new-api-token').count(), 0, 'shown once');
  await shot(page, 'oauth-tokens');
  await page.getByRole('link', { name: '← OAuth applications' }).click();
  const app = page.locator('#apps tbody tr th');
  await app.first().waitFor();
  assert.equal(await app.first().textContent(), XSS);
  assert.equal(await page.evaluate(() => window.__xss), undefined, 'no script ran');
  Object.assign(state, { api_token: keep, revoked_api_token: gone });
}

async function setup(page, context) {
  step('sign-in page');
  await page.goto(`${URL0}/`);
  await page.waitForURL(/#\/signin$/);
  await shot(page, 'signin');
  await signIn(page);

  step('create organization');
  await page.getByLabel('Organization name').fill(ORG);
  await page.getByRole('button', { name: 'Create organization' }).click();
  await page.waitForURL(new RegExp(`#/org/${ORG}$`));

  step('create repository');
  await page.getByLabel('Name', { exact: true }).fill('app');
  await page.getByRole('button', { name: 'Create repository' }).click();
  await page.locator('#repos tr[data-repo="app"]').waitFor();

  step('create robot with read on acme/app');
  await createRobotViaDialog(page, 'puller', 'pulls app for the cluster', ['app', 'read']);
  const tok = page.locator('#robot-token');
  assert.equal(await tok.textContent(), MASK, 'token masked until revealed');
  await page.getByRole('button', { name: 'Reveal' }).click();
  const token = (await tok.textContent()).trim();
  assert.match(token, /^[A-Za-z0-9]{64}$/);
  await page.locator('#copy-token').click();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token, 'copied token');
  const perm = page.locator(`#robot-perms tr[data-repo="${ORG}/app"] select`);
  await perm.waitFor();
  assert.equal(await perm.inputValue(), 'read');
  // the login command carries the real token only once revealed
  assert.match(await page.locator('#cmd-docker').textContent(), new RegExp(token));
  await page.getByRole('button', { name: 'Hide' }).click();
  assert.doesNotMatch(await page.locator('#cmd-docker').textContent(), new RegExp(token));
  await shot(page, 'robot-detail');

  step('download the Kubernetes Secret');
  await page.getByRole('tab', { name: 'Kubernetes Secret' }).click();
  const [dl] = await Promise.all([page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download YAML' }).click()]);
  const file = path.join(path.dirname(STATE), dl.suggestedFilename()); // holds a token: not beside the screenshots
  await dl.saveAs(file);
  const yaml = fs.readFileSync(file, 'utf8');
  assert.match(dl.suggestedFilename(), /\.ya?ml$/);
  assert.match(yaml, /kind: Secret/);
  assert.match(yaml, /type: kubernetes\.io\/dockerconfigjson/);
  const b64 = /\.dockerconfigjson:\s*"?([A-Za-z0-9+/=]+)"?/.exec(yaml);
  assert.ok(b64, yaml);
  const cfg = JSON.parse(Buffer.from(b64[1], 'base64').toString());
  const host = new URL(URL0).host;
  assert.equal(cfg.auths[host].username, `${ORG}+puller`);
  assert.equal(cfg.auths[host].password, token);
  await page.getByLabel('Namespace (optional)').fill('prod');
  await page.getByRole('button', { name: 'Update' }).click();
  await page.getByRole('button', { name: 'Reveal' }).click();
  await page.locator('#cmd-kubernetes', { hasText: 'namespace: prod' }).waitFor();
  await page.getByRole('button', { name: 'Hide' }).click();
  await shot(page, 'robot-kubernetes');
  // keyboard: arrows move between the tabs
  await page.getByRole('tab', { name: 'Kubernetes Secret' }).press('ArrowRight');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.tab), 'dockerconfig');

  step('a description with <script> is text');
  await createRobotViaDialog(page, 'scripty', XSS, null);
  assert.equal(await page.locator('#robot-description').textContent(), XSS);
  assert.equal(await page.locator('#robot-description *').count(), 0);

  step('add a labelled token, shown once');
  await page.getByLabel('Label').fill('laptop');
  await page.getByRole('button', { name: 'Add token' }).click();
  const once = (await page.locator('#new-token code').textContent()).trim();
  assert.match(once, /^[A-Za-z0-9]{64}$/);
  await page.locator('#tokens tr', { hasText: 'laptop' }).waitFor();
  state.extra_token = once;

  step('an IP allow-list');
  await page.getByLabel(/Allowed addresses/).fill('10.0.0.0/8');
  await page.getByRole('button', { name: 'Save allow-list' }).click();
  await page.getByText('Allow-list saved.').waitFor();
  await shot(page, 'robot-edit');

  await federation(page);

  step('disable and enable a robot');
  await page.getByRole('button', { name: 'Disable' }).click();
  await page.getByRole('button', { name: 'Enable' }).waitFor();
  await page.locator('dl.facts .badge.bad', { hasText: 'disabled' }).waitFor();
  await page.getByRole('button', { name: 'Enable' }).click();
  await page.getByRole('button', { name: 'Disable' }).waitFor();

  step('a robot whose token expires soon (made through the API, as the UI would)');
  await page.evaluate(async (org) => {
    const m = await import('/ui/api.js');
    await m.put(`/api/v1/organization/${org}/robots/deployer`,
      { description: 'deploys to production', token_expiration: 5 * 86400 });
  }, ORG);

  step('robots list');
  await page.goto(`${URL0}/#/org/${ORG}/robots`);
  const row = page.locator(`#robots tr[data-robot="${ORG}+scripty"] td.desc`);
  await row.waitFor();
  assert.equal(await row.textContent(), XSS);
  await page.locator(`#robots tr[data-robot="${ORG}+deployer"] [data-expiry="soon"]`).waitFor();
  await page.locator('#expiry-warning').waitFor();
  const repos = await page.locator(`#robots tr[data-robot="${ORG}+puller"] td.num`).textContent();
  assert.equal(repos, '1');
  assert.equal(await page.evaluate(() => window.__xss), undefined, 'no script ran');
  await shot(page, 'robots');
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, 'robots-phone');
  await page.goto(`${URL0}/#/org/${ORG}`);
  await page.locator('#repos').waitFor();
  await page.setViewportSize({ width: 1280, height: 800 });
  await teams(page);
  await repoPermissions(page);
  await oauthTokens(page);
  await page.goto(`${URL0}/#/org/${ORG}`);
  await page.locator('#repos').waitFor();
  await shot(page, 'repositories');
  await page.goto(`${URL0}/#/`);
  await page.getByRole('heading', { name: 'Organizations' }).waitFor();
  await shot(page, 'organizations');
  Object.assign(state, { token, secret: yaml });
}

async function usage(page) {
  await signIn(page);
  step('the pull in the log and the chart');
  await page.goto(`${URL0}/#/org/${ORG}/logs`);
  await page.locator(`#log tr[data-kind="pull_repo"][data-performer="${ORG}+puller"]`).first().waitFor();
  const bar = page.locator(`#usage-chart rect[data-robot="${ORG}+puller"][data-kind="pull"]`);
  await bar.first().waitFor();
  assert.ok(Number(await bar.first().getAttribute('data-count')) >= 1);
  await page.locator(`#usage-chart rect[data-robot="${ORG}+ci_pusher"][data-kind="push"]`).waitFor();
  step('unused robots panel');
  const unused = page.locator('#unused');
  // (scripty is not there: its refused login in test_ui.py counts as a use)
  await unused.locator(`li[data-robot="${ORG}+deployer"]`).waitFor();
  assert.equal(await unused.locator(`li[data-robot="${ORG}+puller"]`).count(), 0);
  await shot(page, 'usage');
  await page.locator('section', { has: page.locator('#usage-chart') })
    .screenshot({ path: path.join(OUT, 'usage-chart.png') });

  step('people as their own series, the numbers as a table, a day range');
  // the admin's push of acme/app:v1 (a person, not a robot)
  const people = page.locator('#usage-chart rect[data-series="people"][data-kind="push"]');
  await people.first().waitFor();
  assert.equal(await people.first().getAttribute('data-robot'), 'people & anonymous');
  assert.match(await page.locator('#chart-desc').textContent(), new RegExp(`${ORG}\\+puller [1-9]\\d* pulls?`));
  await page.getByText('Show the numbers as a table').click();
  const today = new Date().toISOString().slice(0, 10);
  const cell = page.locator(`#usage-table tr[data-day="${today}"] td[data-robot="${ORG}+puller"]`);
  assert.match(await cell.textContent(), /\d+ pulls?/);
  await page.getByLabel('Days shown').selectOption('7');
  const from = new Date(Date.now() - 6 * 86400000).toISOString().slice(0, 10);
  await page.waitForFunction((v) => document.querySelector('input[name="starttime"]').value === v, from);
  await page.waitForFunction((v) => (document.getElementById('chart-desc') || {}).textContent
    ?.startsWith(`${v} to `), from);
  await page.locator(`#usage-chart rect[data-robot="${ORG}+puller"]`).first().waitFor();

  step('filters');
  await page.getByLabel('Robot', { exact: true }).selectOption('puller');
  await page.getByLabel('Kind', { exact: true }).fill('push_repo');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.getByText('No entries match.').waitFor();
  await page.getByLabel('Kind', { exact: true }).fill('pull_repo');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.locator(`#log tr[data-kind="pull_repo"]`).first().waitFor();

  step('regenerate with a grace period');
  await page.goto(`${URL0}/#/org/${ORG}/robots/puller`);
  await page.getByRole('button', { name: 'Reveal' }).click();
  const oldToken = (await page.locator('#robot-token').textContent()).trim();
  await page.getByLabel('Grace period for the current token').selectOption('3600');
  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: 'Regenerate token' }).click();
  await page.getByText(/previous one works until/).waitFor();
  await page.getByRole('button', { name: 'Reveal' }).click();
  const newToken = (await page.locator('#robot-token').textContent()).trim();
  assert.match(newToken, /^[A-Za-z0-9]{64}$/);
  assert.notEqual(newToken, oldToken);
  assert.ok(await page.locator('#tokens tbody tr').count() >= 2, 'both tokens listed');
  await page.getByRole('button', { name: 'Hide' }).click();
  await shot(page, 'robot-regenerated');
  Object.assign(state, { old_token: oldToken, new_token: newToken });
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
  headless: true,
});
let failed = false;
const errors = [];
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 },
                                             acceptDownloads: true });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: URL0 });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  if (PHASE === 'setup') await setup(page, context);
  else if (PHASE === 'usage') await usage(page);
  else throw new Error(`unknown phase ${PHASE}`);
  // a CSP violation or script error shows up as a console error
  const csp = errors.filter((e) => /Content Security Policy|Refused/i.test(e));
  assert.deepEqual(csp, [], 'no CSP violations');
  save();
  if (!failed) {
    const pageErrs = errors.filter((e) => !/Failed to load resource/.test(e));
    assert.deepEqual(pageErrs, [], 'no script errors');
  }
} catch (e) {
  failed = true;
  console.error(e);
  console.error('console errors:', errors);
  try {
    const pages = browser.contexts().flatMap((c) => c.pages());
    if (pages[0]) await pages[0].screenshot({ path: path.join(OUT, `FAILED-${PHASE}.png`), fullPage: true });
  } catch { /* best effort */ }
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
