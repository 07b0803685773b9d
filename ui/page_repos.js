// Repositories of an organization with their tags (GET repository?namespace=
// and GET repository/{ns}/{name}), and a form to create one.
import { get, post, seg } from './api.js';
import { field, h, replace } from './dom.js';

export const key = 'repos';
export const title = (ctx) => `${ctx.org} repositories`;

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

function tagCell(tags) {
  const names = Object.keys(tags || {}).sort();
  if (!names.length) return h('span', { class: 'muted' }, 'no tags');
  return h('ul', { class: 'tags' }, names.map((t) =>
    h('li', {}, h('code', { title: tags[t].manifest_digest }, t))));
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
  const repos = await listRepos(ctx.org);
  const details = await Promise.all(repos.map((r) =>
    get(`/api/v1/repository/${seg(ctx.org)}/${r.name.split('/').map(seg).join('/')}`)
      .catch(() => ({ tags: {} }))));
  const body = repos.length
    ? h('div', { class: 'scroll' }, h('table', { class: 'grid', id: 'repos' },
        h('caption', { class: 'offscreen' }, `Repositories of ${ctx.org}`),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Repository'),
          h('th', { scope: 'col' }, 'Visibility'), h('th', { scope: 'col' }, 'Tags'),
          h('th', { scope: 'col' }, 'Description'), h('th', { scope: 'col' }, 'Access'))),
        h('tbody', {}, repos.map((r, i) => h('tr', { 'data-repo': r.name },
          h('th', { scope: 'row' }, h('code', {}, `${ctx.org}/${r.name}`)),
          h('td', {}, h('span', { class: r.is_public ? 'badge warn' : 'badge' },
            r.is_public ? 'public' : 'private')),
          h('td', {}, tagCell(details[i].tags)),
          h('td', { class: 'desc' }, r.description || ''),
          h('td', {}, h('a', { href: `#/org/${seg(ctx.org)}/repo/${r.name.split('/').map(seg).join('/')}`,
            'aria-label': `Permissions of ${ctx.org}/${r.name}` }, 'Permissions')))))))
    : h('p', { class: 'muted' }, 'No repositories yet. Create one below or push to ',
        h('code', {}, `${location.host}/${ctx.org}/NAME`), '.');
  replace(main, h('h1', {}, `${ctx.org}: repositories`), body, createForm(ctx));
}
