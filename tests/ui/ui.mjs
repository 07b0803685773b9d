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
