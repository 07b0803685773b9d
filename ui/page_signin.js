// Sign-in: POST /api/v1/signin with the CSRF token of /csrf_token; the
// session is an HttpOnly cookie the UI never sees.
import { signIn } from './api.js';
import { field, h, replace } from './dom.js';

export const key = 'signin';
export const title = () => 'Sign in';

export async function render(main, ctx) {
  const user = h('input', { name: 'username', autocomplete: 'username', required: true });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password',
                            required: true });
  const err = h('p', { class: 'msg error', role: 'alert', hidden: true });
  const button = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h('form', { class: 'card narrow', 'aria-labelledby': 'signin-h' },
    h('h1', { id: 'signin-h' }, 'Sign in to wharf'),
    field('Username', user), field('Password', pass), err, button);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.hidden = true;
    button.disabled = true;
    try {
      await signIn(user.value.trim(), pass.value);
      pass.value = '';
      const next = sessionStorage.getItem('wharf.next');
      sessionStorage.removeItem('wharf.next');
      await ctx.signedIn(next);
    } catch (e) {
      replace(err, e.status === 400 || e.status === 401 || e.status === 403
        ? 'Invalid username or password.' : e.message);
      err.hidden = false;
      pass.focus();
    } finally {
      button.disabled = false;
    }
  });
  replace(main, form);
  user.focus();
}
