// Organization overview: the caller's organizations (GET user/) and a form
// to create one (POST organization/).
import { get, post } from './api.js';
import { field, h, replace } from './dom.js';
import { NAME_RULE, nameProblem } from './names.js';

export const key = 'orgs';
export const title = () => 'Organizations';

function orgList(orgs) {
  if (!orgs.length)
    return h('p', { class: 'muted' }, 'You belong to no organization yet. Create one below.');
  return h('ul', { class: 'tiles' }, orgs.map((o) => {
    const e = encodeURIComponent(o.name);
    return h('li', { class: 'card tile' },
      h('h2', {}, h('a', { href: `#/org/${e}` }, o.name)),
      h('p', {}, o.is_org_admin ? h('span', { class: 'badge ok' }, 'admin') : h('span', { class: 'badge' }, 'member')),
      h('p', { class: 'links' },
        h('a', { href: `#/org/${e}/repos` }, 'Repositories'),
        h('a', { href: `#/org/${e}/robots` }, 'Robot Accounts'),
        h('a', { href: `#/org/${e}/teams` }, 'Teams'),
        h('a', { href: `#/org/${e}/apps` }, 'OAuth tokens'),
        h('a', { href: `#/org/${e}/logs` }, 'Usage & logs')));
  }));
}

function createForm(ctx) {
  const name = h('input', { name: 'orgname', required: true, autocomplete: 'off',
                            spellcheck: 'false' });
  const hint = h('p', { class: 'hint' }, NAME_RULE);
  const email = h('input', { name: 'email', type: 'email', autocomplete: 'email' });
  const button = h('button', { type: 'submit', class: 'primary' }, 'Create organization');
  name.addEventListener('input', () => {
    const p = name.value ? nameProblem(name.value) : null;
    name.setCustomValidity(p || '');
    name.setAttribute('aria-invalid', p ? 'true' : 'false');
    replace(hint, p || NAME_RULE);
    hint.classList.toggle('bad', Boolean(p));
  });
  const form = h('form', { class: 'card', 'aria-labelledby': 'neworg-h' },
    h('h2', { id: 'neworg-h' }, 'Create an organization'),
    field('Organization name', name, hint), field('Email (optional)', email), button);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const n = name.value.trim();
    try {
      await post('/api/v1/organization/', email.value ? { name: n, email: email.value } : { name: n });
      ctx.flash(`Organization ${n} created.`, 'ok');
      ctx.go(`#/org/${encodeURIComponent(n)}`);
    } catch (e) {
      ctx.flash(e.message, 'error');
    }
  });
  return form;
}

export async function render(main, ctx) {
  const me = await get('/api/v1/user/');
  const orgs = me.organizations || [];
  replace(main, h('h1', {}, 'Organizations'), orgList(orgs), createForm(ctx));
}
