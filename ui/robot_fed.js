// The robot page's keyless federation: {issuer, subject, audience} entries
// (GET/POST/DELETE …/robots/{short}/federation; POST replaces the whole
// list, DELETE empties it) and the curl line that trades a CI job's OIDC ID
// token for a one-hour robot token (docs/robots.md).
import { act, del, post, robotPath } from './api.js';
import { copyText, field, h } from './dom.js';

const PRESETS = [
  ['GitHub Actions', 'https://token.actions.githubusercontent.com', 'repo:OWNER/REPO:ref:refs/heads/main'],
  ['GitLab.com', 'https://gitlab.com', 'project_path:GROUP/PROJECT:ref_type:branch:ref:main'],
];

// One entry as the API takes it (audience left out when empty).
const clean = (e) => (e.audience ? { issuer: e.issuer, subject: e.subject, audience: e.audience }
                                 : { issuer: e.issuer, subject: e.subject });

function save(ctx, list, reload, ok) {
  const path = robotPath(ctx.org, ctx.short, '/federation');
  return act(ctx, () => (list.length ? post(path, list.map(clean)) : del(path)), reload, ok);
}

function entryTable(ctx, entries, reload) {
  if (!entries.length)
    return h('p', { class: 'muted', id: 'federation' }, 'No federation: this robot logs in with its tokens only.');
  return h('div', { class: 'scroll' }, h('table', { class: 'grid compact', id: 'federation' },
    h('thead', {}, h('tr', {}, ['Issuer', 'Subject', 'Audience', ''].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, entries.map((e, i) => h('tr', { 'data-issuer': e.issuer, 'data-subject': e.subject },
      h('td', {}, h('code', {}, e.issuer)),
      h('td', {}, h('code', {}, e.subject)),
      h('td', {}, e.audience ? h('code', {}, e.audience) : h('span', { class: 'muted' }, 'any')),
      h('td', {}, h('button', { type: 'button', class: 'link danger',
        'aria-label': `Remove federation of ${e.subject}`, onclick: () =>
          save(ctx, entries.filter((_, k) => k !== i), reload, 'Federation entry removed.') },
      'Remove')))))));
}

function addForm(ctx, entries, reload) {
  const issuer = h('input', { type: 'url', required: true, autocomplete: 'off', spellcheck: 'false',
                              maxlength: '1024', placeholder: PRESETS[0][1] });
  const subject = h('input', { required: true, autocomplete: 'off', spellcheck: 'false',
                               maxlength: '1024', placeholder: PRESETS[0][2] });
  const audience = h('input', { autocomplete: 'off', spellcheck: 'false', maxlength: '1024',
                                placeholder: 'wharf' });
  const presets = h('div', { class: 'actions left' }, h('span', { class: 'muted' }, 'Fill in for:'),
    PRESETS.map(([label, iss, sub]) => h('button', { type: 'button', class: 'link', onclick: () => {
      issuer.value = iss;
      if (!subject.value) subject.value = sub;
      if (!audience.value) audience.value = 'wharf';
      subject.focus();
    } }, label)));
  const form = h('form', { class: 'sub', 'aria-label': 'Add a federation entry' },
    h('div', { class: 'row wrap' }, field('Issuer', issuer), field('Subject', subject),
      field('Audience (recommended)', audience)),
    presets, h('button', { type: 'submit' }, 'Add federation'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const e = { issuer: issuer.value.trim(), subject: subject.value.trim(), audience: audience.value.trim() };
    save(ctx, [...entries, e], reload, `${e.subject} may now log in as this robot.`);
  });
  return form;
}

export function federationSection(ctx, robot, entries, reload) {
  const base = `${location.protocol}//${location.host}`;
  const snippet = `ID_TOKEN=...   # the CI job's OIDC ID token\n` +
    `TOKEN=$(curl -fsS -u "${robot.name}:$ID_TOKEN" "${base}/oauth2/federation/robot/token" | jq -r .token)\n` +
    `echo "$TOKEN" | docker login -u '${robot.name}' --password-stdin ${location.host}`;
  return h('section', { class: 'card', 'aria-labelledby': 'fed-h' },
    h('h2', { id: 'fed-h' }, 'Keyless login (OIDC federation)'),
    h('p', { class: 'muted' }, 'A CI job whose OIDC ID token has one of these issuers and subjects ' +
      '(and audience, when set) trades it for a one-hour token of this robot: no stored secret.'),
    entryTable(ctx, entries, reload), addForm(ctx, entries, reload),
    entries.length ? [h('h3', {}, 'Exchange the ID token in the CI job'),
      h('pre', { class: 'code', id: 'cmd-federation', tabindex: '0' }, snippet),
      h('div', { class: 'actions left' }, h('button', { type: 'button', onclick: async (ev) => {
        const ok = await copyText(snippet);
        ev.target.textContent = ok ? 'Copied' : 'Copy failed';
        setTimeout(() => { ev.target.textContent = 'Copy'; }, 1500);
      } }, 'Copy'))] : null);
}
