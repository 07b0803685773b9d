// One robot: its token (masked, reveal, copy), regenerate with a grace
// period, its tokens, disable/enable, its repository permissions, and tabs
// of ready-to-paste commands (login lines built here; Kubernetes Secret,
// config.json and CI snippets from GET …/robots/{short}/secret?format=).
import { del, get, post, put, robotPath, seg } from './api.js';
import { copyText, download, field, fmtDate, h, replace } from './dom.js';
import { expiryBadge, lastUsed } from './robots.js';
import { listRepos } from './page_repos.js';
import { addToken, allowList, deleteRobot, onceBox, permsEditor } from './robot_edit.js';
import { federationSection } from './robot_fed.js';
import { loadTeams, teamsSection } from './robot_teams.js';
import { tabs } from './tabs.js';

export const key = 'robots';
export const title = (ctx) => `${ctx.org}+${ctx.short}`;

const MASK = '•'.repeat(24);
const GRACE = [['0', 'none: the old token stops now'], ['3600', '1 hour'], ['86400', '1 day'],
               ['604800', '7 days'], ['2592000', '30 days']];

function loginCommands(robot, token, shown) {
  const host = location.host;
  const t = shown ? token : MASK;
  const insecure = location.protocol === 'http:' ? ' --tls-verify=false' : '';
  const u = `'${robot.name}'`;
  return [
    { id: 'docker', label: 'Docker', text: `echo '${t}' | docker login -u ${u} --password-stdin ${host}`,
      copy: `echo '${token}' | docker login -u ${u} --password-stdin ${host}` },
    { id: 'podman', label: 'Podman', text: `echo '${t}' | podman login${insecure} -u ${u} --password-stdin ${host}`,
      copy: `echo '${token}' | podman login${insecure} -u ${u} --password-stdin ${host}` },
    { id: 'skopeo', label: 'skopeo', text: `echo '${t}' | skopeo login${insecure} -u ${u} --password-stdin ${host}`,
      copy: `echo '${token}' | skopeo login${insecure} -u ${u} --password-stdin ${host}` },
  ];
}

// The API-made formats; `secret` ones embed the token and stay hidden until revealed.
const FORMATS = [
  { id: 'kubernetes', label: 'Kubernetes Secret', secret: true, download: true },
  { id: 'dockerconfig', label: 'config.json', secret: true, download: true, filename: 'config.json' },
  { id: 'gitlab', label: 'GitLab CI' },
  { id: 'github', label: 'GitHub Actions' },
  { id: 'jenkins', label: 'Jenkins' },
];

function codeBlock(id, text, copyValue, extra = []) {
  const pre = h('pre', { class: 'code', id: `cmd-${id}`, tabindex: '0' }, text);
  const copy = h('button', { type: 'button', 'data-copy': id, onclick: async () => {
    const ok = await copyText(copyValue ?? text);
    copy.textContent = ok ? 'Copied' : 'Copy failed';
    setTimeout(() => { copy.textContent = 'Copy'; }, 1500);
  } }, 'Copy');
  return [pre, h('div', { class: 'actions left' }, copy, extra)];
}

function formatPanel(ctx, f, state) {
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const path = robotPath(ctx.org, ctx.short, '/secret');
  const load = (ns) => get(path, { format: f.id, namespace: ns }).then((s) => {
    const parts = [];
    if (s.secret_name)
      parts.push(h('p', {}, 'Store the robot token in your CI system as ',
        h('code', {}, s.secret_name), '; the snippet reads it from there.'));
    const hidden = f.secret && !state.shown;
    const shown = hidden ? 'Hidden: it contains the token. Reveal the token above to show it, or copy or download it.' : s.content;
    const extra = f.download ? [h('button', { type: 'button', 'data-download': f.id, onclick: () =>
      download(f.filename || s.filename || `${f.id}.txt`, s.content,
               f.id === 'kubernetes' ? 'application/yaml' : 'application/json') },
      f.id === 'kubernetes' ? 'Download YAML' : 'Download')] : [];
    parts.push(codeBlock(f.id, shown, s.content, extra));
    if (s.filename && f.id === 'kubernetes')
      parts.push(h('p', { class: 'muted' }, 'Apply with ', h('code', {}, `kubectl apply -f ${s.filename}`),
        ' and reference it as an imagePullSecret.'));
    replace(body, parts);
  }).catch((e) => replace(body, h('p', { class: 'msg error' }, e.message)));
  load(state.k8sNamespace);
  if (f.id !== 'kubernetes') return body;
  // the Secret's metadata.namespace (an RFC 1123 label, checked by the API)
  const ns = h('input', { value: state.k8sNamespace || '', autocomplete: 'off', spellcheck: 'false',
                          placeholder: 'default' });
  const form = h('form', { class: 'row end', 'aria-label': 'Kubernetes namespace' },
    field('Namespace (optional)', ns), h('button', { type: 'submit' }, 'Update'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    state.k8sNamespace = ns.value.trim();
    load(state.k8sNamespace);
  });
  return h('div', {}, form, body);
}

function tokenSection(ctx, robot, state, rerender) {
  // show-once servers return the token only in the response that made it:
  // keep a freshly regenerated one on this page until the user leaves it
  const token = robot.token || state.fresh || '';
  const code = h('code', { id: 'robot-token', class: 'token', 'data-masked': String(!state.shown) },
    state.shown ? token : MASK);
  const reveal = h('button', { type: 'button', id: 'reveal-token', 'aria-pressed': String(state.shown),
    'aria-controls': 'robot-token', onclick: () => { state.shown = !state.shown; rerender(); } },
    state.shown ? 'Hide' : 'Reveal');
  const copy = h('button', { type: 'button', id: 'copy-token', onclick: async () => {
    const ok = await copyText(token);
    ctx.flash(ok ? 'Token copied to the clipboard.' : 'Could not copy: reveal and select it.', ok ? 'ok' : 'error');
  } }, 'Copy');
  const grace = h('select', { id: 'grace', 'aria-label': 'Grace period for the current token' },
    GRACE.map(([v, l]) => h('option', { value: v }, l)));
  const regen = h('button', { type: 'button', id: 'regenerate', class: 'danger', onclick: async () => {
    const g = Number(grace.value);
    const what = g ? 'The current token keeps working for the grace period you chose.'
                   : 'The current token stops working at once.';
    if (!window.confirm(`Regenerate the token of ${robot.name}? ${what}`)) return;
    try {
      const res = await post(robotPath(ctx.org, ctx.short, '/regenerate'), { grace_period: g });
      state.shown = false;
      state.fresh = res.token || null;
      ctx.flash(res.previous_token_expires_at
        ? `New token issued. The previous one works until ${fmtDate(res.previous_token_expires_at)}.`
        : 'New token issued. The previous one no longer works.', 'ok');
      await rerender(true);
    } catch (e) { ctx.flash(e.message, 'error'); }
  } }, 'Regenerate token');
  return h('section', { class: 'card', 'aria-labelledby': 'token-h' },
    h('h2', { id: 'token-h' }, 'Token'),
    token ? h('div', { class: 'tokenrow' }, code, reveal, copy)
          : h('p', { class: 'msg warn' }, 'This server shows a robot\u2019s token only when it is '
            + 'created or regenerated (show-once mode). Regenerate it, or add a token below, to get one.'),
    h('div', { class: 'row end' }, h('label', { for: 'grace' }, 'Grace period for the current token'),
      grace, regen));
}

function tokensTable(ctx, tokens, rerender, extra) {
  return h('section', { class: 'card', 'aria-labelledby': 'tokens-h' },
    h('h2', { id: 'tokens-h' }, 'Tokens'),
    h('p', { class: 'muted' }, 'Every listed token works as this robot\u2019s password until it expires or is revoked.'),
    h('div', { class: 'scroll' }, h('table', { class: 'grid compact', id: 'tokens' },
      h('thead', {}, h('tr', {}, ['Label', 'Created', 'Expires', 'Last used', ''].map((c) =>
        h('th', { scope: 'col' }, c)))),
      h('tbody', {}, tokens.map((t) => h('tr', { 'data-token-id': String(t.id) },
        h('td', {}, t.label || h('span', { class: 'muted' }, '—')),
        h('td', {}, fmtDate(t.created) || ''),
        h('td', {}, expiryBadge(t.expires_at)),
        h('td', {}, lastUsed(t.last_accessed)),
        h('td', {}, h('button', { type: 'button', class: 'link danger', onclick: async () => {
          if (!window.confirm('Revoke this token now?')) return;
          try {
            await del(robotPath(ctx.org, ctx.short, `/tokens/${seg(String(t.id))}`));
            await rerender(true);
          } catch (e) { ctx.flash(e.message, 'error'); }
        } }, 'Revoke'))))))), extra);
}

export async function render(main, ctx) {
  const state = { shown: false, tab: 'docker', once: null };
  let data = null;
  const ectx = { ...ctx, showOnce: (t) => { state.once = t; rerender(); } };
  const load = async () => {
    const [robot, tokens, perms, repos, fed, teams] = await Promise.all([
      get(robotPath(ctx.org, ctx.short)),
      get(robotPath(ctx.org, ctx.short, '/tokens')).catch(() => ({ tokens: [] })),
      get(robotPath(ctx.org, ctx.short, '/permissions')).catch(() => ({ permissions: [] })),
      listRepos(ctx.org).catch(() => []),
      get(robotPath(ctx.org, ctx.short, '/federation')).catch(() => []),
      loadTeams(ctx.org, `${ctx.org}+${ctx.short}`).catch(() => ({ in: [], all: [] })),
    ]);
    data = { robot, tokens: tokens.tokens || [], perms: perms.permissions || [], repos,
             fed: Array.isArray(fed) ? fed : [], teams };
  };
  const rerender = async (reload) => {
    if (reload) await load();
    const { robot } = data;
    const toggle = h('button', { type: 'button', id: 'toggle-enabled', onclick: async () => {
      try {
        await put(robotPath(ctx.org, ctx.short), { enabled: robot.enabled === false });
        await rerender(true);
      } catch (e) { ctx.flash(e.message, 'error'); }
    } }, robot.enabled === false ? 'Enable' : 'Disable');
    const cmdTabs = [
      ...loginCommands(robot, robot.token || state.fresh || '', state.shown).map((c) =>
        ({ id: c.id, label: c.label, panel: () => h('div', {}, codeBlock(c.id, c.text, c.copy)) })),
      ...FORMATS.map((f) => ({ id: f.id, label: f.label, panel: () => formatPanel(ctx, f, state) })),
    ];
    replace(main,
      h('p', {}, h('a', { href: `#/org/${seg(ctx.org)}/robots` }, '← Robot Accounts')),
      h('div', { class: 'head' }, h('h1', {}, robot.name),
        h('div', { class: 'actions' }, toggle, deleteRobot(ctx, robot))),
      h('p', { class: 'desc', id: 'robot-description' }, robot.description || ''),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Status'), h('dd', {}, robot.enabled === false
          ? h('span', { class: 'badge bad' }, 'disabled') : h('span', { class: 'badge ok' }, 'enabled')),
        h('dt', {}, 'Created'), h('dd', {}, fmtDate(robot.created) || ''),
        h('dt', {}, 'Last used'), h('dd', {}, lastUsed(robot.last_accessed)),
        h('dt', {}, 'Token expiry'), h('dd', {}, expiryBadge(robot.expires_at, robot.expires_soon))),
      tokenSection(ctx, robot, state, rerender),
      h('section', { class: 'card', 'aria-labelledby': 'use-h' },
        h('h2', { id: 'use-h' }, 'Use this robot'),
        tabs('commands', cmdTabs, state.tab, (id) => { state.tab = id; })),
      permsEditor(ctx, robot.name, data.perms, data.repos, rerender),
      teamsSection(ctx, robot.name, data.teams, rerender),
      tokensTable(ctx, data.tokens, rerender, [onceBox(state.once, copyText), addToken(ectx, rerender)]),
      allowList(ctx, robot, rerender),
      federationSection(ctx, robot, data.fed, rerender));
    state.once = null;
  };
  await rerender(true);
}
