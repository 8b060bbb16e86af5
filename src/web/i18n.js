// Simplified Chinese by default; English on request (the choice is kept in localStorage).
const zh = {
  app: '慧眼 · 城管非现场执法', login: '登录', logout: '退出', username: '用户名', password: '密码',
  loginFailed: '用户名或密码错误', tooMany: '尝试次数过多，请稍后再试',
  navCentre: '指挥中心', navParties: '执法对象', navLegal: '法制审核', navReview: '案件审核', navCameras: '监控墙', navZones: '区域编辑', navDocs: '接口文档',
  liveAlerts: '实时告警', cameraHealth: '设备状态', byType: '按类型', byDistrict: '按辖区', byHour: '按时段 (小时)',
  precision: '审核准确率', noAlerts: '暂无告警', pending: '待审核列表', original: '原始图像', annotated: '标注图像',
  clip: '视频片段', clipWithheld: '视频片段含车牌或电话号码，您的角色无权查看；请查看已遮挡的图像或请有权限的审核人查看。', confirm: '确认违规', reject: '驳回', reason: '驳回原因', history: '处理记录', evidence: '证据',
  shortcuts: '快捷键：C 确认 · R 驳回 · 1–4 选择原因 · J/K 上一条/下一条 · Z 放大', selectCase: '请选择左侧案件',
  camera: '摄像机', district: '辖区', street: '街道', state: '状态', score: '置信度', time: '时间', type: '类型',
  live: '实时', snapshot: '快照', zones: '区域', save: '保存', addZone: '新建区域', deleteZone: '删除', saved: '已保存',
  drawHint: '在画面上单击添加顶点，双击或按回车结束多边形；门前线：点“画线”后单击两个以上的点，回车结束', zoneId: '区域编号', zoneName: '名称', zoneType: '类型',
  param_dwellSeconds: '停留时长（秒）', param_minScore: '最低置信度', param_jitterTolerance: '静止抖动容差', param_overflowThreshold: '满溢判定阈值',
  param_persistSeconds: '持续时长（秒）', param_minTextScore: '文字最低置信度', param_minDebrisArea: '遗撒最小面积（占区域比例）',
  param_stillTolerance: '静止容差', param_minVehicles: '车辆数阈值', param_minArea: '堆物最小面积（占区域比例）', param_minPersons: '人数阈值', param_durationSeconds: '持续时长（秒）', param_cooldownSeconds: '冷却时长（秒）',
  param_schedule: '执法时段', param_frontage: '门前线', param_streetSide: '街道一侧', param_partyLicenceNo: '绑定门店（执法对象）',
  streetSide_right: '沿画线方向右侧', streetSide_left: '沿画线方向左侧', paramDefault: '默认', scheduleAlways: '全天（例：1-5 07:00-22:00; 6,7 09:00-21:00）',
  scheduleFormat: '时段格式：星期 起-止，如 1-5 07:00-22:00；多段用分号分隔', drawLine: '画线', lineMissing: '尚未画线',
  linePoints: '{n} 个点', fieldRequired: '必填', fieldChoose: '请选择一项', fieldInvalid: '取值无效', fixFields: '有字段需要修改（见各区域标红处）', partyNone: '未绑定', partySearch: '搜索门店名称或统一社会信用代码', partyNoMatch: '无匹配门店', partyNotRegistered: '（登记中无此门店）',
  verified: '证据完整', notVerified: '证据校验失败', lang: 'English', viewer: '查看人', noCameras: '无可见摄像机',
  health_live: '在线', health_connecting: '连接中', health_stalled: '卡顿', health_down: '离线', health_stopped: '停止',
  health_unknown: '未知', health_disabled: '停用', cancel: '取消', done: '完成', total: '合计', auditTrail: '审计记录',
  state_new: '新发现', state_pending_review: '待审核', state_confirmed: '已确认', state_dispatched: '已派单',
  state_resolved: '已办结', state_rejected: '已驳回', state_warned: '已警告·整改期内', state_self_corrected: '自行整改',
  state_delivered: '已送达', state_acknowledged: '已签收', state_statement_received: '已陈述申辩', state_decided: '已作出处罚决定',
  state_paid: '已缴纳罚款', state_closed: '已结案', cityBackHalf: '市级平台回传', cityExported: '已推送市级平台', cityRef: '平台编号',
  cityNotExported: '尚未推送市级平台（法制审核通过后推送）', actor_city: '市级平台',
  warnFirst: '限时整改', warnSelfCorrected: '自行整改', warnFiled: '逾期立案', warnWaiting: '整改期内', noWarnings: '暂无限时整改记录',
  'action_warn.sent': '已发送警告', 'action_warn.failed': '警告发送失败',
  tab_warned: '限时整改中', warnByOfficer: '队员提前处理', warnNote: '处理说明（所见情况）', warnCloseEarly: '已自行整改·提前结案', warnFileNow: '立即立案',
  warnNoteNeeded: '请填写处理说明', warnDecidedBy: '处理人',
  noAfterFrame: '无整改复查画面', noAfter_camera_silent: '无整改复查画面：摄像机静默（整改期满后未收到该点位画面），系统按期立案，请结合其他证据审核',
  noAfter_officer_decision: '无整改复查画面：由执法队员查看后决定', lastBeforeSilence: '摄像机静默前最后画面（整改期满前）',
  documents: '法律文书', noDocuments: '暂无法律文书', download: '下载', 'action_document.issued': '签发文书', 'action_document.download': '下载文书',
  'action_notice.acknowledged': '确认数据安全告知',
  cat_vending: '占道经营', cat_overflow: '垃圾满溢', cat_ads: '违规广告', cat_spillage: '渣土车遗撒', cat_parking: '机动车违停', cat_crowding: '人群聚集',
  cat_bicycles: '非机动车乱停放', cat_materials: '乱堆物料',
  reason_not_violation: '非违规行为', reason_duplicate: '重复上报', reason_wrong_type: '类型识别错误', reason_image_unusable: '图像不可用',
  'zone_no-vending': '禁止设摊区', 'zone_bin-point': '垃圾投放点', 'zone_protected-surface': '保护墙面', zone_road: '道路', 'zone_no-parking': '禁停区', zone_crowd: '防聚集区',
  'zone_no-bicycle-parking': '非机动车禁停区', 'zone_no-piling': '禁止堆物区',
  cat_outside_shop: '店外经营',
  'zone_shop-frontage': '门店门前区',
  navUsers: '用户管理', rule: '违规类型', place: '地点', openedAt: '发现时间', party: '当事人', link_zone: '按门前区域关联', link_plate: '按车牌关联', link_manual: '人工指定', link_unknown: '未知，待队员指定', noParty: '尚未关联', casePartySearch: '搜索执法对象：名称、信用代码、许可证号、地址或车牌', partyChange: '更改', partyCandidates: '候选：', partyPickFailed: '关联失败', phones: '电话号码', plates: '车牌号',
  copy: '复制', copied: '已复制', masked: '（已脱敏）', loading: '加载中…', loadFailed: '加载失败', uploading: '证据已封存，正在上传存储，稍后自动显示…', noEvidence: '证据尚未封存', evidenceFrames: '证据图像',
  notFound: '案件不存在或不在您的辖区', noCases: '该列表暂无案件', confidence: '可信度', sourceLine: '识别自',
  tab_pending: '待审核', tab_confirmed: '已确认', tab_closed: '已结案', tab_rejected: '已驳回', tab_all: '全部',
  'action_legal.approved': '法制审核通过', 'action_legal.returned': '法制审核退回', 'action_legal.resubmitted': '重新提交法制审核',
  role_at: '发现时', role_before: '之前', role_after: '之后', role_check: '复查时',
  graceUntil: '整改截止', afterFrames: '整改复查画面',
  role_admin: '系统管理员', role_commander: '指挥长', role_officer: '执法队员', role_auditor: '法制审核',
  actor_system: '系统', 'actor_system:case-worker': '系统 · 立案服务', 'actor_system:sla': '系统 · 时限监督',
  noData: '暂无数据', noVerdicts: '暂无审核结论', openedLabel: '发现于', verdictAt: '审核于', seq: '序号', action: '操作', actor: '操作人', detail: '详情',
  'action_case.created': '立案', 'action_case.transition': '状态变更', 'action_evidence.access': '查看证据', 'action_hit.opened': '发现',
  'action_hit.updated': '持续检测', 'action_hit.cleared': '违规消失', 'action_case.overdue': '审核超时',
  'purpose_evidence.view': '查看', 'purpose_evidence.download': '下载原件', 'purpose_evidence.verify': '完整性校验',
  folded: '已合并 {n} 条持续检测记录', showAll: '展开', hideRoutine: '收起',
  users: '用户', apiKeys: 'API 密钥', newUser: '新建用户', newKey: '新建密钥', displayName: '姓名', role: '角色',
  districts: '辖区', streets: '街道', categories: '类别', all: '全部', create: '创建', resetPassword: '重置密码',
  newPassword: '新密码 (至少 10 位)', disabled: '已停用', keyOnce: '密钥只显示这一次，请立即保存：', revoke: '吊销', name: '名称',
  noticeTitle: '数据安全责任告知', noticeAck: '我已阅读并同意',
  duty: '值班时段 (北京时间)', caseDates: '可查案件日期', anyTime: '不限', offDuty: '当前不在您的值班时段，不能查看或办理',
  day_1: '一', day_2: '二', day_3: '三', day_4: '四', day_5: '五', day_6: '六', day_7: '日',
  commaHint: '多个用逗号分隔，留空表示全部', created: '已创建', forbidden: '您没有此操作的权限', readOnly: '只读：您的角色不能修改区域',
  'intake_disk-low': '证据盘空间不足，新证据被拒收', 'intake_store-unavailable': '证据存储无法访问，新证据暂存本地待上传',
  'intake_dead-letter': '证据封存失败，任务已转入死信队列（huiyan dead-letter list）', intakeDetail: '自 {since} 起共 {count} 次',
};
const en = {
  app: 'Huiyan · non-site enforcement', login: 'Log in', logout: 'Log out', username: 'Username', password: 'Password',
  loginFailed: 'Wrong username or password', tooMany: 'Too many attempts, try again later',
  navCentre: 'Command centre', navParties: 'Parties', navLegal: 'Legal review', navReview: 'Review', navCameras: 'Camera wall', navZones: 'Zone editor', navDocs: 'API docs',
  liveAlerts: 'Live alerts', cameraHealth: 'Camera health', byType: 'By type', byDistrict: 'By district', byHour: 'By hour',
  precision: 'Precision from verdicts', noAlerts: 'No alerts', pending: 'Waiting for review', original: 'Original',
  annotated: 'Annotated', clip: 'Clip', clipWithheld: 'The clip shows a plate or phone number your role may not read; see the masked stills or ask a reviewer who may.', confirm: 'Confirm', reject: 'Reject', reason: 'Reason', history: 'History',
  evidence: 'Evidence', shortcuts: 'Keys: C confirm · R reject · 1–4 reason · J/K next/previous · Z zoom',
  selectCase: 'Pick a case on the left', camera: 'Camera', district: 'District', street: 'Street', state: 'State',
  score: 'Score', time: 'Time', type: 'Type', live: 'Live', snapshot: 'Snapshot', zones: 'Zones', save: 'Save',
  addZone: 'New zone', deleteZone: 'Delete', saved: 'Saved', drawHint: 'Click to add points; double-click or Enter closes the polygon; a frontage line: Draw line, click two or more points, Enter',
  zoneId: 'Zone id', zoneName: 'Name', zoneType: 'Type', verified: 'Evidence intact', notVerified: 'Evidence check failed',
  param_dwellSeconds: 'Dwell (s)', param_minScore: 'Min score', param_jitterTolerance: 'Jitter tolerance', param_overflowThreshold: 'Overflow threshold',
  param_persistSeconds: 'Persist (s)', param_minTextScore: 'Min text score', param_minDebrisArea: 'Min debris area (of the zone)',
  param_stillTolerance: 'Still tolerance', param_minVehicles: 'Vehicles threshold', param_minArea: 'Min pile area (of the zone)', param_minPersons: 'Persons threshold', param_durationSeconds: 'Duration (s)', param_cooldownSeconds: 'Cooldown (s)',
  param_schedule: 'Enforced hours', param_frontage: 'Frontage line', param_streetSide: 'Street side', param_partyLicenceNo: 'Bound shop (party)',
  streetSide_right: 'right of the line as drawn', streetSide_left: 'left of the line as drawn', paramDefault: 'default', scheduleAlways: 'always (e.g. 1-5 07:00-22:00; 6,7 09:00-21:00)',
  scheduleFormat: 'hours as: days from-to, e.g. 1-5 07:00-22:00; windows separated by ;', drawLine: 'Draw line', lineMissing: 'no line yet',
  linePoints: '{n} points', fieldRequired: 'required', fieldChoose: 'choose one', fieldInvalid: 'invalid value', fixFields: 'some fields need changes (marked in red at each zone)', partyNone: 'not bound', partySearch: 'Search shops by name or licence number', partyNoMatch: 'no matching shop', partyNotRegistered: '(not in the registry)',
  lang: '中文', viewer: 'Viewer', noCameras: 'No cameras in scope',
  health_live: 'live', health_connecting: 'connecting', health_stalled: 'stalled', health_down: 'down', health_stopped: 'stopped',
  health_unknown: 'unknown', health_disabled: 'disabled', cancel: 'Cancel', done: 'Done', total: 'Total', auditTrail: 'Audit trail',
  state_new: 'New', state_pending_review: 'Pending review', state_confirmed: 'Confirmed', state_dispatched: 'Dispatched',
  state_resolved: 'Resolved', state_rejected: 'Rejected', state_warned: 'Warned · time to correct', state_self_corrected: 'Self-corrected',
  state_delivered: 'Delivered', state_acknowledged: 'Acknowledged', state_statement_received: 'Statement received', state_decided: 'Decided',
  state_paid: 'Fine paid', state_closed: 'Closed', cityBackHalf: 'City platform', cityExported: 'Sent to the city platform', cityRef: 'Platform ref',
  cityNotExported: 'Not sent to the city platform yet (after legal approval)', actor_city: 'City platform',
  warnFirst: 'Warn first', warnSelfCorrected: 'self-corrected', warnFiled: 'filed', warnWaiting: 'in grace period', noWarnings: 'No warn-first hits yet',
  'action_warn.sent': 'warning sent', 'action_warn.failed': 'warning failed',
  tab_warned: 'Warned', warnByOfficer: 'decided by an officer', warnNote: 'Note (what you saw)', warnCloseEarly: 'Self-corrected · close early', warnFileNow: 'File now',
  warnNoteNeeded: 'Write a note first', warnDecidedBy: 'decided by',
  noAfterFrame: 'No after frame', noAfter_camera_silent: 'No after frame: camera silent (no picture from this camera after the grace end); filed by the deadline — review with other evidence',
  noAfter_officer_decision: 'No after frame: decided by an officer who looked', lastBeforeSilence: 'Last frame before the camera went silent (before the time limit)',
  documents: 'Legal documents', noDocuments: 'No documents yet', download: 'Download', 'action_document.issued': 'document issued', 'action_document.download': 'document downloaded',
  'action_notice.acknowledged': 'security notice acknowledged',
  cat_vending: 'Street vending', cat_overflow: 'Overflowing bin', cat_ads: 'Illegal ads', cat_spillage: 'Muck spillage', cat_parking: 'Illegal parking', cat_crowding: 'Crowding',
  cat_bicycles: 'Disorderly bicycles', cat_materials: 'Piled materials',
  reason_not_violation: 'Not a violation', reason_duplicate: 'Duplicate', reason_wrong_type: 'Wrong type', reason_image_unusable: 'Image unusable',
  'zone_no-vending': 'No-vending zone', 'zone_bin-point': 'Bin point', 'zone_protected-surface': 'Protected surface', zone_road: 'Road', 'zone_no-parking': 'No-parking zone', zone_crowd: 'Crowd watch zone',
  'zone_no-bicycle-parking': 'No bicycle parking zone', 'zone_no-piling': 'No piling zone',
  cat_outside_shop: 'Business outside the shop',
  'zone_shop-frontage': 'Shop frontage',
  navUsers: 'Users', rule: 'Rule', place: 'Place', openedAt: 'Opened', party: 'Party', link_zone: 'by frontage zone', link_plate: 'by plate', link_manual: 'picked by an officer', link_unknown: 'unknown, for an officer to pick', noParty: 'not linked yet', casePartySearch: 'Search targets: name, licence or permit number, address or plate', partyChange: 'Change', partyCandidates: 'Candidates: ', partyPickFailed: 'Could not link', phones: 'Phone numbers', plates: 'Plates',
  copy: 'Copy', copied: 'Copied', masked: '(masked)', loading: 'Loading…', loadFailed: 'Could not load', uploading: 'Evidence sealed, uploading to the store; it shows here when done…', noEvidence: 'Evidence not sealed yet', evidenceFrames: 'Evidence',
  notFound: 'Case not found, or not in your area', noCases: 'No cases in this list', confidence: 'confidence', sourceLine: 'read from',
  tab_pending: 'Pending', tab_confirmed: 'Confirmed', tab_closed: 'Closed', tab_rejected: 'Rejected', tab_all: 'All',
  'action_legal.approved': 'legal review approved', 'action_legal.returned': 'legal review returned', 'action_legal.resubmitted': 'resubmitted for legal review',
  role_at: 'at detection', role_before: 'before', role_after: 'after', role_check: 'at the check',
  graceUntil: 'correct by', afterFrames: 'After the grace period',
  role_admin: 'Administrator', role_commander: 'Commander', role_officer: 'Officer', role_auditor: 'Auditor',
  actor_system: 'System', 'actor_system:case-worker': 'System · case service', 'actor_system:sla': 'System · deadline monitor',
  noData: 'No data yet', noVerdicts: 'No verdicts yet', openedLabel: 'opened', verdictAt: 'verdict', seq: 'Seq', action: 'Action', actor: 'Actor', detail: 'Detail',
  'action_case.created': 'case opened', 'action_case.transition': 'state change', 'action_evidence.access': 'evidence viewed', 'action_hit.opened': 'detected',
  'action_hit.updated': 'still detected', 'action_hit.cleared': 'cleared', 'action_case.overdue': 'review overdue',
  'purpose_evidence.view': 'view', 'purpose_evidence.download': 'download original', 'purpose_evidence.verify': 'integrity check',
  folded: '{n} routine “still detected” rows folded', showAll: 'Show', hideRoutine: 'Hide',
  users: 'Users', apiKeys: 'API keys', newUser: 'New user', newKey: 'New key', displayName: 'Name', role: 'Role',
  districts: 'Districts', streets: 'Streets', categories: 'Categories', all: 'all', create: 'Create', resetPassword: 'Reset password',
  newPassword: 'New password (10+ characters)', disabled: 'disabled', keyOnce: 'The key is shown only once — save it now:', revoke: 'Revoke', name: 'Name',
  noticeTitle: 'Data security notice', noticeAck: 'I have read and agree',
  duty: 'Duty hours (Beijing time)', caseDates: 'Case dates', anyTime: 'any time', offDuty: 'Outside your duty hours: nothing can be viewed or handled',
  day_1: 'Mon', day_2: 'Tue', day_3: 'Wed', day_4: 'Thu', day_5: 'Fri', day_6: 'Sat', day_7: 'Sun',
  commaHint: 'comma-separated; empty means all', created: 'Created', forbidden: 'You may not do this', readOnly: 'Read-only: your role may not change zones',
  'intake_disk-low': 'Evidence disk low: new evidence is refused', 'intake_store-unavailable': 'Evidence store unreachable: new evidence waits in the local spool',
  'intake_dead-letter': 'Sealing evidence failed: jobs parked in the dead-letter queue (huiyan dead-letter list)', intakeDetail: '{count} times since {since}',
};

export const lang = localStorage.getItem('hy_lang') === 'en' ? 'en' : 'zh';
const dict = lang === 'en' ? en : zh;

/** Pages with many strings of their own keep them in their own file and add them here. */
export function addStrings(more) {
  Object.assign(zh, more.zh);
  Object.assign(en, more.en);
}

export function t(key, vars) {
  const s = dict[key] ?? zh[key] ?? key;
  return vars ? s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? '')) : s;
}

/** How an actor of the history or audit log is shown: the display name of a user or key, a named system service. */
export function actorName(actor) {
  const m = /^(user|apikey):\S+ (.*)$/.exec(actor);
  if (m) return m[2];
  if (actor.startsWith('city:')) return `${t('actor_city')} · ${actor.slice(5)}`;
  if (actor.startsWith('system:')) return dict[`actor_${actor}`] ?? zh[`actor_${actor}`] ?? `${t('actor_system')} · ${actor.slice(7)}`;
  return actor;
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

// The bureau works in Beijing time, as the evidence watermarks (UTC+8) and the hourly chart do:
// a browser in another zone must not show other clock times.
export function fmtTime(ms) {
  return new Date(ms).toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN', { hour12: false, timeZone: 'Asia/Shanghai' });
}
