// What the robot pages share: expiry badges and the robot-name helpers.
import { h, fmtDate, relDays } from './dom.js';

export const SOON_DAYS = 14; // the API's expires_soon window

// "acme+ci" -> "ci"
export const shortName = (full) => full.slice(full.indexOf('+') + 1);

// A badge for a robot's (or token's) expiry: never / expired / soon / date.
export function expiryBadge(expiresAt, soonFlag) {
  if (!expiresAt) return h('span', { class: 'badge', 'data-expiry': 'never' }, 'no expiry');
  const t = new Date(expiresAt).getTime();
  const when = `${fmtDate(expiresAt)} (${relDays(expiresAt)})`;
  if (t <= Date.now())
    return h('span', { class: 'badge bad', 'data-expiry': 'expired', title: when }, 'expired');
  const soon = soonFlag ?? (t - Date.now() < SOON_DAYS * 86400000);
  if (soon)
    return h('span', { class: 'badge warn', 'data-expiry': 'soon', title: when },
      `⚠ expires ${relDays(expiresAt)}`);
  return h('span', { class: 'badge', 'data-expiry': 'later', title: when },
    `expires ${fmtDate(expiresAt).slice(0, 10)}`);
}

export function lastUsed(v) {
  return v ? h('span', { title: fmtDate(v) }, relDays(v))
           : h('span', { class: 'muted' }, 'never');
}
