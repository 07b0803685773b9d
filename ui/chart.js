// The usage chart: pulls and pushes per UTC day, stacked by robot (people
// and anonymous pulls as one more series), drawn
// as SVG elements (no library, no inline style: colours come from classes
// and attributes, which the CSP allows). Each bar segment carries
// data-robot/-kind/-day/-count and a <title> tooltip; the same numbers
// are offered as a table (a <details> under the chart) for screen readers
// and for copying.
import { h, s } from './dom.js';

const PALETTE = ['#1d4e89', '#d1495b', '#2a9d8f', '#e9a23b', '#6a4c93', '#3d405b', '#8ab17d',
                 '#b5838d'];
const PEOPLE_COLOR = '#8a94a0'; // people & anonymous: neutral grey, robots get the colours
const color = (sr, si) => (sr.people ? PEOPLE_COLOR : PALETTE[si % PALETTE.length]);
const KINDS = [['pull_repo', 'pull'], ['push_repo', 'push']];

// UTC day keys ("YYYY-MM-DD") from start to end inclusive.
export function dayKeys(start, end) {
  const out = [];
  for (let t = Date.parse(`${start}T00:00:00Z`); t <= Date.parse(`${end}T00:00:00Z`); t += 86400000)
    out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

const plural = (n, w) => `${n} ${w}${n === 1 ? '' : w.endsWith('sh') ? 'es' : 's'}`;

// The chart's numbers as a table: a row per day with any activity.
function dataTable(days, series) {
  const active = days.filter((d) => series.some((sr) => {
    const c = sr.counts[d] || {};
    return c.pull || c.push;
  }));
  return h('details', { class: 'charttable' }, h('summary', {}, 'Show the numbers as a table'),
    h('div', { class: 'scroll' }, h('table', { class: 'grid compact', id: 'usage-table' },
      h('caption', { class: 'offscreen' }, 'Pulls and pushes per day and performer'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Day (UTC)'),
        series.map((sr) => h('th', { scope: 'col' }, sr.robot)))),
      h('tbody', {}, active.map((d) => h('tr', { 'data-day': d }, h('th', { scope: 'row' }, d),
        series.map((sr) => {
          const c = sr.counts[d] || {};
          const parts = [c.pull ? plural(c.pull, 'pull') : '', c.push ? plural(c.push, 'push') : '']
            .filter(Boolean);
          return h('td', { 'data-robot': sr.robot }, parts.length ? parts.join(', ') : '—');
        })))))));
}

// series: [{robot, counts: {day: {pull, push}}, people?}] (robot: the series' name)
export function usageChart(days, series) {
  const W = 720, H = 260, left = 40, bottom = 40, top = 10;
  const plotW = W - left - 10, plotH = H - top - bottom;
  const totals = days.map((d) => KINDS.map(([, k]) =>
    series.reduce((n, sr) => n + ((sr.counts[d] || {})[k] || 0), 0)));
  const max = Math.max(1, ...totals.flat());
  const step = plotW / Math.max(1, days.length);
  const barW = Math.max(2, Math.min(18, step / 2 - 2));
  const y = (v) => top + plotH - (v / max) * plotH;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', id: 'usage-chart',
                         'aria-labelledby': 'chart-title chart-desc' },
    s('title', { id: 'chart-title' }, 'Pulls and pushes per day, stacked by robot'),
    s('desc', { id: 'chart-desc' }, `${days[0]} to ${days[days.length - 1]}; the left bar of each day counts pulls, the right bar pushes. Totals: ` +
      series.map((sr) => {
        const t = Object.values(sr.counts).reduce((a, c) => [a[0] + (c.pull || 0), a[1] + (c.push || 0)], [0, 0]);
        return `${sr.robot} ${plural(t[0], 'pull')} and ${plural(t[1], 'push')}`;
      }).join('; ') + '.'));
  // axis and grid
  const ticks = max <= 5 ? [...Array(max + 1).keys()] : [0, Math.round(max / 2), max];
  for (const v of [...new Set(ticks)]) {
    svg.append(s('line', { x1: left, x2: W - 10, y1: y(v), y2: y(v), class: 'grid' }),
      s('text', { x: left - 6, y: y(v) + 4, class: 'axis', 'text-anchor': 'end' }, String(v)));
  }
  const labelEvery = Math.ceil(days.length / 10);
  days.forEach((d, i) => {
    const x0 = left + i * step + step / 2;
    if ((days.length - 1 - i) % labelEvery === 0) // the last day always labelled
      svg.append(s('text', { x: x0, y: H - bottom + 16, class: 'axis', 'text-anchor': 'middle' },
        d.slice(5)));
    KINDS.forEach(([, k], ki) => {
      let acc = 0;
      const x = ki === 0 ? x0 - barW - 1 : x0 + 1;
      series.forEach((sr, si) => {
        const n = (sr.counts[d] || {})[k] || 0;
        if (!n) return;
        const y1 = y(acc + n), y0 = y(acc);
        acc += n;
        svg.append(s('rect', { x, y: y1, width: barW, height: Math.max(1, y0 - y1),
          fill: color(sr, si), class: `bar ${k}`,
          'data-robot': sr.robot, 'data-series': sr.people ? 'people' : 'robot', 'data-kind': k,
          'data-day': d, 'data-count': String(n) },
        s('title', {}, `${sr.robot}: ${plural(n, k)} on ${d}`)));
      });
    });
  });
  svg.append(s('line', { x1: left, x2: W - 10, y1: y(0), y2: y(0), class: 'baseline' }));
  const legend = h('ul', { class: 'legend' },
    series.map((sr, si) => h('li', {}, h('span', { class: 'swatch', 'data-color': color(sr, si) }), sr.robot)),
    h('li', { class: 'muted' }, 'left bar: pulls · right bar (outlined): pushes'));
  // CSP forbids style attributes: swatch colours are SVG fills
  legend.querySelectorAll('.swatch').forEach((el) => {
    const c = el.dataset.color;
    el.replaceWith(s('svg', { width: 12, height: 12, class: 'swatch', 'aria-hidden': 'true' },
      s('rect', { width: 12, height: 12, fill: c })));
  });
  return h('figure', { class: 'chartbox' }, svg, h('figcaption', {}, legend, dataTable(days, series)));
}
