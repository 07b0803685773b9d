// One team: its role and description (PUT team/{name}), members — people
// and robots — (GET team/{name}/members, PUT/DELETE …/members/{member}),
// and its repository permissions (GET team/{name}/permissions; changed
// through repository/{r}/permissions/team/{name}).
import { act, del, get, put, repoPath, seg, teamPath } from './api.js';
import { field, h, replace } from './dom.js';
import { entityInput } from './entity.js';
import { listRepos } from './page_repos.js';
import { ROLES, roleSelect } from './page_perms.js';
import { TEAM_ROLES } from './page_teams.js';

export const key = 'teams';
export const title = (ctx) => `${ctx.org}/${ctx.team} team`;

function settings(ctx, team, reload) {
  const role = h('select', { id: 'team-role' }, TEAM_ROLES.map(([v, l]) =>
    h('option', { value: v, selected: v === team.role }, l)));
  const desc = h('input', { id: 'team-description', maxlength: '1000', autocomplete: 'off',
                            value: team.description || '' });
  const form = h('form', { class: 'card', 'aria-labelledby': 'team-settings-h' },
    h('h2', { id: 'team-settings-h' }, 'Role and description'),
    h('div', { class: 'row wrap' }, field('Role', role), field('Description', desc)),
    h('button', { type: 'submit' }, 'Save'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    act(ctx, () => put(teamPath(ctx.org, ctx.team), { role: role.value, description: desc.value }),
      reload, 'Team saved.');
  });
  return form;
}

function members(ctx, list, canEdit, robots, reload) {
  const rows = list.map((m) => h('tr', { 'data-member': m.name },
    h('th', { scope: 'row' }, m.is_robot
      ? h('a', { href: `#/org/${seg(ctx.org)}/robots/${seg(m.name.slice(m.name.indexOf('+') + 1))}` }, m.name)
      : h('code', {}, m.name)),
    h('td', {}, h('span', { class: 'badge' }, m.is_robot ? 'robot' : 'user')),
    h('td', {}, canEdit ? h('button', { type: 'button', class: 'link danger',
      'aria-label': `Remove ${m.name} from the team`, onclick: () =>
        act(ctx, () => del(teamPath(ctx.org, ctx.team, `/members/${seg(m.name)}`)), reload,
          `${m.name} removed from ${ctx.team}.`) }, 'Remove') : null)));
  const [who, dl] = entityInput(ctx.org, ['user', 'robot'], robots, { id: 'member-name', required: true });
  const add = h('form', { class: 'row end', 'aria-label': 'Add a member' },
    field('User or robot', who), dl, h('button', { type: 'submit', class: 'primary' }, 'Add member'));
  add.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const n = who.value.trim();
    if (n) act(ctx, () => put(teamPath(ctx.org, ctx.team, `/members/${seg(n)}`)), reload,
      `${n} added to ${ctx.team}.`);
  });
  return h('section', { class: 'card', 'aria-labelledby': 'members-h' },
    h('h2', { id: 'members-h' }, 'Members'),
    rows.length ? h('div', { class: 'scroll' }, h('table', { class: 'grid compact', id: 'team-members' },
      h('thead', {}, h('tr', {}, ['Member', 'Kind', ''].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows))) : h('p', { class: 'muted', id: 'team-members' }, 'No members yet.'),
    canEdit ? add : null);
}

function repoPerms(ctx, perms, repos, reload) {
  const target = (name) => repoPath(ctx.org, name, `/permissions/team/${seg(ctx.team)}`);
  const granted = new Set(perms.map((p) => p.repository.name));
  const rows = perms.map((p) => h('tr', { 'data-repo': p.repository.name },
    h('th', { scope: 'row' }, h('a', { href: `#/org/${seg(ctx.org)}/repo/${seg(p.repository.name)}` },
      `${ctx.org}/${p.repository.name}`)),
    h('td', {}, roleSelect(`Permission of ${ctx.team} on ${p.repository.name}`, p.role, (role) =>
      act(ctx, () => put(target(p.repository.name), { role }), reload,
        `${ctx.team} now has ${role} on ${p.repository.name}.`))),
    h('td', {}, h('button', { type: 'button', class: 'link danger',
      'aria-label': `Remove ${ctx.team} from ${p.repository.name}`, onclick: () =>
        act(ctx, () => del(target(p.repository.name)), reload,
          `Removed ${ctx.team} from ${p.repository.name}.`) }, 'Remove'))));
  const free = repos.map((r) => r.name).filter((n) => !granted.has(n));
  const repo = h('select', { id: 'team-grant-repo' }, free.map((n) => h('option', { value: n }, n)));
  const role = h('select', { id: 'team-grant-role' }, ROLES.map((r) => h('option', { value: r }, r)));
  const add = h('form', { class: 'row end', 'aria-label': 'Grant the team a repository' },
    field('Repository', repo), field('Permission', role), h('button', { type: 'submit' }, 'Grant'));
  add.addEventListener('submit', (ev) => {
    ev.preventDefault();
    act(ctx, () => put(target(repo.value), { role: role.value }), reload,
      `${ctx.team} now has ${role.value} on ${repo.value}.`);
  });
  return h('section', { class: 'card', 'aria-labelledby': 'team-perms-h' },
    h('h2', { id: 'team-perms-h' }, 'Repository permissions'),
    rows.length ? h('div', { class: 'scroll' }, h('table', { class: 'grid compact', id: 'team-perms' },
      h('thead', {}, h('tr', {}, ['Repository', 'Permission', ''].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows))) : h('p', { class: 'muted', id: 'team-perms' }, 'No repository permissions.'),
    free.length ? add : null);
}

export async function render(main, ctx) {
  const reload = async () => {
    const [org, mem, perms, robots, repos] = await Promise.all([
      get(`/api/v1/organization/${seg(ctx.org)}`),
      get(teamPath(ctx.org, ctx.team, '/members')),
      get(teamPath(ctx.org, ctx.team, '/permissions')).catch(() => ({ permissions: [] })),
      get(`/api/v1/organization/${seg(ctx.org)}/robots`, { token: 'false' }).catch(() => ({ robots: [] })),
      listRepos(ctx.org).catch(() => []),
    ]);
    if (!ctx.isCurrent()) return;
    const team = (org.teams || {})[ctx.team] || { name: ctx.team, role: 'member' };
    const admin = Boolean(mem.can_edit);
    replace(main,
      h('p', {}, h('a', { href: `#/org/${seg(ctx.org)}/teams` }, '← Teams')),
      h('h1', {}, `${ctx.org} team ${ctx.team}`),
      h('p', { class: 'desc', id: 'team-description-text' }, team.description || ''),
      admin ? settings(ctx, team, reload) : h('p', {}, 'Role: ', h('span', { class: 'badge' }, team.role)),
      members(ctx, mem.members || [], admin, (robots.robots || []).map((r) => r.name), reload),
      admin ? repoPerms(ctx, perms.permissions || [], repos, reload) : null);
  };
  await reload();
}
