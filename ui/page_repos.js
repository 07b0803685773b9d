// Repositories of an organization (GET repository?namespace=), each with its
// tags (GET repository/{ns}/{name}): digest (short, copyable), size when the
// API gives one, last modified (the tag's last_modified, Quay's RFC 2822 date;
// for a server that omits it, the newest push_repo audit entry of the tag from
// organization/{org}/logs, admins only) and a `podman pull` command to
// copy; a visibility toggle for repository admins (POST …/changevisibility);
// and a form to create a repository.
import { act, get, post, seg } from './api.js';
import { copyText, field, fmtDate, h, replace } from './dom.js';

export const key = 'repos';
export const title = (ctx) => `${ctx.org} repositories`;

const PUSH_PAGES = 5; // pages of push_repo entries read for "last modified"

// /api/v1/repository/{org}/{name} (a name may hold "/": each segment encoded)
const apiRepo = (org, name, rest = '') =>
  `/api/v1/repository/${seg(org)}/${name.split('/').map(seg).join('/')}${rest}`;

// Every page of repository?namespace=org (capped: a UI list, not an export).
export async function listRepos(org, max = 500) {
  const out = [];
  let next;
  do {
    const page = await get('/api/v1/repository', { namespace: org, next_page: next });
    out.push(...(page.repositories || []));
    next = page.next_page;
  } while (next && out.length < max);
  return out;
}

// "repo:tag" -> time of its newest push, from the org's push_repo entries.
async function lastPushes(org) {
  const seen = new Map();
  let next;
  for (let i = 0; i < PUSH_PAGES; i++) {
    const res = await get(`/api/v1/organization/${seg(org)}/logs`,
      { kind: 'push_repo', starttime: '2000-01-01', next_page: next });
    for (const e of res.logs || []) {
      const md = e.metadata || {};
      const k = `${md.repo}:${md.tag}`;
      if (md.tag && !seen.has(k)) seen.set(k, e.datetime);
    }
    next = res.next_page;
    if (!next) break;
  }
  return seen;
}

function fmtSize(n) {
  if (typeof n !== 'number') return '';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return `${i ? n.toFixed(1) : n}\u00a0${u[i]}`; // no break inside "7.1 KiB"
}

function copyButton(value, label) {
  const b = h('button', { type: 'button', class: 'small', 'aria-label': label, onclick: async () => {
    const ok = await copyText(value);
    b.textContent = ok ? 'Copied' : 'Copy failed';
    setTimeout(() => { b.textContent = 'Copy'; }, 1500);
  } }, 'Copy');
  return b;
}

function pullCommand(org, repo, tag) {
  const tls = location.protocol === 'http:' ? ' --tls-verify=false' : '';
  return `podman pull${tls} ${location.host}/${org}/${repo}:${tag}`;
}

function tagTable(ctx, r, tags, pushes) {
  const names = Object.keys(tags || {}).sort();
  if (!names.length) return h('p', { class: 'muted' }, 'No tags yet.');
  const sized = names.some((t) => typeof tags[t].size === 'number');
  const cols = ['Tag', 'Digest', sized ? 'Size' : null, 'Last modified', 'Pull'].filter(Boolean);
  return h('div', { class: 'scroll' }, h('table', { class: 'grid compact tagtable' },
    h('caption', { class: 'offscreen' }, `Tags of ${ctx.org}/${r.name}`),
    h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, names.map((t) => {
      const d = tags[t].manifest_digest || '';
      const cmd = pullCommand(ctx.org, r.name, t);
      const when = tags[t].last_modified || pushes.get(`${r.name}:${t}`);
      return h('tr', { 'data-tag': t },
        h('th', { scope: 'row' }, h('code', {}, t)),
        h('td', {}, h('span', { class: 'digest' },
          h('code', { title: d, 'data-digest': d }, d.replace(/^(sha256:)?([0-9a-f]{12})[0-9a-f]*$/, '$1$2')),
          copyButton(d, `Copy digest of ${r.name}:${t}`))),
        sized ? h('td', { class: 'num' }, fmtSize(tags[t].size)) : null,
        h('td', { class: 'when' }, when ? h('span', { title: String(when) }, fmtDate(when))
                         : h('span', { class: 'muted' }, '—')),
        h('td', {}, h('span', { class: 'pull' }, h('code', { class: 'pullcmd' }, cmd),
          copyButton(cmd, `Copy pull command for ${r.name}:${t}`))));
    }))));
}

function visibility(ctx, r, detail, reload) {
  const pub = r.is_public;
  const badge = h('span', { class: pub ? 'badge warn' : 'badge', 'data-visibility': pub ? 'public' : 'private' },
    pub ? 'public' : 'private');
  if (!detail.can_admin) return badge;
  const to = pub ? 'private' : 'public';
  return [badge, ' ', h('button', { type: 'button', class: 'small', 'aria-label': `Make ${ctx.org}/${r.name} ${to}`,
    onclick: () => {
      if (to === 'public' && !window.confirm(`Make ${ctx.org}/${r.name} public? Anyone can then pull it without signing in.`))
        return;
      act(ctx, () => post(apiRepo(ctx.org, r.name, '/changevisibility'), { visibility: to }), reload,
        `${ctx.org}/${r.name} is now ${to}.`);
    } }, `Make ${to}`)];
}

function repoCard(ctx, r, i, detail, pushes, reload) {
  const path = r.name.split('/').map(seg).join('/');
  return h('section', { class: 'card repo', 'data-repo': r.name, 'aria-labelledby': `repo-${i}-h` },
    h('div', { class: 'head' }, h('h2', { id: `repo-${i}-h` }, h('code', {}, `${ctx.org}/${r.name}`)),
      visibility(ctx, r, detail, reload),
      h('div', { class: 'actions' }, h('a', { href: `#/org/${seg(ctx.org)}/repo/${path}`,
        'aria-label': `Permissions of ${ctx.org}/${r.name}` }, 'Permissions'))),
    r.description ? h('p', { class: 'desc' }, r.description) : null,
    tagTable(ctx, r, detail.tags, pushes));
}

function createForm(ctx) {
  const name = h('input', { name: 'repository', required: true, autocomplete: 'off',
                            spellcheck: 'false' });
  const vis = h('select', { name: 'visibility' },
    h('option', { value: 'private' }, 'private'), h('option', { value: 'public' }, 'public'));
  const desc = h('input', { name: 'description', autocomplete: 'off' });
  const form = h('form', { class: 'card', 'aria-labelledby': 'newrepo-h' },
    h('h2', { id: 'newrepo-h' }, 'Create a repository'),
    h('div', { class: 'row' }, field('Name', name), field('Visibility', vis)),
    field('Description (optional)', desc),
    h('button', { type: 'submit', class: 'primary' }, 'Create repository'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await post('/api/v1/repository', { namespace: ctx.org, repository: name.value.trim(),
                                         visibility: vis.value, description: desc.value });
      ctx.flash(`Repository ${ctx.org}/${name.value.trim()} created.`, 'ok');
      ctx.go(location.hash);
    } catch (e) {
      ctx.flash(e.message, 'error');
    }
  });
  return form;
}

export async function render(main, ctx) {
  const reload = async () => {
    const repos = await listRepos(ctx.org);
    const details = await Promise.all(repos.map((r) =>
      get(apiRepo(ctx.org, r.name)).catch(() => ({ tags: {} }))));
    // the audit log only for tags the API gives no last_modified (older servers)
    const undated = details.some((d) => Object.values(d.tags || {}).some((t) => !t.last_modified));
    const pushes = undated ? await lastPushes(ctx.org).catch(() => new Map()) : new Map();
    if (!ctx.isCurrent()) return;
    const body = repos.length
      ? h('div', { id: 'repos' }, repos.map((r, i) => repoCard(ctx, r, i, details[i], pushes, reload)))
      : h('p', { class: 'muted', id: 'repos' }, 'No repositories yet. Create one below or push to ',
          h('code', {}, `${location.host}/${ctx.org}/NAME`), '.');
    replace(main, h('h1', {}, `${ctx.org}: repositories`), body, createForm(ctx));
  };
  await reload();
}
