// Organization overview, from existing /api/v1 calls only: counts of
// repositories (repository?namespace=), robots (organization/{org}/robots)
// and teams (the `teams` of GET organization/{org}); robots whose token
// expires soon (expires_soon), robots unused for 90 days (robots?
// unused_days=90) and the last 10 audit entries (organization/{org}/logs).
import { get, seg } from './api.js';
import { fmtDate, h, replace } from './dom.js';
import { listRepos } from './page_repos.js';
import { expiryBadge, lastUsed, shortName } from './robots.js';

export const key = 'overview';
export const title = (ctx) => `${ctx.org} overview`;

const UNUSED_DAYS = 90;
const RECENT = 10;
const RECENT_DAYS = 30;

function count(id, n, label, href) {
  return h('li', { class: 'card stat', 'data-count': id },
    h('a', { href, 'aria-label': `${n} ${label}` }, h('span', { class: 'big' }, String(n)), ' ', label));
}

function robotLink(ctx, name) {
  return h('a', { href: `#/org/${seg(ctx.org)}/robots/${seg(shortName(name))}` }, name);
}

function robotPanel(id, heading, empty, items) {
  return h('section', { class: 'card', 'aria-labelledby': `${id}-h` },
    h('h2', { id: `${id}-h` }, heading),
    items.length ? h('ul', { class: 'plain', id }, items)
      : h('p', { class: 'muted', id }, empty));
}

function activity(ctx, logs, err) {
  let body;
  if (err) body = h('p', { class: 'muted', id: 'recent' }, `Not shown: ${err}`);
  else if (!logs.length) body = h('p', { class: 'muted', id: 'recent' }, `Nothing in the last ${RECENT_DAYS} days.`);
  else {
    body = h('div', { class: 'scroll' }, h('table', { class: 'grid compact', id: 'recent' },
      h('thead', {}, h('tr', {}, ['Time', 'Kind', 'Performer', 'Repository'].map((c) =>
        h('th', { scope: 'col' }, c)))),
      h('tbody', {}, logs.map((e) => {
        const md = e.metadata || {};
        const repo = md.repo ? `${md.namespace ? `${md.namespace}/` : ''}${md.repo}` : '';
        return h('tr', { 'data-kind': e.kind },
          h('td', {}, fmtDate(e.datetime) || ''), h('td', {}, h('code', {}, e.kind)),
          h('td', {}, e.performer ? e.performer.name : h('span', { class: 'muted' }, 'anonymous')),
          h('td', {}, repo, md.tag ? [':', md.tag] : ''));
      }))));
  }
  return h('section', { class: 'card', 'aria-labelledby': 'recent-h' },
    h('div', { class: 'chartbar' }, h('h2', { id: 'recent-h' }, 'Recent activity'),
      h('a', { href: `#/org/${seg(ctx.org)}/logs` }, 'All usage & logs')), body);
}

export async function render(main, ctx) {
  const o = seg(ctx.org);
  const start = new Date(Date.now() - RECENT_DAYS * 86400000).toISOString().slice(0, 10);
  const [org, repos, robots, unused, logs] = await Promise.all([
    get(`/api/v1/organization/${o}`),
    listRepos(ctx.org).catch(() => []),
    get(`/api/v1/organization/${o}/robots`, { token: 'false' }).catch(() => ({ robots: [] })),
    get(`/api/v1/organization/${o}/robots`, { token: 'false', unused_days: UNUSED_DAYS })
      .catch(() => ({ robots: [] })),
    get(`/api/v1/organization/${o}/logs`, { starttime: start })
      .then((r) => ({ logs: (r.logs || []).slice(0, RECENT) }), (e) => ({ logs: [], err: e.message })),
  ]);
  if (!ctx.isCurrent()) return;
  const all = robots.robots || [];
  const teams = Object.keys(org.teams || {});
  const soon = all.filter((r) => r.expires_soon);
  replace(main, h('h1', {}, `${ctx.org}: overview`),
    h('ul', { class: 'stats', 'aria-label': 'Counts' },
      count('repositories', repos.length, repos.length === 1 ? 'repository' : 'repositories', `#/org/${o}/repos`),
      count('robots', all.length, all.length === 1 ? 'robot account' : 'robot accounts', `#/org/${o}/robots`),
      count('teams', teams.length, teams.length === 1 ? 'team' : 'teams', `#/org/${o}/teams`)),
    h('div', { class: 'cols' },
      robotPanel('expiring', 'Tokens expiring soon', 'No robot token expires within 14 days.',
        soon.map((r) => h('li', { 'data-robot': r.name }, robotLink(ctx, r.name), ' ',
          expiryBadge(r.expires_at, true)))),
      robotPanel('unused-robots', `Unused for ${UNUSED_DAYS} days`, `Every robot was used in the last ${UNUSED_DAYS} days.`,
        (unused.robots || []).map((r) => h('li', { 'data-robot': r.name }, robotLink(ctx, r.name),
          ' · last used ', lastUsed(r.last_accessed))))),
    activity(ctx, logs.logs, logs.err));
}
