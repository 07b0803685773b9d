// Permissions of one repository: users and robots
// (GET/PUT/DELETE repository/{r}/permissions/user/{name}) and teams
// (…/permissions/team/{team}): list, change the role, remove, grant.
import { act, del, get, put, repoPath, seg } from './api.js';
import { field, h, replace } from './dom.js';
import { entityInput } from './entity.js';

export const key = 'repos';
export const title = (ctx) => `${ctx.org}/${ctx.repo} permissions`;

export const ROLES = ['read', 'write', 'admin'];

// A role <select> that saves on change.
export function roleSelect(label, role, onChange) {
  const sel = h('select', { 'aria-label': label },
    ROLES.map((r) => h('option', { value: r, selected: r === role }, r)));
  sel.addEventListener('change', () => onChange(sel.value));
  return sel;
}

function kindBadge(p, isTeam) {
  if (isTeam) return h('span', { class: 'badge' }, 'team');
  if (p.is_robot) return h('span', { class: 'badge' }, 'robot');
  return [h('span', { class: 'badge' }, 'user'),
    p.is_org_member === false ? [' ', h('span', { class: 'badge warn', title: 'Not a member of the organization' }, 'outside collaborator')] : null];
}

function permTable(ctx, full, entries, isTeam, reload) {
  const target = (n) => repoPath(ctx.org, ctx.repo, `/permissions/${isTeam ? 'team' : 'user'}/${seg(n)}`);
  const rows = entries.map((p) => h('tr', { 'data-entity': p.name, 'data-kind': isTeam ? 'team' : p.is_robot ? 'robot' : 'user' },
    h('th', { scope: 'row' }, isTeam
      ? h('a', { href: `#/org/${seg(ctx.org)}/teams/${seg(p.name)}` }, p.name) : h('code', {}, p.name)),
    h('td', {}, kindBadge(p, isTeam)),
    h('td', {}, roleSelect(`Permission of ${p.name} on ${full}`, p.role, (role) =>
      act(ctx, () => put(target(p.name), { role }), reload, `${p.name} now has ${role} on ${full}.`))),
    h('td', {}, h('button', { type: 'button', class: 'link danger',
      'aria-label': `Remove ${p.name} from ${full}`, onclick: () => {
        if (!window.confirm(`Remove the permission of ${p.name} on ${full}?`)) return;
        act(ctx, () => del(target(p.name)), reload, `Removed ${p.name} from ${full}.`);
      } }, 'Remove'))));
  return h('tbody', {}, rows);
}

function grantForm(ctx, full, robots, teams, reload) {
  const kind = h('select', { id: 'grant-kind' }, h('option', { value: 'user' }, 'user or robot'),
    h('option', { value: 'team' }, 'team'));
  const [who, list] = entityInput(ctx.org, ['user', 'robot'], robots, { id: 'grant-name', required: true });
  const [teamWho, teamList] = entityInput(ctx.org, ['team'], teams, { id: 'grant-team', required: true });
  const whoField = field('User or robot', who);
  const teamField = field('Team', teamWho);
  teamField.hidden = true;
  teamWho.disabled = true;
  kind.addEventListener('change', () => {
    const team = kind.value === 'team';
    whoField.hidden = team; who.disabled = team;
    teamField.hidden = !team; teamWho.disabled = !team;
  });
  const role = h('select', { id: 'grant-role' }, ROLES.map((r) => h('option', { value: r }, r)));
  const form = h('form', { class: 'row end', 'aria-label': 'Grant a permission' },
    field('Kind', kind), whoField, teamField, field('Permission', role), list, teamList,
    h('button', { type: 'submit', class: 'primary' }, 'Grant'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const team = kind.value === 'team';
    const name = (team ? teamWho : who).value.trim();
    if (!name) return;
    act(ctx, () => put(repoPath(ctx.org, ctx.repo, `/permissions/${team ? 'team' : 'user'}/${seg(name)}`),
      { role: role.value }), reload, `${name} now has ${role.value} on ${full}.`);
  });
  return form;
}

export async function render(main, ctx) {
  const full = `${ctx.org}/${ctx.repo}`;
  const reload = async () => {
    const [users, teams, robots, org] = await Promise.all([
      get(repoPath(ctx.org, ctx.repo, '/permissions/user/')),
      get(repoPath(ctx.org, ctx.repo, '/permissions/team/')).catch(() => ({ permissions: {} })),
      get(`/api/v1/organization/${seg(ctx.org)}/robots`, { token: 'false' }).catch(() => ({ robots: [] })),
      get(`/api/v1/organization/${seg(ctx.org)}`).catch(() => ({})),
    ]);
    if (!ctx.isCurrent()) return;
    const byName = (a, b) => a.name.localeCompare(b.name);
    const u = Object.values(users.permissions || {}).sort(byName);
    const t = Object.values(teams.permissions || {}).sort(byName);
    const head = h('thead', {}, h('tr', {}, ['Name', 'Kind', 'Permission', ''].map((c) =>
      h('th', { scope: 'col' }, c))));
    replace(main,
      h('p', {}, h('a', { href: `#/org/${seg(ctx.org)}/repos` }, '← Repositories')),
      h('h1', {}, `${full}: permissions`),
      h('p', { class: 'muted' }, 'Who may pull (read), push (write) or manage (admin) this repository. ' +
        'Organization admins and teams with the admin role have admin on every repository.'),
      h('section', { class: 'card', 'aria-labelledby': 'perm-h' },
        h('h2', { id: 'perm-h' }, 'Users, robots and teams'),
        u.length || t.length
          ? h('div', { class: 'scroll' }, h('table', { class: 'grid compact', id: 'repo-perms' },
            h('caption', { class: 'offscreen' }, `Permissions on ${full}`), head,
            permTable(ctx, full, u, false, reload), permTable(ctx, full, t, true, reload)))
          : h('p', { class: 'muted', id: 'repo-perms' }, 'Nobody has a direct permission on this repository.'),
        grantForm(ctx, full, (robots.robots || []).map((r) => r.name), Object.keys(org.teams || {}), reload)));
  };
  await reload();
}
