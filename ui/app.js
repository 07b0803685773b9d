// The UI's shell: hash routes (so the server serves one page at "/"), the
// signed-in user, the navigation and flash messages. Each page is a module
// exporting render(main, ctx).
import { ApiError, get, signOut } from './api.js';
import { h, replace } from './dom.js';
import * as signin from './page_signin.js';
import * as orgs from './page_orgs.js';
import * as overview from './page_org.js';
import * as repos from './page_repos.js';
import * as robots from './page_robots.js';
import * as robot from './page_robot.js';
import * as logs from './page_logs.js';
import * as perms from './page_perms.js';
import * as teams from './page_teams.js';
import * as team from './page_team.js';
import * as apps from './page_apps.js';
import * as app from './page_app.js';

const ROUTES = [
  [/^\/signin$/, signin, []],
  [/^\/?$/, orgs, []],
  [/^\/org\/([^/]+)$/, overview, ['org']],
  [/^\/org\/([^/]+)\/repos$/, repos, ['org']],
  [/^\/org\/([^/]+)\/robots$/, robots, ['org']],
  [/^\/org\/([^/]+)\/robots\/([^/]+)$/, robot, ['org', 'short']],
  [/^\/org\/([^/]+)\/logs$/, logs, ['org']],
  [/^\/org\/([^/]+)\/repo\/(.+)$/, perms, ['org', 'repo']],
  [/^\/org\/([^/]+)\/teams$/, teams, ['org']],
  [/^\/org\/([^/]+)\/teams\/([^/]+)$/, team, ['org', 'team']],
  [/^\/org\/([^/]+)\/apps$/, apps, ['org']],
  [/^\/org\/([^/]+)\/apps\/([^/]+)$/, app, ['org', 'client']],
];

let me = null;
let renderSeq = 0;

export function go(hash) {
  if (location.hash === hash) return route();
  keepFlash = true;
  location.hash = hash;
}

let keepFlash = false; // the next hashchange comes from go(): keep its message

export function flash(text, kind = 'info') {
  const el = document.getElementById('flash');
  replace(el, text ? h('p', { class: `msg ${kind}` }, text) : null);
  if (kind !== 'error' && text) setTimeout(() => { if (el.textContent === text) replace(el); }, 6000);
}

function nav(org, page) {
  const el = document.getElementById('nav');
  if (!me) return replace(el);
  const link = (href, label, key) =>
    h('a', { href, 'aria-current': key === page ? 'page' : null }, label);
  const items = [link('#/', 'Organizations', 'orgs')];
  if (org) {
    const o = encodeURIComponent(org);
    items.push(h('span', { class: 'crumb' }, org),
      link(`#/org/${o}`, 'Overview', 'overview'),
      link(`#/org/${o}/repos`, 'Repositories', 'repos'),
      link(`#/org/${o}/robots`, 'Robot Accounts', 'robots'),
      link(`#/org/${o}/teams`, 'Teams', 'teams'),
      link(`#/org/${o}/apps`, 'OAuth tokens', 'apps'),
      link(`#/org/${o}/logs`, 'Usage & logs', 'logs'));
  }
  replace(el, items);
}

function who() {
  const el = document.getElementById('who');
  if (!me) return replace(el);
  replace(el, h('span', { class: 'muted' }, me.username), ' ',
    h('button', { type: 'button', class: 'link', onclick: async () => {
      await signOut().catch(() => {});
      me = null;
      go('#/signin');
    } }, 'Sign out'));
}

async function loadMe() {
  try {
    me = await get('/api/v1/user/');
  } catch (e) {
    if (!(e instanceof ApiError) || (e.status !== 401 && e.status !== 403)) throw e;
    me = null;
  }
}

export async function signedIn(next) {
  await loadMe();
  go(next && next !== '#/signin' ? next : '#/');
}

async function route() {
  const seq = ++renderSeq;
  const path = decodeURIComponent(location.hash.replace(/^#/, '')) || '/';
  const main = document.getElementById('main');
  if (me === null && path !== '/signin') await loadMe().catch(() => {});
  if (seq !== renderSeq) return;
  if (!me && path !== '/signin') {
    sessionStorage.setItem('wharf.next', location.hash || '#/');
    return go('#/signin');
  }
  let page = null, params = {};
  for (const [re, mod, names] of ROUTES) {
    const m = re.exec(path.replace(/\/+$/, '') || '/');
    if (!m) continue;
    page = mod;
    names.forEach((n, i) => { params[n] = m[i + 1]; });
    break;
  }
  nav(params.org, page && page.key);
  who();
  if (!page) {
    replace(main, h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '#/' }, 'Organizations')));
    return;
  }
  replace(main, h('p', { class: 'muted' }, 'Loading…'));
  const ctx = { ...params, me, go, flash, signedIn, isCurrent: () => seq === renderSeq };
  try {
    await page.render(main, ctx);
    document.title = `${page.title ? page.title(ctx) : 'wharf'} · wharf`;
  } catch (e) {
    if (seq !== renderSeq) return;
    if (e instanceof ApiError && e.status === 401) {
      me = null;
      return go('#/signin');
    }
    replace(main, h('h1', {}, 'Something went wrong'), h('p', { class: 'msg error' }, e.message));
  }
}

// a message set just before go() ("Robot created") survives that navigation
window.addEventListener('hashchange', () => {
  if (!keepFlash) flash('');
  keepFlash = false;
  route();
});
route();
