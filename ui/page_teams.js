// Teams of an organization (the `teams` of GET organization/{org}): the list
// with role, members and repository counts, create (PUT team/{name} with a
// role and description) and delete. A team's page is page_team.js.
import { act, del, get, put, seg, teamPath } from './api.js';
import { field, h, replace } from './dom.js';
import { NAME_RULE, nameProblem } from './names.js';

export const key = 'teams';
export const title = (ctx) => `${ctx.org} teams`;

export const TEAM_ROLES = [['member', 'member: what its repository permissions grant'],
  ['creator', 'creator: members may also create repositories'],
  ['admin', 'admin: members administer the organization']];

function teamTable(ctx, teams, reload) {
  if (!teams.length) return h('p', { class: 'muted', id: 'teams' }, 'No teams yet.');
  return h('div', { class: 'scroll' }, h('table', { class: 'grid', id: 'teams' },
    h('caption', { class: 'offscreen' }, `Teams of ${ctx.org}`),
    h('thead', {}, h('tr', {}, ['Team', 'Description', 'Role', 'Members', 'Repositories', ''].map((c) =>
      h('th', { scope: 'col' }, c)))),
    h('tbody', {}, teams.map((t) => h('tr', { 'data-team': t.name },
      h('th', { scope: 'row' }, t.can_view === false ? t.name
        : h('a', { href: `#/org/${seg(ctx.org)}/teams/${seg(t.name)}` }, t.name)),
      h('td', { class: 'desc' }, t.description || ''),
      h('td', {}, h('span', { class: t.role === 'admin' ? 'badge warn' : 'badge' }, t.role)),
      h('td', { class: 'num' }, String(t.member_count ?? '')),
      h('td', { class: 'num' }, String(t.repo_count ?? '')),
      h('td', {}, t.name === 'owners' ? null : h('button', { type: 'button', class: 'link danger',
        'aria-label': `Delete team ${t.name}`, onclick: () => {
          if (!window.confirm(`Delete team ${t.name}? Its members lose what it granted at once.`)) return;
          act(ctx, () => del(teamPath(ctx.org, t.name)), reload, `Team ${t.name} deleted.`);
        } }, 'Delete')))))));
}

function createForm(ctx, existing) {
  const name = h('input', { name: 'teamname', required: true, autocomplete: 'off', spellcheck: 'false',
                            'aria-invalid': 'false' });
  const hint = h('p', { class: 'hint', 'aria-live': 'polite' }, NAME_RULE);
  const role = h('select', { name: 'role' }, TEAM_ROLES.map(([v, l]) => h('option', { value: v }, l)));
  const desc = h('input', { name: 'description', maxlength: '1000', autocomplete: 'off' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Create team');
  name.addEventListener('input', () => {
    const v = name.value;
    let p = v ? nameProblem(v) : null;
    if (!p && existing.has(v)) p = `Team ${v} already exists.`;
    name.setCustomValidity(p || '');
    name.setAttribute('aria-invalid', p ? 'true' : 'false');
    hint.classList.toggle('bad', Boolean(p));
    replace(hint, p || NAME_RULE);
  });
  const form = h('form', { class: 'card', 'aria-labelledby': 'newteam-h' },
    h('h2', { id: 'newteam-h' }, 'Create a team'),
    h('div', { class: 'row wrap' }, field('Team name', name, hint), field('Role', role)),
    field('Description (optional)', desc), submit);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const n = name.value.trim();
    try {
      await put(teamPath(ctx.org, n), { role: role.value, description: desc.value });
      ctx.flash(`Team ${n} created.`, 'ok');
      ctx.go(`#/org/${seg(ctx.org)}/teams/${seg(n)}`);
    } catch (e) { ctx.flash(e.message, 'error'); }
  });
  return form;
}

export async function render(main, ctx) {
  const reload = async () => {
    const org = await get(`/api/v1/organization/${seg(ctx.org)}`);
    if (!ctx.isCurrent()) return;
    const teams = (org.ordered_teams || Object.keys(org.teams || {})).map((n) => org.teams[n]).filter(Boolean);
    replace(main, h('h1', {}, `${ctx.org}: teams`),
      h('p', { class: 'muted' }, 'A team gives its members (people and robots) its role in the organization ' +
        'and its repository permissions.'),
      teamTable(ctx, teams, reload),
      org.is_admin ? createForm(ctx, new Set(teams.map((t) => t.name))) : null);
  };
  await reload();
}
