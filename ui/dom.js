// DOM helpers. Every piece of data reaches the page as a text node or an
// attribute value set through the DOM: there is no innerHTML anywhere in
// the UI, so a robot description like "<script>" is shown, never run.

const SVG_NS = 'http://www.w3.org/2000/svg';

function apply(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'class') {
      el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    } else if (k === 'value' && 'value' in el) {
      el.value = v;
    } else if (k === 'checked' || k === 'selected' || k === 'disabled') {
      el[k] = Boolean(v);
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// h('button', {class: 'primary', onclick: fn}, 'Save') -> <button>
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  apply(el, attrs);
  append(el, children);
  return el;
}

// The same for SVG elements (the usage chart).
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  apply(el, attrs);
  append(el, children);
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

export function replace(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// Quay's dates ("Thu, 04 Dec 2026 10:00:00 -0000", RFC 2822) as a Date
// without relying on Date's implementation-defined parsing of non-ISO
// strings; anything else (an ISO date) is returned as is, for fmtDate.
export function parseApiDate(v) {
  const m = /^(?:[A-Z][a-z]{2}, )?(\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) (\d\d):(\d\d)(?::(\d\d))? ([+-])(\d\d)(\d\d)$/
    .exec(String(v).trim());
  const mon = m ? MONTHS.indexOf(m[2]) : -1;
  if (mon < 0) return v;
  const off = (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9])) * 60000;
  return new Date(Date.UTC(Number(m[3]), mon, Number(m[1]), Number(m[4]), Number(m[5]),
                           Number(m[6] || 0)) - off);
}

// A date of the API (Quay's RFC 2822 form or ISO 8601) as local "YYYY-MM-DD HH:MM".
export function fmtDate(v) {
  if (!v) return null;
  const d = new Date(v instanceof Date ? v : parseApiDate(v));
  if (Number.isNaN(d.getTime())) return String(v);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
         `${p(d.getHours())}:${p(d.getMinutes())}`;
}

// "3 days ago" / "in 5 days" for a date, for badges and tooltips.
export function relDays(v, now = Date.now()) {
  const t = new Date(v).getTime();
  if (Number.isNaN(t)) return '';
  const diff = t - now, abs = Math.abs(diff);
  if (abs < 86400000) {
    const [n, unit] = abs < 3600000 ? [Math.max(1, Math.round(abs / 60000)), 'minute']
                                    : [Math.round(abs / 3600000), 'hour'];
    const txt = `${n} ${unit}${n === 1 ? '' : 's'}`;
    return diff >= 0 ? `in ${txt}` : `${txt} ago`;
  }
  const days = Math.round(diff / 86400000);
  return days > 0 ? `in ${days} day${days === 1 ? '' : 's'}`
                  : `${-days} day${days === -1 ? '' : 's'} ago`;
}

// A labelled form field: <div class=field><label for>…</label>control hint</div>.
let fieldSeq = 0;
export function field(label, control, hint) {
  const id = control.id || `f${++fieldSeq}`;
  control.id = id;
  const parts = [h('label', { for: id }, label), control];
  if (hint) {
    hint.id = hint.id || `${id}-hint`;
    control.setAttribute('aria-describedby', hint.id);
    parts.push(hint);
  }
  return h('div', { class: 'field' }, parts);
}

// Copies text to the clipboard; falls back to a selected textarea.
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const ta = h('textarea', { class: 'offscreen', 'aria-hidden': 'true' });
    ta.value = text;
    document.body.append(ta);
    ta.select();
    const ok = document.execCommand('copy');
    ta.remove();
    return ok;
  }
}

// Offers text as a file download (a blob: URL, no server round trip).
export function download(filename, text, type = 'text/plain') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: filename, class: 'offscreen' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
