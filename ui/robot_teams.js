// The robot page's Teams section: the teams the robot is in (the `teams`
// of GET organization/{org}/robots?permissions=true for this robot), with
// Remove (DELETE …/team/{t}/members/{robot}) and Add (PUT …/members/{robot}).
import { act, del, get, put, seg, teamPath } from './api.js';
import { field, h } from './dom.js';

// {in: [team names the robot is in], all: [org teams]} for the robot's full name.
export async function loadTeams(org, robotName) {
  const [list, o] = await Promise.all([
    get(`/api/v1/organization/${seg(org)}/robots`, { permissions: 'true', token: 'false' }),
    get(`/api/v1/organization/${seg(org)}`).catch(() => ({})),
  ]);
  const me = (list.robots || []).find((r) => r.name === robotName) || {};
  return { in: (me.teams || []).map((t) => t.name).sort(),
           all: Object.keys(o.teams || {}).sort() };
}

export function teamsSection(ctx, robotName, teams, rerender) {
  const member = (t) => teamPath(ctx.org, t, `/members/${seg(robotName)}`);
  const rows = teams.in.map((t) => h('li', { 'data-team': t },
    h('a', { href: `#/org/${seg(ctx.org)}/teams/${seg(t)}` }, t), ' ',
    h('button', { type: 'button', class: 'link danger', 'aria-label': `Remove ${robotName} from team ${t}`,
      onclick: () => act(ctx, () => del(member(t)), rerender, `${robotName} removed from ${t}.`) },
    'Remove')));
  const free = teams.all.filter((t) => !teams.in.includes(t));
  const pick = h('select', { id: 'add-team' }, free.map((t) => h('option', { value: t }, t)));
  const add = h('form', { class: 'row end', 'aria-label': 'Add to a team' },
    field('Team', pick), h('button', { type: 'submit' }, 'Add to team'));
  add.addEventListener('submit', (ev) => {
    ev.preventDefault();
    act(ctx, () => put(member(pick.value)), rerender, `${robotName} added to ${pick.value}.`);
  });
  return h('section', { class: 'card', 'aria-labelledby': 'robot-teams-h' },
    h('h2', { id: 'robot-teams-h' }, 'Teams'),
    h('p', { class: 'muted' }, 'A team adds its role and its repository permissions to those granted directly.'),
    rows.length ? h('ul', { class: 'plain', id: 'robot-teams' }, rows)
      : h('p', { class: 'muted', id: 'robot-teams' }, 'Not in any team.'),
    free.length ? add : null);
}
