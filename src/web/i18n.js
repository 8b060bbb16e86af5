// Simplified Chinese by default; English on request (the choice is kept in localStorage).
const zh = {
  app: '慧眼 · 城管非现场执法', login: '登录', logout: '退出', username: '用户名', password: '密码',
  loginFailed: '用户名或密码错误', tooMany: '尝试次数过多，请稍后再试',
  navCentre: '指挥中心', navReview: '案件审核', navCameras: '监控墙', navZones: '区域编辑', navDocs: '接口文档',
  liveAlerts: '实时告警', cameraHealth: '设备状态', byType: '按类型', byDistrict: '按辖区', byHour: '按时段 (小时)',
  precision: '审核准确率', noAlerts: '暂无告警', pending: '待审核列表', original: '原始图像', annotated: '标注图像',
  clip: '视频片段', confirm: '确认违规', reject: '驳回', reason: '驳回原因', history: '处理记录', evidence: '证据',
  shortcuts: '快捷键：C 确认 · R 驳回 · 1–4 选择原因 · J/K 上一条/下一条 · Z 放大', selectCase: '请选择左侧案件',
  camera: '摄像机', district: '辖区', street: '街道', state: '状态', score: '置信度', time: '时间', type: '类型',
  live: '实时', snapshot: '快照', zones: '区域', save: '保存', addZone: '新建区域', deleteZone: '删除', saved: '已保存',
  drawHint: '在画面上单击添加顶点，双击或按回车结束多边形', zoneId: '区域编号', zoneName: '名称', zoneType: '类型',
  verified: '证据完整', notVerified: '证据校验失败', lang: 'English', viewer: '查看人', noCameras: '无可见摄像机',
  health_live: '在线', health_connecting: '连接中', health_stalled: '卡顿', health_down: '离线', health_stopped: '停止',
  health_unknown: '未知', health_disabled: '停用', cancel: '取消', done: '完成', total: '合计', auditTrail: '审计记录',
  state_new: '新发现', state_pending_review: '待审核', state_confirmed: '已确认', state_dispatched: '已派单',
  state_resolved: '已办结', state_rejected: '已驳回',
  cat_vending: '占道经营', cat_overflow: '垃圾满溢', cat_ads: '违规广告', cat_spillage: '渣土车遗撒',
  reason_not_violation: '非违规行为', reason_duplicate: '重复上报', reason_wrong_type: '类型识别错误', reason_image_unusable: '图像不可用',
  'zone_no-vending': '禁止设摊区', 'zone_bin-point': '垃圾投放点', 'zone_protected-surface': '保护墙面', zone_road: '道路',
};
const en = {
  app: 'Huiyan · non-site enforcement', login: 'Log in', logout: 'Log out', username: 'Username', password: 'Password',
  loginFailed: 'Wrong username or password', tooMany: 'Too many attempts, try again later',
  navCentre: 'Command centre', navReview: 'Review', navCameras: 'Camera wall', navZones: 'Zone editor', navDocs: 'API docs',
  liveAlerts: 'Live alerts', cameraHealth: 'Camera health', byType: 'By type', byDistrict: 'By district', byHour: 'By hour',
  precision: 'Precision from verdicts', noAlerts: 'No alerts', pending: 'Waiting for review', original: 'Original',
  annotated: 'Annotated', clip: 'Clip', confirm: 'Confirm', reject: 'Reject', reason: 'Reason', history: 'History',
  evidence: 'Evidence', shortcuts: 'Keys: C confirm · R reject · 1–4 reason · J/K next/previous · Z zoom',
  selectCase: 'Pick a case on the left', camera: 'Camera', district: 'District', street: 'Street', state: 'State',
  score: 'Score', time: 'Time', type: 'Type', live: 'Live', snapshot: 'Snapshot', zones: 'Zones', save: 'Save',
  addZone: 'New zone', deleteZone: 'Delete', saved: 'Saved', drawHint: 'Click to add points; double-click or Enter closes the polygon',
  zoneId: 'Zone id', zoneName: 'Name', zoneType: 'Type', verified: 'Evidence intact', notVerified: 'Evidence check failed',
  lang: '中文', viewer: 'Viewer', noCameras: 'No cameras in scope',
  health_live: 'live', health_connecting: 'connecting', health_stalled: 'stalled', health_down: 'down', health_stopped: 'stopped',
  health_unknown: 'unknown', health_disabled: 'disabled', cancel: 'Cancel', done: 'Done', total: 'Total', auditTrail: 'Audit trail',
  state_new: 'New', state_pending_review: 'Pending review', state_confirmed: 'Confirmed', state_dispatched: 'Dispatched',
  state_resolved: 'Resolved', state_rejected: 'Rejected',
  cat_vending: 'Street vending', cat_overflow: 'Overflowing bin', cat_ads: 'Illegal ads', cat_spillage: 'Muck spillage',
  reason_not_violation: 'Not a violation', reason_duplicate: 'Duplicate', reason_wrong_type: 'Wrong type', reason_image_unusable: 'Image unusable',
  'zone_no-vending': 'No-vending zone', 'zone_bin-point': 'Bin point', 'zone_protected-surface': 'Protected surface', zone_road: 'Road',
};

export const lang = localStorage.getItem('hy_lang') === 'en' ? 'en' : 'zh';
const dict = lang === 'en' ? en : zh;

export function t(key) {
  return dict[key] ?? zh[key] ?? key;
}

/** Fills every [data-i18n] element with its text. */
export function applyI18n(root = document) {
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
}

export function toggleLang() {
  localStorage.setItem('hy_lang', lang === 'en' ? 'zh' : 'en');
  location.reload();
}

export function fmtTime(ms) {
  return new Date(ms).toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN', { hour12: false });
}
