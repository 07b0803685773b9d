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
  await page.goto(`${URL0}/#/org/${ORG}/repos`);
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

// A hand-written, axe-like basic check on the page as it is: every form
// control has an accessible name (label, aria-label or aria-labelledby),
// every button has text or aria-label, every image has alt.
async function a11y(page, where) {
  const problems = await page.evaluate(() => {
    const out = [];
    const text = (el) => (el && el.textContent ? el.textContent.trim() : '');
    const desc = (el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.name ? `[name=${el.name}]` : ''}`;
    const named = (el) => {
      if ((el.getAttribute('aria-label') || '').trim()) return true;
      const ids = (el.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean);
      if (ids.some((id) => text(document.getElementById(id)))) return true;
      return [...(el.labels || [])].some((l) => text(l));
    };
    for (const el of document.querySelectorAll('input, select, textarea')) {
      if (el.type === 'hidden' || el.getAttribute('aria-hidden') === 'true') continue;
      if (!named(el)) out.push(`unlabelled ${desc(el)}`);
    }
    for (const b of document.querySelectorAll('button, [role="button"], [role="tab"]'))
      if (!text(b) && !(b.getAttribute('aria-label') || '').trim()) out.push(`nameless ${desc(b)}`);
    for (const img of document.querySelectorAll('img'))
      if (!img.hasAttribute('alt')) out.push(`img without alt ${img.src}`);
    return out;
  });
  assert.deepEqual(problems, [], `accessibility basics on ${where}`);
}

// Tab (or Shift+Tab) until the focused element matches `sel`.
async function tabTo(page, sel, max = 60, back = false) {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate((s) => Boolean(document.activeElement && document.activeElement.matches(s)), sel))
      return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`Tab never reached ${sel}`);
}

const focused = (page) => page.evaluate(() => {
  const a = document.activeElement;
  return { id: a.id, tag: a.tagName, inDialog: Boolean(a.closest('dialog[open]')) };
});

// From sign-in to a created robot with the keyboard only, in a fresh session.
async function keyboardRobot(context) {
  step('keyboard only: sign in, open the dialog, trap, Escape, create');
  const page = await context.browser().newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(15000);
  try {
    await page.goto(`${URL0}/`);
    await page.waitForURL(/#\/signin$/);
    await a11y(page, 'sign-in');
    await tabTo(page, 'input[name="username"]');
    await page.keyboard.type(env('WHARF_USER'));
    await page.keyboard.press('Tab');
    await page.keyboard.type(env('WHARF_PASSWORD'));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Organizations' }).waitFor();
    await tabTo(page, `a[href="#/org/${ORG}/robots"]`);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: `${ORG}: Robot Accounts` }).waitFor();
    await tabTo(page, '#new-robot');
    await page.keyboard.press('Enter');
    const dlg = page.locator('dialog#create-robot');
    await dlg.waitFor();
    assert.equal((await focused(page)).tag, 'INPUT', 'the name field has focus');
    await a11y(page, 'create robot dialog');
    // focus stays inside the dialog, both ways round
    for (let i = 0; i < 25; i++) {
      await page.keyboard.press('Tab');
      assert.ok((await focused(page)).inDialog, `Tab ${i + 1} left the dialog`);
    }
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press('Shift+Tab');
      assert.ok((await focused(page)).inDialog, `Shift+Tab ${i + 1} left the dialog`);
    }
    await page.keyboard.press('Escape');
    await dlg.waitFor({ state: 'hidden' });
    assert.equal((await focused(page)).id, 'new-robot', 'focus returns to the opener');
    await page.keyboard.press('Space');
    await dlg.waitFor();
    await page.keyboard.type('kbd');
    await page.keyboard.press('Tab');
    await page.keyboard.type('made with the keyboard');
    await tabTo(page, 'select[data-repo="app"]');
    await page.keyboard.press('ArrowDown'); // none -> read
    assert.equal(await dlg.locator('select[data-repo="app"]').inputValue(), 'read');
    await tabTo(page, 'input[data-team="deployers"]');
    await page.keyboard.press('Space');
    assert.ok(await dlg.locator('input[data-team="deployers"]').isChecked());
    await shot(page, 'create-robot-keyboard');
    await tabTo(page, 'dialog button[type="submit"]');
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`#/org/${ORG}/robots/kbd$`));
    await page.locator('#robot-teams li[data-team="deployers"]').waitFor();
    assert.equal(await page.locator(`#robot-perms tr[data-repo="${ORG}/app"] select`).inputValue(), 'read');
  } finally {
    await page.close();
  }
}

// The robot page's Teams section: remove, add back; the list names the teams.
async function robotTeams(page) {
  step('robot teams: remove and add');
  await page.goto(`${URL0}/#/org/${ORG}/robots/kbd`);
  const li = page.locator('#robot-teams li[data-team="deployers"]');
  await li.waitFor();
  await li.getByRole('button', { name: `Remove ${ORG}+kbd from team deployers` }).click();
  await page.locator('p#robot-teams', { hasText: 'Not in any team.' }).waitFor();
  await page.getByLabel('Team', { exact: true }).selectOption('deployers');
  await page.getByRole('button', { name: 'Add to team' }).click();
  await li.waitFor();
  await a11y(page, 'robot detail');
  await page.locator('section', { has: page.locator('#robot-teams') }).screenshot({ path: path.join(OUT, 'robot-teams.png') });
  await page.goto(`${URL0}/#/org/${ORG}/robots`);
  await page.locator(`#robots tr[data-robot="${ORG}+kbd"] td.teams`, { hasText: 'deployers' }).waitFor();
}

// The overview: counts, expiring and unused robots, recent activity.
async function overview(page) {
  step('organization overview');
  await page.goto(`${URL0}/#/org/${ORG}`);
  await page.getByRole('heading', { name: `${ORG}: overview` }).waitFor();
  const n = async (k) => (await page.locator(`[data-count="${k}"] .big`).textContent()).trim();
  const api = await page.evaluate(async (org) => {
    const m = await import('/ui/api.js');
    const robots = await m.get(`/api/v1/organization/${org}/robots`, { token: 'false' });
    const o = await m.get(`/api/v1/organization/${org}`);
    return { robots: robots.robots.length, teams: Object.keys(o.teams).length };
  }, ORG);
  assert.equal(await n('repositories'), '1');
  assert.equal(await n('robots'), String(api.robots));
  assert.equal(await n('teams'), String(api.teams));
  await page.locator(`#expiring li[data-robot="${ORG}+deployer"]`).waitFor();
  assert.equal(await page.locator(`#expiring li[data-robot="${ORG}+puller"]`).count(), 0);
  await page.locator(`#unused-robots li[data-robot="${ORG}+deployer"]`).waitFor();
  assert.equal(await page.locator(`#unused-robots li[data-robot="${ORG}+puller"]`).count(), 0);
  const rows = page.locator('#recent tbody tr');
  await rows.first().waitFor();
  assert.ok(await rows.count() <= 10 && await rows.count() >= 1);
  await page.locator('#recent tr[data-kind="pull_repo"]').first().waitFor();
  await shot(page, 'overview');
}

// Repositories: tags with digest, last modified, pull command; visibility.
async function repositories(page) {
  step('repositories with tags, pull commands and visibility');
  await page.goto(`${URL0}/#/org/${ORG}/repos`);
  const repo = page.locator('#repos section[data-repo="app"]');
  const v1 = repo.locator('tr[data-tag="v1"]');
  await v1.waitFor();
  const digest = await v1.locator('[data-digest]').getAttribute('data-digest');
  assert.match(digest, /^sha256:[0-9a-f]{64}$/);
  assert.equal(await v1.locator('[data-digest]').textContent(), digest.slice(0, 19), 'short digest');
  await v1.getByRole('button', { name: 'Copy digest of app:v1' }).click();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), digest);
  const cmd = `podman pull --tls-verify=false ${new URL(URL0).host}/${ORG}/app:v1`;
  assert.equal(await v1.locator('code.pullcmd').textContent(), cmd);
  await v1.getByRole('button', { name: 'Copy pull command for app:v1' }).click();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), cmd);
  const today = new Date();
  const p2 = (x) => String(x).padStart(2, '0');
  assert.match(await v1.locator('td.when').textContent(),
    new RegExp(`^${today.getFullYear()}-${p2(today.getMonth() + 1)}-`), 'last modified from the push');
  assert.match(await v1.locator('td.num').textContent(), /^\d+(\.\d)?\s(B|KiB|MiB)$/, 'size of the tag');
  await repo.locator('tr[data-tag="v2"]').waitFor();
  await shot(page, 'repositories');
  assert.equal(await repo.locator('[data-visibility]').textContent(), 'private');
  page.once('dialog', (d) => d.accept());
  await repo.getByRole('button', { name: `Make ${ORG}/app public` }).click();
  await page.getByText(`${ORG}/app is now public.`).waitFor();
  await repo.locator('[data-visibility="public"]').waitFor();
  const pub = await page.evaluate(async () => (await (await fetch('/api/v1/repository/acme/app')).json()).is_public);
  assert.equal(pub, true);
  await repo.getByRole('button', { name: `Make ${ORG}/app private` }).click();
  await repo.locator('[data-visibility="private"]').waitFor();
}

// Every page at 390 px: no horizontal overflow, the a11y basics; phone
// screenshots of the robots and usage pages.
async function everyPage(page) {
  step('every page at phone width');
  await page.setViewportSize({ width: 390, height: 844 });
  const teamHref = `#/org/${ORG}/teams/deployers`;
  const appHref = await page.evaluate(async (org) => {
    const m = await import('/ui/api.js');
    const a = await m.get(`/api/v1/organization/${org}/applications`);
    return `#/org/${org}/apps/${a.applications[0].client_id}`;
  }, ORG);
  const pages = [['#/', 'organizations'], [`#/org/${ORG}`, 'overview'], [`#/org/${ORG}/repos`, 'repositories'],
    [`#/org/${ORG}/repo/app`, 'repo-permissions'], [`#/org/${ORG}/robots`, 'robots'],
    [`#/org/${ORG}/robots/puller`, 'robot-detail'], [`#/org/${ORG}/teams`, 'teams'], [teamHref, 'team'],
    [`#/org/${ORG}/apps`, 'apps'], [appHref, 'app'], [`#/org/${ORG}/logs`, 'usage']];
  for (const [href, name] of pages) {
    await page.goto(`${URL0}/${href}`);
    await page.waitForFunction(() => !document.querySelector('main > p.muted:only-child') &&
      document.querySelector('main h1'));
    await page.waitForLoadState('networkidle');
    const w = await page.evaluate(() => document.documentElement.scrollWidth);
    if (w > 390) await shot(page, `OVERFLOW-${name}`);
    assert.ok(w <= 390, `${name} is ${w}px wide at 390`);
    await a11y(page, name);
    if (name === 'robots' || name === 'usage') await shot(page, `${name}-phone`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

async function setup(page, context) {
  step('sign-in page');
  await page.goto(`${URL0}/`);
  await page.waitForURL(/#\/signin$/);
  await shot(page, 'signin');
  await page.setViewportSize({ width: 390, height: 844 });
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'sign-in fits a phone');
  await a11y(page, 'sign-in');
  await page.setViewportSize({ width: 1280, height: 800 });
  await signIn(page);

  step('create organization');
  await page.getByLabel('Organization name').fill(ORG);
  await page.getByRole('button', { name: 'Create organization' }).click();
  await page.waitForURL(new RegExp(`#/org/${ORG}$`));

  await page.getByRole('heading', { name: `${ORG}: overview` }).waitFor();

  step('create repository');
  await page.locator('#nav').getByRole('link', { name: 'Repositories' }).click();
  await page.getByLabel('Name', { exact: true }).fill('app');
  await page.getByRole('button', { name: 'Create repository' }).click();
  await page.locator('#repos section[data-repo="app"]').waitFor();

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
  await page.goto(`${URL0}/#/org/${ORG}/repos`);
  await page.locator('#repos').waitFor();
  await page.setViewportSize({ width: 1280, height: 800 });
  await teams(page);
  await keyboardRobot(context);
  await robotTeams(page);
  await repoPermissions(page);
  await oauthTokens(page);
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
  await overview(page);
  await repositories(page);
  await everyPage(page);
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
