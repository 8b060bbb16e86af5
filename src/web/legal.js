// Legal review (法制审核): confirmed cases waiting for the legal reviewer, each with its facts,
// evidence stills, party and the discretion rows of its violation code; approve with a row and
// a fine inside its range, or return with a reason. The server enforces every rule.
import { api, boot, can, el } from './app.js';
import { actorName, addStrings, applyI18n, fmtTime, t } from './i18n.js';

addStrings({
  zh: {
    legalQueue: '法制审核', legal_pending: '待审核', legal_returned: '已退回', legal_approved: '已通过', partyOfCase: '当事人', discretion: '裁量基准',
    proposedFine: '拟罚款 (元)', note: '说明', approve: '审核通过', returnReason: '退回理由', returnCase: '退回', circumstance: '情节', penalty: '处罚',
    fineRange: '罚款幅度 (元)', legalBasis: '法律依据', sampleNote: '标有【示例】的裁量基准为示例数据，须由本局法制部门替换。',
    repeatCount: '{days} 天内第 {n} 次违法',
    permit_valid: '许可证有效', permit_expired: '许可证已过期', permit_missing: '无运输许可证', permit_not_yet_valid: '许可证未生效',
    noPartyWarning: '未关联当事人：审核通过后告知书的当事人将写作“未知（待确认）”，重复违法的裁量基准也无从核实。请由队员在案件审核页（当事人一栏）关联当事人，或退回队员。', approved: '已审核通过', returned: '已退回队员', pickRow: '请选择一条裁量基准', emptyQueue: '没有案件',
    documents: '法律文书', downloadPdf: '下载 PDF（已签章）', reviewNote: '审核说明',
  },
  en: {
    legalQueue: 'Legal review', legal_pending: 'Pending', legal_returned: 'Returned', legal_approved: 'Approved', partyOfCase: 'Party', discretion: 'Discretion standard',
    proposedFine: 'Proposed fine (yuan)', note: 'Note', approve: 'Approve', returnReason: 'Reason for return', returnCase: 'Return', circumstance: 'Circumstance',
    penalty: 'Penalty', fineRange: 'Fine range (yuan)', legalBasis: 'Legal basis', sampleNote: 'Rows marked 【示例】 are sample data for the bureau\'s legal department to replace.',
    repeatCount: 'violation no. {n} within {days} days', permit_valid: 'permit valid', permit_expired: 'permit expired', permit_missing: 'no transport permit',
    permit_not_yet_valid: 'permit not yet valid', noPartyWarning: 'No party linked: an approval now issues the notice to "unknown (to be confirmed)", and a repeat-offence standard cannot be checked. Have an officer link the party on the review page (the Party row), or return the case.', approved: 'Approved', returned: 'Returned to the officer',
    pickRow: 'Pick a row of the discretion standard', emptyQueue: 'No cases',
    documents: 'Legal documents', downloadPdf: 'Download PDF (signed)', reviewNote: 'Review note',
  },
});

const me = await boot();
if (!can(me, 'legal:review')) {
  document.querySelector('main').replaceChildren(el('p', { class: 'notfound', id: 'forbidden' }, t('forbidden')));
  document.body.dataset.ready = '1';
  throw new Error('legal:review required');
}
applyI18n();
const cameras = new Map((await api('/api/cameras').catch(() => ({ items: [] }))).items.map((c) => [c.id, c]));
let tab = new URLSearchParams(location.search).get('tab') ?? 'pending';
let current = null;

async function loadQueue() {
  document.getElementById('tabs').replaceChildren(...['pending', 'returned', 'approved'].map((k) =>
    el('a', { href: `?tab=${k}`, class: k === tab ? 'on' : '', dataset: { tab: k }, onclick: (e) => { e.preventDefault(); tab = k; void loadQueue(); } }, t(`legal_${k}`))));
  const { items } = await api(`/api/legal/queue?state=${tab}`);
  document.getElementById('queue').replaceChildren(...(items.length ? items.map(({ case: c }) =>
    el('tr', { class: 'pick', dataset: { case: c.id }, onclick: () => open(c) },
      el('td', {}, t(`cat_${c.category}`)), el('td', {}, placeOf(c)), el('td', {}, `${c.district} · ${c.street}`), el('td', {}, fmtTime(c.openedAt))))
    : [el('tr', {}, el('td', { class: 'meta' }, t('emptyQueue')))]));
}

/** Where, by the camera's and (when known) the zone's names; the raw ids only as a tooltip. */
function placeOf(c, zones = []) {
  const z = zones.find((x) => x.id === c.zoneId);
  return el('span', { class: 'place', title: `${c.cameraId} / ${c.zoneId}` },
    [cameras.get(c.cameraId)?.name ?? c.cameraId, z && (z.name ?? t(`zone_${z.type}`))].filter(Boolean).join(' · '));
}

/**
 * The last decision, with who and when. The server keeps an approval's note in the same field
 * as a return's reason: only a return's reads 退回理由 (also on a pending case, which can carry
 * one only from a return before its resubmission).
 */
function decisionView(r) {
  const by = [r.reviewer && actorName(r.reviewer), r.decidedAt && fmtTime(r.decidedAt)].filter(Boolean).join(' · ');
  if (r.state === 'approved') {
    return [el('p', { class: 'meta', id: 'decided-by' }, `${t('legal_approved')}${by ? ` · ${by}` : ''}`),
      r.reason ? el('p', { id: 'review-note' }, `${t('reviewNote')}: ${r.reason}`) : ''];
  }
  return r.reason ? [el('p', { class: 'permit-expired', id: 'last-reason' }, `${t('returnReason')}: ${r.reason}`, by ? el('span', { class: 'meta' }, ` · ${by}`) : '')] : [];
}

function partyView(p) {
  // An approval issues the notice of violation: without a party it names nobody ("未知（待确认）").
  if (!p || !p.party) return el('div', {}, el('p', { id: 'party-name' }, `${t('noParty')}${p ? ` · ${t(`link_${p.link}`)}` : ''}${p?.plate ? ` · ${p.plate}` : ''}`),
    el('p', { class: 'permit-expired', id: 'no-party-warning' }, t('noPartyWarning')));
  const x = p.party;
  return el('div', {},
    el('p', { id: 'party-name' }, el('strong', {}, x.name), ` · ${t(`link_${p.link}`)}`, p.plate ? ` · ${p.plate}` : ''),
    el('p', { class: 'meta' }, [x.licenceNo, x.address, x.contactPhone].filter(Boolean).join(' · ')),
    p.permitStatus ? el('p', { class: `permit-${p.permitStatus}`, id: 'permit' }, `${x.permitNo ?? ''} ${t(`permit_${p.permitStatus}`)}`) : '',
    el('p', { id: 'repeat' }, t('repeatCount', { n: p.repeatCount + 1, days: p.repeatWindowDays })));
}

async function open(c, keepMsg = false) {
  current = c;
  document.getElementById('detail').hidden = false;
  if (!keepMsg) document.getElementById('msg').textContent = '';
  document.getElementById('detail-title').textContent = `${t(`cat_${c.category}`)} · ${c.district} ${c.street}`;
  const [legal, party, ev, docs, { zones }] = await Promise.all([
    api(`/api/cases/${c.id}/legal`),
    api(`/api/cases/${c.id}/party`).catch(() => null),
    api(`/api/cases/${c.id}/evidence`).catch(() => ({ files: [] })),
    api(`/api/cases/${c.id}/documents`).catch(() => ({ items: [] })),
    api(`/api/cameras/${encodeURIComponent(c.cameraId)}/zones`).catch(() => ({ zones: [] })),
  ]);
  // The signed notice issued by the approval.
  document.getElementById('documents').replaceChildren(...(docs.items.length ? [el('h3', {}, t('documents')), ...docs.items.map((d) =>
    el('p', { class: 'document', dataset: { doc: d.id } }, `${d.title} ${d.docNo} · ${fmtTime(d.issuedAt)} · `,
      el('a', { href: d.url, download: '', id: `doc-${d.kind}` }, t('downloadPdf'))))] : []));
  document.getElementById('facts').replaceChildren(el('p', { class: 'meta', id: 'place' }, `${legal.standardCode} · `, placeOf(c, zones), ` · ${fmtTime(c.openedAt)}`),
    ...decisionView(legal.review));
  document.getElementById('stills').replaceChildren(...ev.files.filter((f) => f.kind.startsWith('original:')).slice(0, 3).map((f) =>
    el('figure', { style: 'display:inline-block;margin:0 8px 8px 0' }, el('img', { src: `/api/cases/${c.id}/evidence/view?name=${encodeURIComponent(f.name)}`, width: 240 }),
      el('figcaption', { class: 'meta' }, `${t('original')} · ${t(`role_${f.kind.slice(9)}`)} · SHA-256 ${f.sha256.slice(0, 16)}…`))));
  document.getElementById('party').replaceChildren(partyView(party));
  document.getElementById('sample-note').textContent = legal.discretion.some((d) => d.sample) ? t('sampleNote') : '';
  document.getElementById('discretion').replaceChildren(
    el('tr', {}, el('th', {}, ''), ...['circumstance', 'penalty', 'fineRange', 'legalBasis'].map((k) => el('th', {}, t(k)))),
    ...legal.discretion.map((d) => el('tr', { dataset: { row: d.id } },
      el('td', {}, el('input', { type: 'radio', name: 'row', value: d.id, checked: legal.review.standard?.id === d.id,
        // The range is the server's rule; the field only starts at its lower end.
        onchange: () => { document.getElementById('fine').value = d.fineMin; } })),
      el('td', {}, d.circumstance), el('td', {}, d.penalty), el('td', {}, `${d.fineMin}–${d.fineMax}`), el('td', {}, d.legalBasis))));
  const decided = legal.review.state !== 'pending';
  for (const id of ['approve', 'return']) document.getElementById(id).disabled = decided;
}

const errText = (err) => err.body?.issues?.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') ?? err.message;

document.getElementById('decide').onsubmit = async (e) => {
  e.preventDefault();
  const msg = document.getElementById('msg');
  const row = document.querySelector('#discretion input[name=row]:checked');
  if (!row) { msg.textContent = t('pickRow'); return; }
  try {
    const note = document.getElementById('note').value.trim();
    await api(`/api/cases/${current.id}/legal/approve`, { method: 'POST', body: { standardId: Number(row.value), proposedFine: Number(document.getElementById('fine').value), ...(note ? { note } : {}) } });
    msg.textContent = t('approved');
    await loadQueue();
    await open(current, true);
  } catch (err) { msg.textContent = errText(err); }
};
document.getElementById('return').onclick = async () => {
  const msg = document.getElementById('msg');
  try {
    await api(`/api/cases/${current.id}/legal/return`, { method: 'POST', body: { reason: document.getElementById('reason').value } });
    msg.textContent = t('returned');
    await loadQueue();
    await open(current, true);
  } catch (err) { msg.textContent = errText(err); }
};

await loadQueue();
const want = new URLSearchParams(location.search).get('case');
if (want) document.querySelector(`#queue tr[data-case="${want}"]`)?.click();
document.body.dataset.ready = '1';
