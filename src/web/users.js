// User management (users:manage): people with their role and scope (districts × streets ×
// categories; empty = all; a duty window and a case-date range, none = any time), password reset, disabling; machine API keys (shown once) and
// revocation. Everything goes through the users API; the server checks every request.
import { api, boot, can, el } from './app.js';
import { fmtTime, t } from './i18n.js';

const ROLES = ['admin', 'commander', 'officer', 'auditor'];
const CATEGORIES = ['vending', 'overflow', 'ads', 'spillage', 'parking', 'crowding', 'bicycles', 'materials', 'outside_shop'];
const me = await boot();
if (!can(me, 'users:manage')) {
  document.querySelector('main').replaceChildren(el('p', { class: 'notfound', id: 'forbidden' }, t('forbidden')));
  document.body.dataset.ready = '1';
  throw new Error('users:manage required');
}
const cams = (await api('/api/cameras')).items;
document.getElementById('district-list').replaceChildren(...[...new Set(cams.map((c) => c.district))].map((d) => el('option', { value: d })));
document.getElementById('street-list').replaceChildren(...[...new Set(cams.map((c) => c.street))].map((s) => el('option', { value: s })));

const split = (s) => s.split(/[,，、]/).map((x) => x.trim()).filter(Boolean);
const join = (a) => a.join(', ');
const errText = (err) => (err.status === 403 ? t('forbidden') : err.body?.issues?.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') ?? err.message);

const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7];

/** Duty window (weekday boxes, from/to, Asia/Shanghai) and case dates; read() returns the API's `time` or undefined. */
function timeInputs(time = {}) {
  const duty = time.duty ?? { days: [], from: '', to: '' };
  const days = el('span', { class: 'days' }, WEEKDAYS.map((d) => el('label', {},
    el('input', { type: 'checkbox', name: 'day', value: String(d), checked: duty.days.includes(d) }), t(`day_${d}`))));
  const from = el('input', { type: 'time', name: 'dutyFrom', value: duty.from });
  const to = el('input', { type: 'time', name: 'dutyTo', value: duty.to });
  const casesFrom = el('input', { type: 'date', name: 'casesFrom', value: time.casesFrom ?? '' });
  const casesTo = el('input', { type: 'date', name: 'casesTo', value: time.casesTo ?? '' });
  return {
    cells: [el('td', { class: 'duty' }, days, from, '–', to), el('td', { class: 'case-dates' }, casesFrom, '–', casesTo)],
    read() {
      const picked = [...days.querySelectorAll('input:checked')].map((i) => Number(i.value));
      const out = {
        // No day ticked: no duty window (the server rejects a half-filled one).
        ...(picked.length ? { duty: { days: picked, from: from.value, to: to.value } } : {}),
        ...(casesFrom.value ? { casesFrom: casesFrom.value } : {}),
        ...(casesTo.value ? { casesTo: casesTo.value } : {}),
      };
      return Object.keys(out).length ? out : undefined;
    },
  };
}

/** Inputs for role and scope; read() returns {role, scope}. */
function roleScope(v = { role: 'officer', scope: { districts: [], streets: [], categories: [] } }) {
  const role = el('select', { name: 'role' }, ROLES.map((r) => el('option', { value: r, selected: r === v.role }, t(`role_${r}`))));
  const districts = el('input', { name: 'districts', list: 'district-list', value: join(v.scope.districts), placeholder: t('all') });
  const streets = el('input', { name: 'streets', list: 'street-list', value: join(v.scope.streets), placeholder: t('all') });
  const cats = el('span', { class: 'cats' }, CATEGORIES.map((c) => el('label', {},
    el('input', { type: 'checkbox', name: 'cat', value: c, checked: v.scope.categories.includes(c) }), t(`cat_${c}`))));
  const time = timeInputs(v.scope.time);
  return {
    cells: [el('td', {}, role), el('td', {}, districts), el('td', {}, streets), el('td', {}, cats), ...time.cells],
    read: () => ({ role: role.value, scope: {
      districts: split(districts.value), streets: split(streets.value), categories: [...cats.querySelectorAll('input:checked')].map((i) => i.value),
      time: time.read(),
    } }),
  };
}

const dutyText = (d) => (d ? `${d.days.map((n) => t(`day_${n}`)).join('、')} ${d.from}–${d.to}` : t('anyTime'));
const HEAD = ['username', 'displayName', 'role', 'districts', 'streets', 'categories', 'duty', 'caseDates'];

async function loadUsers() {
  const { items } = await api('/api/users');
  document.getElementById('users').replaceChildren(
    el('tr', {}, [...HEAD, 'disabled', ''].map((k) => el('th', {}, k ? t(k) : ''))),
    ...items.map((u) => {
      const name = el('input', { value: u.displayName });
      const rs = roleScope(u);
      const off = el('input', { type: 'checkbox', checked: u.disabled });
      const msg = el('span', { class: 'meta' });
      const save = async () => {
        try {
          await api(`/api/users/${u.id}`, { method: 'PATCH', body: { displayName: name.value, ...rs.read(), disabled: off.checked } });
          msg.textContent = t('saved');
        } catch (err) { msg.textContent = errText(err); }
      };
      const reset = async () => {
        const pw = prompt(t('newPassword'));
        if (!pw) return;
        try {
          await api(`/api/users/${u.id}/password`, { method: 'POST', body: { password: pw } });
          msg.textContent = t('saved');
        } catch (err) { msg.textContent = errText(err); }
      };
      return el('tr', { dataset: { user: u.username } }, el('td', {}, u.username), el('td', {}, name), ...rs.cells, el('td', {}, off),
        el('td', {}, el('button', { class: 'save', onclick: save }, t('save')), ' ', el('button', { class: 'link reset', onclick: reset }, t('resetPassword')), ' ', msg));
    }));
}

function newUserForm() {
  const f = document.getElementById('new-user');
  const username = el('input', { name: 'username', required: true, placeholder: t('username') });
  const displayName = el('input', { name: 'displayName', required: true, placeholder: t('displayName') });
  const password = el('input', { name: 'password', type: 'password', required: true, minlength: 10, autocomplete: 'new-password', placeholder: t('newPassword') });
  const rs = roleScope();
  f.replaceChildren(el('table', {}, el('tr', {}, el('td', {}, username), el('td', {}, displayName), el('td', {}, password), ...rs.cells,
    el('td', {}, el('button', { type: 'submit' }, t('create'))))));
  f.onsubmit = async (e) => {
    e.preventDefault();
    const msg = document.getElementById('user-msg');
    try {
      await api('/api/users', { method: 'POST', body: { username: username.value, displayName: displayName.value, password: password.value, ...rs.read() } });
      msg.textContent = `${t('created')}: ${username.value}`;
      f.reset();
      await loadUsers();
    } catch (err) { msg.textContent = errText(err); }
  };
}

async function loadKeys() {
  const { items } = await api('/api/api-keys');
  document.getElementById('keys').replaceChildren(
    el('tr', {}, ['name', 'role', 'districts', 'streets', 'categories', 'duty', 'caseDates', 'time', ''].map((k) => el('th', {}, k ? t(k) : ''))),
    ...items.map((k) => el('tr', { dataset: { key: k.name }, class: k.revokedAt ? 'revoked' : '' },
      el('td', {}, k.name), el('td', {}, t(`role_${k.role}`)),
      el('td', {}, join(k.scope.districts) || t('all')), el('td', {}, join(k.scope.streets) || t('all')),
      el('td', {}, k.scope.categories.map((c) => t(`cat_${c}`)).join('、') || t('all')),
      el('td', {}, dutyText(k.scope.time?.duty)),
      el('td', {}, k.scope.time?.casesFrom || k.scope.time?.casesTo ? `${k.scope.time.casesFrom ?? ''}–${k.scope.time.casesTo ?? ''}` : t('all')),
      el('td', { class: 'meta' }, fmtTime(k.createdAt)),
      el('td', {}, k.revokedAt ? el('span', { class: 'meta' }, `${t('revoke')} · ${fmtTime(k.revokedAt)}`)
        : el('button', { class: 'bad revoke', onclick: async () => { await api(`/api/api-keys/${k.id}`, { method: 'DELETE' }); await loadKeys(); } }, t('revoke'))))));
}

function newKeyForm() {
  const f = document.getElementById('new-key');
  const name = el('input', { name: 'name', required: true, placeholder: t('name') });
  const rs = roleScope();
  f.replaceChildren(el('table', {}, el('tr', {}, el('td', {}, name), ...rs.cells, el('td', {}, el('button', { type: 'submit' }, t('create'))))));
  f.onsubmit = async (e) => {
    e.preventDefault();
    const msg = document.getElementById('key-msg');
    try {
      const { key } = await api('/api/api-keys', { method: 'POST', body: { name: name.value, ...rs.read() } });
      msg.replaceChildren(t('keyOnce'), ' ', el('code', { id: 'new-key-value' }, key));
      f.reset();
      await loadKeys();
    } catch (err) { msg.textContent = errText(err); }
  };
}

newUserForm();
newKeyForm();
await Promise.all([loadUsers(), loadKeys()]);
document.body.dataset.ready = '1';
