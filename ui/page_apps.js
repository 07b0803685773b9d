// OAuth applications of an organization (GET/POST organization/{org}/
// applications, DELETE …/{client_id}): each holds the API tokens minted
// for it, listed and created on the application's page (page_app.js).
import { act, del, get, post, seg } from './api.js';
import { field, h, replace } from './dom.js';

export const key = 'apps';
export const title = (ctx) => `${ctx.org} OAuth applications`;

export const appsPath = (org, rest = '') => `/api/v1/organization/${seg(org)}/applications${rest}`;

function appTable(ctx, apps, reload) {
  if (!apps.length) return h('p', { class: 'muted', id: 'apps' }, 'No applications yet.');
  return h('div', { class: 'scroll' }, h('table', { class: 'grid', id: 'apps' },
    h('caption', { class: 'offscreen' }, `OAuth applications of ${ctx.org}`),
    h('thead', {}, h('tr', {}, ['Application', 'Description', 'Client ID', ''].map((c) =>
      h('th', { scope: 'col' }, c)))),
    h('tbody', {}, apps.map((a) => h('tr', { 'data-client-id': a.client_id },
      h('th', { scope: 'row' }, h('a', { href: `#/org/${seg(ctx.org)}/apps/${seg(a.client_id)}` }, a.name)),
      h('td', { class: 'desc' }, a.description || ''),
      h('td', {}, h('code', {}, a.client_id)),
      h('td', {}, h('button', { type: 'button', class: 'link danger',
        'aria-label': `Delete application ${a.name}`, onclick: () => {
          if (!window.confirm(`Delete ${a.name}? Every token of it stops working at once.`)) return;
          act(ctx, () => del(appsPath(ctx.org, `/${seg(a.client_id)}`)), reload,
            `Application ${a.name} deleted.`);
        } }, 'Delete')))))));
}

function createForm(ctx) {
  const name = h('input', { name: 'name', required: true, maxlength: '255', autocomplete: 'off' });
  const desc = h('input', { name: 'description', maxlength: '4096', autocomplete: 'off' });
  const uri = h('input', { name: 'application_uri', type: 'url', autocomplete: 'off',
                           placeholder: 'https://ci.example.com' });
  const redirect = h('input', { name: 'redirect_uri', type: 'url', autocomplete: 'off' });
  const form = h('form', { class: 'card', 'aria-labelledby': 'newapp-h' },
    h('h2', { id: 'newapp-h' }, 'Create an application'),
    h('div', { class: 'row wrap' }, field('Application name', name), field('Description (optional)', desc)),
    h('div', { class: 'row wrap' }, field('Application URL (optional)', uri),
      field('Redirect URL (optional)', redirect)),
    h('button', { type: 'submit', class: 'primary' }, 'Create application'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const a = await post(appsPath(ctx.org), { name: name.value.trim(), description: desc.value,
        application_uri: uri.value, redirect_uri: redirect.value });
      ctx.flash(`Application ${a.name} created.`, 'ok');
      ctx.go(`#/org/${seg(ctx.org)}/apps/${seg(a.client_id)}`);
    } catch (e) { ctx.flash(e.message, 'error'); }
  });
  return form;
}

export async function render(main, ctx) {
  const reload = async () => {
    const res = await get(appsPath(ctx.org));
    if (!ctx.isCurrent()) return;
    replace(main, h('h1', {}, `${ctx.org}: OAuth applications`),
      h('p', { class: 'muted' }, 'An application holds API tokens for /api/v1: scripts and tools ' +
        'acting for the person who created the token, limited to the scopes chosen.'),
      appTable(ctx, res.applications || [], reload), createForm(ctx));
  };
  await reload();
}
