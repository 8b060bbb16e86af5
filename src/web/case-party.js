// The review page's 当事人 row: the case's party link, and picking one from the registry.
import { api, el } from './app.js';
import { t } from './i18n.js';

/**
 * The case's party (当事人): linked by zone or plate when the detector knew it, otherwise picked
 * here by an officer from the registry — the legal review and the notice take it from this link.
 * `box()` gives the element to fill, or null once the page shows another case; `editable` adds
 * the registry search (`PUT /api/cases/:id/party`, cases:review + parties:read).
 */
export async function showCaseParty(caseId, box, editable) {
  const link = await api(`/api/cases/${caseId}/party`).catch(() => null);
  const pick = async (partyId) => {
    try {
      await api(`/api/cases/${caseId}/party`, { method: 'PUT', body: { partyId } });
      showCaseParty(caseId, box, editable);
    } catch (err) {
      box()?.append(el('span', { class: 'h-down' }, ` ${t('partyPickFailed')}: ${err.message}`));
    }
  };
  const choice = (x) => el('button', { class: 'link', dataset: { partyResult: x.id }, onclick: () => pick(x.id) },
    `${x.name}${x.licenceNo ? ` · ${x.licenceNo}` : ''}`);
  const shown = link?.party
    ? [el('strong', { id: 'party-name' }, link.party.name), el('span', { class: 'meta' }, ` · ${t(`link_${link.link}`)}${link.plate ? ` · ${link.plate}` : ''}`)]
    : [el('span', { id: 'party-name' }, `${t('noParty')}${link ? ` · ${t(`link_${link.link}`)}` : ''}`)];
  const candidates = !link?.party && link?.candidates?.length ? [el('div', { class: 'meta' }, t('partyCandidates'), ...link.candidates.map(choice))] : [];
  if (!editable) return box()?.replaceChildren(...shown, ...candidates);
  const results = el('div', { class: 'party-results' });
  const search = el('input', { id: 'party-search', type: 'search', placeholder: t('casePartySearch'),
    oninput: async (e) => {
      const q = e.target.value.trim();
      if (!q) return results.replaceChildren();
      const r = await api(`/api/parties?q=${encodeURIComponent(q)}&limit=10`).catch(() => ({ items: [] }));
      if (e.target.value.trim() !== q) return;
      results.replaceChildren(...(r.items.length ? r.items.map(choice) : [el('span', { class: 'meta' }, t('partyNoMatch'))]));
    } });
  const editor = el('div', { hidden: !!link?.party }, search, results);
  const toggle = link?.party ? [el('button', { class: 'link', id: 'party-change', onclick: () => { editor.hidden = false; search.focus(); } }, t('partyChange'))] : [];
  box()?.replaceChildren(...shown, ' ', ...toggle, ...candidates, editor);
}
