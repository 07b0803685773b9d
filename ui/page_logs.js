// Usage & logs of an organization: the audit log with filters (robot,
// kind, repository, IP, time; GET organization/{org}/logs), the chart of
// pulls and pushes per day stacked by robot (one aggregatelogs call per
// robot with performer=, people and anonymous as one more series: the
// org total minus the robots), with a day range picker, and the robots
// unused for 90 days
// (robots?unused_days=90).
import { get, seg } from './api.js';
import { field, fmtDate, h, replace } from './dom.js';
import { dayKeys, usageChart } from './chart.js';
import { lastUsed, shortName } from './robots.js';

export const key = 'logs';
export const title = (ctx) => `${ctx.org} usage`;

const KINDS = ['pull_repo', 'push_repo', 'pull_repo_failed', 'push_repo_failed', 'login_failure',
  'create_robot', 'delete_robot', 'regenerate_robot_token', 'create_repo', 'delete_repo',
  'delete_tag', 'change_repo_permission'];
const UNUSED_DAYS = 90;
const CHART_MAX_DAYS = 31; // the aggregate API's span

const isoDay = (t) => new Date(t).toISOString().slice(0, 10);

function entryRow(e) {
  const md = e.metadata || {};
  const repo = md.repo ? `${md.namespace ? `${md.namespace}/` : ''}${md.repo}` : '';
  const who = e.performer ? e.performer.name : '';
  return h('tr', { 'data-kind': e.kind, 'data-performer': who },
    h('td', {}, fmtDate(e.datetime) || ''),
    h('td', {}, h('code', {}, e.kind)),
    h('td', {}, who ? [who, e.performer.is_robot ? [' ', h('span', { class: 'badge' }, 'robot')] : null]
                    : h('span', { class: 'muted' }, 'anonymous')),
    h('td', {}, repo, md.tag ? [':', md.tag] : ''),
    h('td', {}, e.ip || ''));
}

export const PEOPLE = 'people & anonymous';

// aggregatelogs answer -> {day: {pull, push}}
function dayCounts(agg) {
  const counts = {};
  for (const a of agg.aggregated || []) {
    const k = a.kind === 'pull_repo' ? 'pull' : a.kind === 'push_repo' ? 'push' : null;
    if (!k) continue;
    const d = isoDay(a.datetime);
    counts[d] = counts[d] || { pull: 0, push: 0 };
    counts[d][k] += a.count;
  }
  return counts;
}

// One series per robot (performer=) and, with people, the rest of the
// org's total (people and anonymous pulls) as one more series.
async function chartSeries(ctx, robots, start, end, people) {
  const agg = (q) => get(`/api/v1/organization/${seg(ctx.org)}/aggregatelogs`,
    { starttime: start, endtime: end, ...q }).catch(() => ({ aggregated: [] }));
  const [all, ...each] = await Promise.all([people ? agg({}) : null,
    ...robots.map((r) => agg({ performer: r.name }))]);
  const series = robots.map((r, i) => ({ robot: r.name, counts: dayCounts(each[i]) }));
  if (!people) return series;
  const rest = dayCounts(all);
  for (const sr of series)
    for (const [d, c] of Object.entries(sr.counts))
      if (rest[d]) for (const k of ['pull', 'push']) rest[d][k] = Math.max(0, rest[d][k] - c[k]);
  for (const d of Object.keys(rest)) if (!rest[d].pull && !rest[d].push) delete rest[d];
  return [...series, { robot: PEOPLE, people: true, counts: rest }];
}

function unusedPanel(ctx, unused) {
  return h('section', { class: 'card', id: 'unused', 'aria-labelledby': 'unused-h' },
    h('h2', { id: 'unused-h' }, `Robots unused for ${UNUSED_DAYS} days`),
    unused.length ? [h('p', { class: 'muted' }, 'Credentials nobody uses are risk without benefit: ' +
        'disable or delete them.'),
      h('ul', { class: 'plain' }, unused.map((r) => h('li', { 'data-robot': r.name },
        h('a', { href: `#/org/${seg(ctx.org)}/robots/${seg(shortName(r.name))}` }, r.name), ' — last used ',
        lastUsed(r.last_accessed))))]
      : h('p', { class: 'muted' }, 'Every robot was used within the last 90 days.'));
}

function filterForm(robots, f, onSubmit) {
  const robot = h('select', { name: 'robot' }, h('option', { value: '' }, 'any'),
    robots.map((r) => h('option', { value: shortName(r.name), selected: f.robot === shortName(r.name) }, r.name)));
  const kind = h('input', { name: 'kind', list: 'log-kinds', value: f.kind, autocomplete: 'off',
                            placeholder: 'pull_repo,push_repo' });
  const repo = h('input', { name: 'repository', value: f.repository, autocomplete: 'off' });
  const ip = h('input', { name: 'ip', value: f.ip, autocomplete: 'off', placeholder: '10.0.0.0/8' });
  const start = h('input', { name: 'starttime', type: 'date', value: f.start, required: true });
  const end = h('input', { name: 'endtime', type: 'date', value: f.end, required: true });
  const form = h('form', { class: 'card filters', 'aria-label': 'Filters' },
    h('datalist', { id: 'log-kinds' }, KINDS.map((k) => h('option', { value: k }))),
    h('div', { class: 'row wrap' }, field('Robot', robot), field('Kind', kind),
      field('Repository', repo), field('IP or CIDR', ip), field('From', start), field('To', end)),
    h('div', { class: 'actions left' }, h('button', { type: 'submit', class: 'primary' }, 'Apply')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    Object.assign(f, { robot: robot.value, kind: kind.value.trim(), repository: repo.value.trim(),
                       ip: ip.value.trim(), start: start.value, end: end.value });
    onSubmit();
  });
  return form;
}

export async function render(main, ctx) {
  const today = Date.now();
  const f = { robot: '', kind: '', repository: '', ip: '', start: isoDay(today - 13 * 86400000),
              end: isoDay(today) };
  const [list, unused] = await Promise.all([
    get(`/api/v1/organization/${seg(ctx.org)}/robots`, { token: 'false' }),
    get(`/api/v1/organization/${seg(ctx.org)}/robots`, { token: 'false', unused_days: UNUSED_DAYS })
      .catch(() => ({ robots: [] })),
  ]);
  const robots = list.robots || [];
  const chartBox = h('section', { class: 'card', 'aria-labelledby': 'chart-h' },
    h('h2', { id: 'chart-h' }, 'Pulls and pushes per day'));
  let form = null;
  // the day range picker: the last N days, for the chart and the log alike
  const range = h('select', { id: 'chart-range' }, h('option', { value: '' }, 'the filter\u2019s dates'),
    [7, 14, 31].map((n) => h('option', { value: String(n) }, `last ${n} days`)));
  range.addEventListener('change', () => {
    if (!range.value) return;
    Object.assign(f, { start: isoDay(Date.now() - (Number(range.value) - 1) * 86400000),
                       end: isoDay(Date.now()) });
    form.elements.starttime.value = f.start;
    form.elements.endtime.value = f.end;
    reload();
  });
  const rangeField = field('Days shown', range);
  const logBox = h('section', { class: 'card', 'aria-labelledby': 'log-h' });

  const loadChart = async () => {
    let start = f.start;
    const days = dayKeys(start, f.end);
    if (days.length > CHART_MAX_DAYS) start = days[days.length - CHART_MAX_DAYS];
    const shown = f.robot ? robots.filter((r) => shortName(r.name) === f.robot) : robots;
    const series = (await chartSeries(ctx, shown, start, f.end, !f.robot))
      .filter((sr) => Object.keys(sr.counts).length);
    replace(chartBox, h('div', { class: 'chartbar' }, h('h2', { id: 'chart-h' }, 'Pulls and pushes per day'),
      rangeField),
      series.length ? usageChart(dayKeys(start, f.end), series)
                    : h('p', { class: 'muted', id: 'chart-empty' }, 'Nothing was pulled or pushed in this period.'),
      start !== f.start ? h('p', { class: 'muted' }, `The chart shows the last ${CHART_MAX_DAYS} days of the range.`) : null);
  };
  const loadLog = async () => {
    const tbody = h('tbody', {});
    const more = h('button', { type: 'button', hidden: true }, 'Load more');
    const status = h('p', { class: 'muted', role: 'status' });
    let next = null;
    const page = async () => {
      const q = { starttime: f.start, endtime: f.end, robot: f.robot, kind: f.kind,
                  repository: f.repository, ip: f.ip, next_page: next };
      try {
        const res = await get(`/api/v1/organization/${seg(ctx.org)}/logs`, q);
        tbody.append(...(res.logs || []).map(entryRow));
        next = res.next_page || null;
        more.hidden = !next;
        replace(status, tbody.children.length ? '' : 'No entries match.');
      } catch (e) {
        replace(status, h('span', { class: 'msg error' }, e.message));
      }
    };
    more.addEventListener('click', page);
    replace(logBox, h('h2', { id: 'log-h' }, 'Audit log'),
      h('div', { class: 'scroll' }, h('table', { class: 'grid compact', id: 'log' },
        h('thead', {}, h('tr', {}, ['Time', 'Kind', 'Performer', 'Repository', 'IP'].map((c) =>
          h('th', { scope: 'col' }, c)))), tbody)), status, more);
    await page();
  };
  const reload = () => Promise.all([loadChart(), loadLog()]);
  form = filterForm(robots, f, () => { range.value = ''; reload(); });
  replace(main, h('h1', {}, `${ctx.org}: usage & audit log`),
    form, chartBox, unusedPanel(ctx, unused.robots || []), logBox);
  await reload();
}
