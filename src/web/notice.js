// The data-security notice (数据安全责任告知): shown after login and whenever the API answers
// 403 `notice_required`; acknowledging it is recorded in the session on the server, then the
// page goes on to where the user was headed.
import { api, el, nextPath } from './app.js';
import { applyI18n, t } from './i18n.js';

applyI18n();
await api('/api/me'); // the session's CSRF token, for the acknowledgement below
const notice = await api('/api/notice');
const next = nextPath();
if (notice.acknowledged) location.replace(next);
document.getElementById('notice-text').replaceChildren(...notice.text.split('\n').map((line) => el('p', {}, line)));
const ack = document.getElementById('ack');
ack.onclick = async () => {
  try {
    await api('/api/notice/ack', { method: 'POST', body: {} });
    location.href = next;
  } catch (err) {
    document.getElementById('err').textContent = err.message;
  }
};
document.getElementById('logout').onclick = async () => {
  await api('/api/logout', { method: 'POST', body: {} });
  location.href = '/login.html';
};
ack.disabled = false;
document.body.dataset.ready = '1';
