// Robot Accounts of an organization: the list (description, created, last
// used, expiry, repository count) and the Create robot dialog, which also
// grants repository permissions (PUT repository/{r}/permissions/user/{robot})
// and adds the robot to teams (PUT organization/{org}/team/{t}/members/{robot}).
import { get, put, robotPath, seg, teamPath } from './api.js';
import { modal } from './dialog.js';
import { field, fmtDate, h, replace } from './dom.js';
import { NAME_RULE, nameProblem } from './names.js';
import { listRepos } from './page_repos.js';
import { expiryBadge, lastUsed, shortName } from './robots.js';

export const key = 'robots';
export const title = (ctx) => `${ctx.org} robot accounts`;

const EXPIRY_CHOICES = [['', 'Never'], ['2592000', '30 days'], ['7776000', '90 days'],
                        ['31536000', '1 year']];

function robotTable(ctx, robots) {
  if (!robots.length)
    return h('p', { class: 'muted' }, 'No robot accounts yet.');
  const soon = robots.filter((r) => r.expires_soon);
  return [
    soon.length ? h('p', { class: 'msg warn', role: 'status', id: 'expiry-warning' },
      `⚠ ${soon.length} robot token${soon.length === 1 ? '' : 's'} expire${soon.length === 1 ? 's' : ''} within 14 days: `,
      soon.map((r, i) => [i ? ', ' : '', h('code', {}, r.name)]),
      '. Regenerate them before their consumers fail.') : null,
    h('div', { class: 'scroll' }, h('table', { class: 'grid', id: 'robots' },
      h('caption', { class: 'offscreen' }, `Robot accounts of ${ctx.org}`),
      h('thead', {}, h('tr', {}, ['Robot', 'Description', 'Created', 'Last used', 'Expiry',
        'Repositories', 'Teams', 'Status'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, robots.map((r) => h('tr', { 'data-robot': r.name },
        h('th', { scope: 'row' }, h('a', {
          href: `#/org/${seg(ctx.org)}/robots/${seg(shortName(r.name))}` }, r.name)),
        h('td', { class: 'desc' }, r.description || ''),
        h('td', {}, fmtDate(r.created) || ''),
        h('td', {}, lastUsed(r.last_accessed)),
        h('td', {}, expiryBadge(r.expires_at, r.expires_soon)),
        h('td', { class: 'num' }, String((r.repositories || []).length)),
        h('td', { class: 'teams' }, (r.teams || []).map((t) => t.name).join(', ')),
        h('td', {}, r.enabled === false ? h('span', { class: 'badge bad' }, 'disabled')
                                        : h('span', { class: 'badge ok' }, 'enabled')))))))];
}

// Repository permission pickers of the create dialog.
function permRows(repos) {
  if (!repos.length)
    return [h('p', { class: 'muted' }, 'This organization has no repositories yet.'), []];
  const selects = [];
  const rows = repos.map((r) => {
    const sel = h('select', { 'data-repo': r.name, 'aria-label': `Permission on ${r.name}` },
      ['none', 'read', 'write', 'admin'].map((v) => h('option', { value: v }, v)));
    selects.push(sel);
    return h('tr', {}, h('th', { scope: 'row' }, h('code', {}, r.name)), h('td', {}, sel));
  });
  return [h('div', { class: 'scroll perms' }, h('table', { class: 'grid compact' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Repository'),
      h('th', { scope: 'col' }, 'Permission'))), h('tbody', {}, rows))), selects];
}

// Team checkboxes of the create dialog.
function teamChecks(teams) {
  if (!teams.length) return [h('p', { class: 'muted' }, 'This organization has no teams yet.'), []];
  const boxes = [];
  const items = teams.map((t, i) => {
    const cb = h('input', { type: 'checkbox', id: `new-robot-team-${i}`, value: t.name, 'data-team': t.name });
    boxes.push(cb);
    return h('div', { class: 'check' }, cb, h('label', { for: cb.id }, t.name,
      h('span', { class: 'muted' }, ` (${t.role})`)));
  });
  return [h('div', { class: 'checks', id: 'new-robot-teams' }, items), boxes];
}

function createDialog(ctx, repos, existing, teams) {
  const name = h('input', { name: 'robot_shortname', required: true, autocomplete: 'off',
                            spellcheck: 'false', 'aria-invalid': 'false' });
  const hint = h('p', { class: 'hint', 'aria-live': 'polite' }, NAME_RULE);
  const desc = h('input', { name: 'description', maxlength: '255', autocomplete: 'off' });
  const expiry = h('select', { name: 'token_expiration' },
    EXPIRY_CHOICES.map(([v, l]) => h('option', { value: v }, l)));
  const [permBlock, selects] = permRows(repos);
  const [teamBlock, boxes] = teamChecks(teams);
  const err = h('p', { class: 'msg error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Create robot account');
  const check = () => {
    const v = name.value;
    let p = v ? nameProblem(v) : 'Required.';
    if (!p && existing.has(v)) p = `${ctx.org}+${v} already exists.`;
    name.setAttribute('aria-invalid', p && v ? 'true' : 'false');
    hint.classList.toggle('bad', Boolean(p && v));
    replace(hint, v ? (p || `Will be created as ${ctx.org}+${v}.`) : NAME_RULE);
    submit.disabled = Boolean(p);
    return !p;
  };
  name.addEventListener('input', check);
  const dlg = h('dialog', { id: 'create-robot', 'aria-labelledby': 'create-robot-h' });
  const form = h('form', { method: 'dialog' },
    h('h2', { id: 'create-robot-h' }, 'Create robot account'),
    field('Robot name', name, hint), field('Description', desc),
    field('Token expires', expiry),
    h('fieldset', {}, h('legend', {}, 'Repository permissions'), permBlock),
    h('fieldset', {}, h('legend', {}, 'Teams'), teamBlock),
    err,
    h('div', { class: 'actions' },
      h('button', { type: 'button', onclick: () => dlg.close() }, 'Cancel'), submit));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!check()) return;
    err.hidden = true;
    submit.disabled = true;
    const short = name.value;
    try {
      const body = { description: desc.value };
      if (expiry.value) body.token_expiration = Number(expiry.value);
      await put(robotPath(ctx.org, short), body);
      for (const sel of selects) {
        if (sel.value === 'none') continue;
        const repo = `${seg(ctx.org)}/${sel.dataset.repo.split('/').map(seg).join('/')}`;
        await put(`/api/v1/repository/${repo}/permissions/user/${seg(`${ctx.org}+${short}`)}`,
                  { role: sel.value });
      }
      for (const cb of boxes.filter((b) => b.checked))
        await put(teamPath(ctx.org, cb.value, `/members/${seg(`${ctx.org}+${short}`)}`));
      dlg.close();
      ctx.flash(`Robot ${ctx.org}+${short} created.`, 'ok');
      ctx.go(`#/org/${seg(ctx.org)}/robots/${seg(short)}`);
    } catch (e) {
      replace(err, e.message);
      err.hidden = false;
      submit.disabled = false;
    }
  });
  dlg.append(form);
  check();
  hint.classList.remove('bad');
  return [dlg, name];
}

export async function render(main, ctx) {
  const [list, repos, org] = await Promise.all([
    get(`/api/v1/organization/${seg(ctx.org)}/robots`, { permissions: 'true', token: 'false' }),
    listRepos(ctx.org).catch(() => []),
    get(`/api/v1/organization/${seg(ctx.org)}`).catch(() => ({})),
  ]);
  const teams = Object.values(org.teams || {}).sort((a, b) => a.name.localeCompare(b.name));
  const robots = list.robots || [];
  const existing = new Set(robots.map((r) => shortName(r.name)));
  const [dlg, nameInput] = createDialog(ctx, repos, existing, teams);
  const show = modal(dlg);
  const open = h('button', { type: 'button', class: 'primary', id: 'new-robot',
    'aria-haspopup': 'dialog', onclick: () => show(open, nameInput) }, 'Create Robot Account');
  replace(main, h('div', { class: 'head' }, h('h1', {}, `${ctx.org}: Robot Accounts`), open),
    h('p', { class: 'muted' }, 'Robots are the credentials of machines: CI jobs, clusters, ' +
      'deploy scripts. Each gets only the repositories it is granted.'),
    robotTable(ctx, robots), dlg);
}
