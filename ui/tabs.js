// Accessible tabs (WAI-ARIA tabs pattern): arrow keys, Home and End move
// between tabs; panels are built when first shown.
import { h } from './dom.js';

export function tabs(idPrefix, items, selected, onSelect) {
  const list = h('div', { role: 'tablist', class: 'tabs', 'aria-label': 'Formats' });
  const panels = h('div', { class: 'tabpanels' });
  const built = new Map();
  const buttons = items.map((it) => h('button', {
    type: 'button', role: 'tab', id: `${idPrefix}-tab-${it.id}`, 'data-tab': it.id,
    'aria-controls': `${idPrefix}-panel-${it.id}`,
  }, it.label));
  const select = (id, focus) => {
    items.forEach((it, i) => {
      const on = it.id === id;
      buttons[i].setAttribute('aria-selected', String(on));
      buttons[i].tabIndex = on ? 0 : -1;
      if (on && !built.has(id)) {
        const p = h('div', { role: 'tabpanel', id: `${idPrefix}-panel-${id}`,
                             'aria-labelledby': `${idPrefix}-tab-${id}`, tabindex: '0' }, it.panel());
        built.set(id, p);
        panels.append(p);
      }
      if (built.has(it.id)) built.get(it.id).hidden = !on;
      if (on && focus) buttons[i].focus();
    });
    onSelect(id);
  };
  buttons.forEach((b, i) => {
    b.addEventListener('click', () => select(items[i].id));
    b.addEventListener('keydown', (ev) => {
      const n = items.length;
      const to = { ArrowRight: i + 1, ArrowLeft: i - 1 + n, Home: 0, End: n - 1 }[ev.key];
      if (to === undefined) return;
      ev.preventDefault();
      select(items[to % n].id, true);
    });
  });
  list.append(...buttons);
  select(items.some((it) => it.id === selected) ? selected : items[0].id);
  return h('div', { class: 'tabbox' }, list, panels);
}
