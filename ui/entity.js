// A name field that suggests users, the org's robots and teams as you type
// (GET entities/{prefix}?namespace=org&includeTeams=true, Quay's picker):
// an <input list> whose <datalist> is refilled from the answers.
import { get, seg } from './api.js';
import { h, replace } from './dom.js';

let seq = 0;

// kinds: which entities to offer ('user', 'robot', 'team'); extra: names
// known up front (the org's robots, say) offered before anything is typed.
export function entityInput(org, kinds, extra = [], attrs = {}) {
  const listId = `entities-${++seq}`;
  const list = h('datalist', { id: listId }, extra.map((n) => h('option', { value: n })));
  const input = h('input', { list: listId, autocomplete: 'off', spellcheck: 'false',
                             maxlength: '255', ...attrs });
  let last = '', timer = null;
  const lookup = async () => {
    const v = input.value.trim();
    if (!v || v === last || v.length > 255) return;
    last = v;
    try {
      const res = await get(`/api/v1/entities/${seg(v)}`, { namespace: org, includeTeams: 'true' });
      if (input.value.trim() !== v) return; // typed on meanwhile
      const names = (res.results || []).filter((e) => kinds.includes(
        e.kind === 'team' ? 'team' : e.is_robot ? 'robot' : e.kind === 'user' ? 'user' : 'other'))
        .map((e) => e.name);
      replace(list, [...new Set([...names, ...extra])].map((n) => h('option', { value: n })));
    } catch { /* suggestions only: a failed lookup leaves the list as it was */ }
  };
  input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(lookup, 200); });
  return [input, list];
}
