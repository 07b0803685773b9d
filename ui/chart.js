// The usage chart: pulls and pushes per UTC day, stacked by robot, drawn
// as SVG elements (no library, no inline style: colours come from classes
// and attributes, which the CSP allows). Each bar segment carries
// data-robot/-kind/-day/-count and a <title> tooltip.
import { h, s } from './dom.js';

const PALETTE = ['#1d4e89', '#d1495b', '#2a9d8f', '#e9a23b', '#6a4c93', '#3d405b', '#8ab17d',
                 '#b5838d'];
const KINDS = [['pull_repo', 'pull'], ['push_repo', 'push']];

// UTC day keys ("YYYY-MM-DD") from start to end inclusive.
export function dayKeys(start, end) {
  const out = [];
  for (let t = Date.parse(`${start}T00:00:00Z`); t <= Date.parse(`${end}T00:00:00Z`); t += 86400000)
    out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

// series: [{robot, counts: {day: {pull, push}}}]
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
    s('desc', { id: 'chart-desc' }, `${days[0]} to ${days[days.length - 1]}; the left bar of each day counts pulls, the right bar pushes.`));
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
          fill: PALETTE[si % PALETTE.length], class: `bar ${k}`,
          'data-robot': sr.robot, 'data-kind': k, 'data-day': d, 'data-count': String(n) },
        s('title', {}, `${sr.robot}: ${n} ${k}${n === 1 ? '' : 's'} on ${d}`)));
      });
    });
  });
  svg.append(s('line', { x1: left, x2: W - 10, y1: y(0), y2: y(0), class: 'baseline' }));
  const legend = h('ul', { class: 'legend' },
    series.map((sr, si) => h('li', {}, h('span', { class: 'swatch', 'data-color': String(si % PALETTE.length) }), sr.robot)),
    h('li', { class: 'muted' }, 'left bar: pulls · right bar (outlined): pushes'));
  // CSP forbids style attributes: swatch colours are SVG fills
  legend.querySelectorAll('.swatch').forEach((el) => {
    const c = PALETTE[Number(el.dataset.color)];
    el.replaceWith(s('svg', { width: 12, height: 12, class: 'swatch', 'aria-hidden': 'true' },
      s('rect', { width: 12, height: 12, fill: c })));
  });
  return h('figure', { class: 'chartbox' }, svg, h('figcaption', {}, legend));
}
