// One OAuth application: its client credentials, its API tokens
// (GET …/applications/{id}/tokens, paged) with revoke (DELETE
// …/tokens/{uuid}), and a form that mints a token with chosen scopes
// (POST …/tokens), shown once with a copy button.
import { act, del, get, post, seg } from './api.js';
import { copyText, field, fmtDate, h, replace } from './dom.js';
import { appsPath } from './page_apps.js';
import { expiryBadge, lastUsed } from './robots.js';

export const key = 'apps';
export const title = () => 'OAuth application';

const SCOPES = [
  ['repo:read', 'read repositories the creator can read'],
  ['repo:write', 'push to repositories the creator can write'],
  ['repo:admin', 'administer repositories the creator administers'],
  ['repo:create', 'create repositories'],
  ['user:read', 'read the creator\u2019s account'],
  ['user:admin', 'administer the creator\u2019s account and robots'],
  ['org:admin', 'administer organizations the creator administers'],
  ['super:user', 'superuser actions (superusers only)'],
];
const LIFETIMES = [['', 'maximum (10 years)'], ['86400', '1 day'], ['2592000', '30 days'],
  ['7776000', '90 days'], ['31536000', '1 year']];

function credentials(app, state, rerender) {
  const secret = app.client_secret || '';
  return h('section', { class: 'card', 'aria-labelledby': 'client-h' },
    h('h2', { id: 'client-h' }, 'Client credentials'),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Client ID'), h('dd', {}, h('code', { id: 'client-id' }, app.client_id)),
      h('dt', {}, 'Client secret'), h('dd', {}, secret
        ? [h('code', { id: 'client-secret' }, state.secret ? secret : '•'.repeat(24)), ' ',
          h('button', { type: 'button', class: 'link', 'aria-pressed': String(state.secret),
            onclick: () => { state.secret = !state.secret; rerender(); } }, state.secret ? 'Hide' : 'Reveal')]
        : h('span', { class: 'muted' }, 'unavailable')),
      app.application_uri ? [h('dt', {}, 'Application URL'), h('dd', {}, app.application_uri)] : null,
      app.redirect_uri ? [h('dt', {}, 'Redirect URL'), h('dd', {}, app.redirect_uri)] : null));
}

function tokenTable(ctx, tokens, reload) {
  if (!tokens.length) return h('p', { class: 'muted', id: 'app-tokens' }, 'No tokens yet.');
  return h('div', { class: 'scroll' }, h('table', { class: 'grid compact', id: 'app-tokens' },
    h('thead', {}, h('tr', {}, ['Name', 'Scopes', 'Created by', 'Created', 'Expires', 'Last used', '']
      .map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, tokens.map((t) => h('tr', { 'data-token': t.uuid },
      h('th', { scope: 'row' }, t.name || ''),
      h('td', {}, (t.scope || '').split(' ').filter(Boolean).map((s) => [h('code', {}, s), ' '])),
      h('td', {}, t.created_by || ''),
      h('td', {}, fmtDate(t.created) || ''),
      h('td', {}, expiryBadge(t.expires_at)),
      h('td', {}, lastUsed(t.last_accessed)),
      h('td', {}, h('button', { type: 'button', class: 'link danger',
        'aria-label': `Revoke token ${t.name}`, onclick: () => {
          if (!window.confirm(`Revoke ${t.name}? It stops working at once.`)) return;
          act(ctx, () => del(appsPath(ctx.org, `/${seg(ctx.client)}/tokens/${seg(t.uuid)}`)), reload,
            `Token ${t.name} revoked.`);
        } }, 'Revoke')))))));
}

function createToken(ctx, state, reload) {
  const name = h('input', { required: true, maxlength: '255', autocomplete: 'off' });
  const boxes = SCOPES.map(([s, d]) => {
    const cb = h('input', { type: 'checkbox', value: s, id: `scope-${s.replace(':', '-')}` });
    return [cb, h('div', { class: 'check' }, cb, h('label', { for: cb.id }, h('code', {}, s), ` — ${d}`))];
  });
  const life = h('select', {}, LIFETIMES.map(([v, l]) => h('option', { value: v }, l)));
  const err = h('p', { class: 'msg error', role: 'alert', hidden: true });
  const form = h('form', { class: 'card', 'aria-labelledby': 'newtoken-h' },
    h('h2', { id: 'newtoken-h' }, 'Create a token'),
    h('div', { class: 'row wrap' }, field('Token name', name), field('Expires after', life)),
    h('fieldset', {}, h('legend', {}, 'Scopes'), boxes.map(([, el]) => el)), err,
    h('button', { type: 'submit', class: 'primary' }, 'Create token'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const scope = boxes.map(([cb]) => cb).filter((cb) => cb.checked).map((cb) => cb.value).join(' ');
    err.hidden = true;
    if (!scope) {
      replace(err, 'Choose at least one scope.');
      err.hidden = false;
      return;
    }
    const body = { name: name.value.trim(), scope };
    if (life.value) body.expiration = Number(life.value);
    try {
      const t = await post(appsPath(ctx.org, `/${seg(ctx.client)}/tokens`), body);
      state.once = t;
      ctx.flash('Token created. Copy it now: it is shown only once.', 'ok');
      await reload(true);
    } catch (e) {
      replace(err, e.message);
      err.hidden = false;
    }
  });
  return form;
}

function onceBox(ctx, t) {
  if (!t) return null;
  return h('div', { class: 'msg warn', id: 'new-api-token', role: 'status' },
    h('p', {}, `New token “${t.name}” (${t.scope}), shown once:`),
    h('code', { class: 'token' }, t.token), ' ',
    h('button', { type: 'button', id: 'copy-api-token', onclick: async () => {
      const ok = await copyText(t.token);
      ctx.flash(ok ? 'Token copied to the clipboard.' : 'Could not copy: select it.', ok ? 'ok' : 'error');
    } }, 'Copy'),
    h('p', { class: 'muted' }, 'Use it as ', h('code', {}, 'Authorization: Bearer TOKEN'), ' on /api/v1.'));
}

async function allTokens(ctx, max = 500) {
  const out = [];
  let next;
  do {
    const page = await get(appsPath(ctx.org, `/${seg(ctx.client)}/tokens`), { next_page: next });
    out.push(...(page.tokens || []));
    next = page.next_page;
  } while (next && out.length < max);
  return out;
}

export async function render(main, ctx) {
  const state = { secret: false, once: null };
  let data = null;
  const rerender = async (reload) => {
    if (reload || !data) {
      const [app, tokens] = await Promise.all([
        get(appsPath(ctx.org, `/${seg(ctx.client)}`)), allTokens(ctx)]);
      data = { app, tokens };
    }
    if (!ctx.isCurrent()) return;
    replace(main,
      h('p', {}, h('a', { href: `#/org/${seg(ctx.org)}/apps` }, '← OAuth applications')),
      h('h1', { id: 'app-name' }, data.app.name),
      h('p', { class: 'desc', id: 'app-description' }, data.app.description || ''),
      credentials(data.app, state, rerender),
      h('section', { class: 'card', 'aria-labelledby': 'tokens-h' },
        h('h2', { id: 'tokens-h' }, 'API tokens'), onceBox(ctx, state.once),
        tokenTable(ctx, data.tokens, rerender)),
      createToken(ctx, state, rerender));
    state.once = null;
  };
  await rerender(true);
}
