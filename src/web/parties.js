// Enforcement targets (执法对象): search the registry, edit a party (its frontage zones and
// vehicles too), import a CSV/XLSX register and see each bad row. The server checks every request.
import { api, boot, can, el } from './app.js';
import { addStrings, applyI18n, t } from './i18n.js';

addStrings({
  zh: {
    partiesTitle: '执法对象', partySearchHint: '名称、信用代码、许可证号、地址或车牌', search: '查询', partyNew: '新建', partyEdit: '编辑执法对象',
    partyImport: '批量导入 (CSV / XLSX)', dryRun: '仅校验，不写入', importRun: '导入', allKinds: '全部类型',
    kind_shop: '沿街商户', kind_transport_company: '渣土运输企业', kind_construction_site: '建筑工地', kind_other: '其他',
    p_kind: '类型', p_name: '名称', p_licenceNo: '统一社会信用代码', p_permitNo: '运输许可证号', p_permitValidFrom: '许可证起始日期',
    p_permitValidTo: '许可证有效期至', p_address: '地址', p_contactName: '联系人', p_contactPhone: '联系电话', p_district: '区', p_street: '街道',
    p_note: '备注', p_frontages: '门前区域 (摄像机:区域，分号分隔)', p_plates: '车辆车牌 (分号分隔)', p_permit: '许可证',
    partiesCount: '共 {n} 个', saved: '已保存', deleted: '已删除', del: '删除', save: '保存', confirmDelete: '确定删除该执法对象？',
    importDone: '共 {rows} 行：新建 {created}，更新 {updated}，错误 {errors}', importDry: '（仅校验，未写入）', row: '行', field: '字段', problem: '问题',
    importColumns: '表头：类型, 名称, 统一社会信用代码, 许可证号, 许可证起始日期, 许可证有效期至, 地址, 联系人, 联系电话, 区, 街道, 备注, 门前区域, 车牌',
    permit_valid: '有效', permit_expired: '已过期', permit_missing: '无许可证', permit_not_yet_valid: '未生效',
  },
  en: {
    partiesTitle: 'Enforcement targets', partySearchHint: 'Name, licence, permit number, address or plate', search: 'Search', partyNew: 'New',
    partyEdit: 'Edit target', partyImport: 'Import (CSV / XLSX)', dryRun: 'Validate only', importRun: 'Import', allKinds: 'All kinds',
    kind_shop: 'Street shop', kind_transport_company: 'Transport company', kind_construction_site: 'Construction site', kind_other: 'Other',
    p_kind: 'Kind', p_name: 'Name', p_licenceNo: 'Licence no.', p_permitNo: 'Transport permit', p_permitValidFrom: 'Permit from',
    p_permitValidTo: 'Permit valid to', p_address: 'Address', p_contactName: 'Contact', p_contactPhone: 'Phone', p_district: 'District',
    p_street: 'Street', p_note: 'Note', p_frontages: 'Frontage zones (camera:zone; …)', p_plates: 'Vehicle plates (; separated)', p_permit: 'Permit',
    partiesCount: '{n} found', saved: 'Saved', deleted: 'Deleted', del: 'Delete', save: 'Save', confirmDelete: 'Delete this target?',
    importDone: '{rows} rows: {created} created, {updated} updated, {errors} errors', importDry: '(validated only, nothing written)',
    row: 'Row', field: 'Field', problem: 'Problem',
    importColumns: 'Headers: kind, name, licence_no, permit_no, permit_valid_from, permit_valid_to, address, contact_name, contact_phone, district, street, note, frontages, plates',
    permit_valid: 'valid', permit_expired: 'expired', permit_missing: 'no permit', permit_not_yet_valid: 'not yet valid',
  },
});

const KINDS = ['shop', 'transport_company', 'construction_site', 'other'];
const FIELDS = ['kind', 'name', 'licenceNo', 'permitNo', 'permitValidFrom', 'permitValidTo', 'address', 'contactName', 'contactPhone', 'district', 'street', 'note', 'frontages', 'plates'];
const me = await boot();
const writer = can(me, 'parties:write');
for (const e of document.querySelectorAll('.writer')) if (!writer) e.remove();
applyI18n();
document.getElementById('import-columns')?.replaceChildren(t('importColumns'));

const kindSel = document.getElementById('kind');
kindSel.replaceChildren(el('option', { value: '' }, t('allKinds')), ...KINDS.map((k) => el('option', { value: k }, t(`kind_${k}`))));
const errText = (err) => err.body?.issues?.map((i) => `${t(`p_${i.path[0]}`)}: ${i.message}`).join('; ') ?? err.message;
const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
const permitState = (p) => (!p.permitNo ? 'missing' : p.permitValidFrom && today < p.permitValidFrom ? 'not_yet_valid' : p.permitValidTo && today > p.permitValidTo ? 'expired' : 'valid');

async function search() {
  const q = new URLSearchParams({ limit: '200' });
  const text = document.getElementById('q').value.trim();
  if (text) q.set('q', text);
  if (kindSel.value) q.set('kind', kindSel.value);
  const { items, total } = await api(`/api/parties?${q}`);
  document.getElementById('count').textContent = t('partiesCount', { n: total });
  document.getElementById('list').replaceChildren(
    el('tr', {}, ['p_name', 'p_kind', 'p_licenceNo', 'p_permit', 'p_contactPhone', 'p_district', 'p_frontages', 'p_plates'].map((k) => el('th', {}, t(k).replace(/ \(.*\)$/, '')))),
    ...items.map((p) => {
      const permit = p.kind === 'transport_company'
        ? el('span', { class: `permit-${permitState(p)}` }, `${p.permitNo ?? ''} ${p.permitValidTo ? `→ ${p.permitValidTo}` : ''} (${t(`permit_${permitState(p)}`)})`)
        : '';
      return el('tr', { class: 'pick', dataset: { party: p.id }, onclick: () => edit(p) },
        el('td', {}, p.name), el('td', {}, t(`kind_${p.kind}`)), el('td', {}, p.licenceNo ?? ''), el('td', {}, permit),
        el('td', {}, p.contactPhone ?? ''), el('td', {}, [p.district, p.street].filter(Boolean).join(' ')),
        el('td', {}, p.frontages.map((f) => `${f.cameraId}:${f.zoneId}`).join('; ')), el('td', {}, p.plates.join('; ')));
    }));
}

const list = (s) => s.split(/[;；,，\s]+/).map((x) => x.trim()).filter(Boolean);

/** The editor for one party (or a new one when p is undefined). */
function edit(p) {
  if (!writer) return;
  const panel = document.getElementById('editor-panel');
  panel.hidden = false;
  const form = document.getElementById('editor');
  const inputs = {};
  const field = (k) => {
    let input;
    if (k === 'kind') input = el('select', { name: k }, KINDS.map((v) => el('option', { value: v, selected: p?.kind === v }, t(`kind_${v}`))));
    else if (k === 'note') input = el('textarea', { name: k }, p?.note ?? '');
    else {
      const v = k === 'frontages' ? (p?.frontages ?? []).map((f) => `${f.cameraId}:${f.zoneId}`).join('; ') : k === 'plates' ? (p?.plates ?? []).join('; ') : p?.[k] ?? '';
      input = el('input', { name: k, value: v, type: k.startsWith('permitValid') ? 'date' : 'text' });
    }
    inputs[k] = input;
    return el('label', {}, t(`p_${k}`), input);
  };
  const msg = document.getElementById('edit-msg');
  msg.textContent = '';
  form.replaceChildren(...FIELDS.map(field), el('div', {},
    el('button', { type: 'submit', id: 'save' }, t('save')), ' ',
    p ? el('button', { type: 'button', class: 'link', id: 'delete', onclick: () => remove(p) }, t('del')) : ''));
  form.onsubmit = async (e) => {
    e.preventDefault();
    const body = {};
    for (const k of FIELDS) {
      const v = inputs[k].value.trim();
      if (k === 'frontages') body[k] = list(v).map((f) => { const [cameraId, zoneId] = f.split(/[:：]/); return { cameraId, zoneId }; });
      else if (k === 'plates') body[k] = list(v);
      else if (v) body[k] = v;
    }
    try {
      const saved = p
        ? await api(`/api/parties/${p.id}?version=${p.version}`, { method: 'PUT', body })
        : await api('/api/parties', { method: 'POST', body });
      msg.textContent = t('saved');
      p = saved;
      await search();
    } catch (err) { msg.textContent = errText(err); }
  };
  panel.scrollIntoView();
}

async function remove(p) {
  if (!confirm(t('confirmDelete'))) return;
  const msg = document.getElementById('edit-msg');
  try {
    await api(`/api/parties/${p.id}`, { method: 'DELETE' });
    msg.textContent = t('deleted');
    document.getElementById('editor').replaceChildren();
    await search();
  } catch (err) { msg.textContent = errText(err); }
}

async function runImport(e) {
  e.preventDefault();
  const file = document.getElementById('file').files[0];
  const msg = document.getElementById('import-msg');
  if (!file) return;
  const bytes = new Uint8Array(await file.arrayBuffer());
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  try {
    const r = await api('/api/parties/import', { method: 'POST', body: {
      format: /\.xlsx$/i.test(file.name) ? 'xlsx' : 'csv', content: btoa(bin), dryRun: document.getElementById('dry').checked } });
    msg.textContent = `${t('importDone', { rows: r.rows, created: r.created, updated: r.updated, errors: r.errors.length })}${r.dryRun ? ` ${t('importDry')}` : ''}`;
    document.getElementById('import-errors').replaceChildren(...(r.errors.length
      ? [el('tr', {}, el('th', {}, t('row')), el('th', {}, t('field')), el('th', {}, t('problem'))),
        ...r.errors.map((x) => el('tr', { dataset: { row: x.row } }, el('td', {}, x.row), el('td', {}, x.field ? t(`p_${x.field}`) : ''), el('td', {}, x.message)))]
      : []));
    await search();
  } catch (err) {
    msg.textContent = errText(err);
    document.getElementById('import-errors').replaceChildren();
  }
}

document.getElementById('search').onsubmit = (e) => { e.preventDefault(); void search(); };
document.getElementById('new')?.addEventListener('click', () => edit(undefined));
document.getElementById('import')?.addEventListener('submit', runImport);
await search();
document.body.dataset.ready = '1';
