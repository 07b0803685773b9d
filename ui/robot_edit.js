// The editing sections of the robot page: repository permissions, IP
// allow-list, extra tokens, delete. Each calls the documented /api/v1 and
// then asks the page to reload (rerender(true)).
import { act, del, post, put, repoPath, robotPath, seg } from './api.js';
import { field, h } from './dom.js';

const ROLES = ['read', 'write', 'admin'];

// Permissions per repository: change a role, remove it, grant another repository.
export function permsEditor(ctx, robotName, perms, repos, rerender) {
  const target = (repo) => repoPath(ctx.org, repo, `/permissions/user/${seg(robotName)}`);
  const full = (n) => (n.includes('/') ? n : `${ctx.org}/${n}`);
  const granted = new Set(perms.map((p) => full(p.repository.name)));
  const rows = perms.map((p) => {
    const name = full(p.repository.name);
    const sel = h('select', { 'aria-label': `Permission of ${robotName} on ${name}` },
      ROLES.map((r) => h('option', { value: r, selected: r === p.role }, r)));
    sel.addEventListener('change', () => act(ctx, () => put(target(name), { role: sel.value }),
      rerender, `${robotName} now has ${sel.value} on ${name}.`));
    return h('tr', { 'data-repo': name }, h('th', { scope: 'row' }, h('code', {}, name)),
      h('td', {}, sel),
      h('td', {}, h('button', { type: 'button', class: 'link danger', onclick: () =>
        act(ctx, () => del(target(name)), rerender, `Removed ${robotName} from ${name}.`) },
      'Remove')));
  });
  const free = repos.map((r) => `${ctx.org}/${r.name}`).filter((n) => !granted.has(n));
  const addRepo = h('select', { id: 'grant-repo' }, free.map((n) => h('option', { value: n }, n)));
  const addRole = h('select', { id: 'grant-role' }, ROLES.map((r) => h('option', { value: r }, r)));
  const add = h('form', { class: 'row end', 'aria-label': 'Grant a repository' },
    field('Repository', addRepo), field('Permission', addRole),
    h('button', { type: 'submit' }, 'Grant'));
  add.addEventListener('submit', (ev) => {
    ev.preventDefault();
    act(ctx, () => put(target(addRepo.value), { role: addRole.value }), rerender,
      `${robotName} now has ${addRole.value} on ${addRepo.value}.`);
  });
  return h('section', { class: 'card', 'aria-labelledby': 'perms-h' },
    h('h2', { id: 'perms-h' }, 'Repository permissions'),
    rows.length ? h('div', { class: 'scroll' }, h('table', { class: 'grid compact', id: 'robot-perms' },
      h('tbody', {}, rows)))
      : h('p', { class: 'muted', id: 'robot-perms' }, 'No repository permissions: this robot can pull nothing private.'),
    free.length ? add : null);
}

// allowed_ips: one address or CIDR a line; empty clears it.
export function allowList(ctx, robot, rerender) {
  const ta = h('textarea', { rows: '3', spellcheck: 'false', placeholder: '10.0.0.0/8\n2001:db8::/32' });
  ta.value = (robot.allowed_ips || []).join('\n');
  const form = h('form', {}, field('Allowed addresses (one address or CIDR a line; empty: anywhere)', ta),
    h('button', { type: 'submit' }, 'Save allow-list'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const ips = ta.value.split(/[\s,]+/).filter(Boolean);
    act(ctx, () => put(robotPath(ctx.org, ctx.short), { allowed_ips: ips }), rerender,
      ips.length ? 'Allow-list saved.' : 'Allow-list cleared: usable from anywhere.');
  });
  return h('section', { class: 'card', 'aria-labelledby': 'allow-h' },
    h('h2', { id: 'allow-h' }, 'IP allow-list'),
    h('p', { class: 'muted' }, 'When set, registry logins as this robot from any other address are refused.'),
    form);
}

// POST …/tokens: an extra token with a label and an expiry, shown once.
export function addToken(ctx, rerender) {
  const label = h('input', { maxlength: '255', autocomplete: 'off' });
  const exp = h('select', {}, [['', 'never'], ['86400', '1 day'], ['2592000', '30 days'],
    ['7776000', '90 days'], ['31536000', '1 year']].map(([v, l]) => h('option', { value: v }, l)));
  const form = h('form', { class: 'row end', 'aria-label': 'Add a token' },
    field('Label', label), field('Expires', exp), h('button', { type: 'submit' }, 'Add token'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { label: label.value };
    if (exp.value) body.token_expiration = Number(exp.value);
    try {
      const t = await post(robotPath(ctx.org, ctx.short, '/tokens'), body);
      await rerender(true);
      ctx.flash('Token added. Copy it now: it is shown only once.', 'ok');
      ctx.showOnce(t.token);
    } catch (e) { ctx.flash(e.message, 'error'); }
  });
  return form;
}

export function deleteRobot(ctx, robot) {
  return h('button', { type: 'button', class: 'danger', id: 'delete-robot', onclick: async () => {
    if (!window.confirm(`Delete ${robot.name}? Every token of it stops working at once.`)) return;
    try {
      await del(robotPath(ctx.org, ctx.short));
      ctx.flash(`${robot.name} deleted.`, 'ok');
      ctx.go(`#/org/${seg(ctx.org)}/robots`);
    } catch (e) { ctx.flash(e.message, 'error'); }
  } }, 'Delete robot');
}

// A token shown once (after Add token), with a copy button.
export function onceBox(token, copy) {
  if (!token) return null;
  const box = h('div', { class: 'msg warn', id: 'new-token' },
    h('p', {}, 'New token (shown once):'), h('code', { class: 'token' }, token), ' ',
    h('button', { type: 'button', onclick: () => copy(token) }, 'Copy'));
  return box;
}
