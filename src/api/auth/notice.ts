// The data-security notice (数据安全责任告知) every session acknowledges once before it may
// read or change anything (guard() answers 403 `notice_required` until then). The text is the
// deployment's: HUIYAN_SECURITY_NOTICE replaces this default.

export const DEFAULT_SECURITY_NOTICE = [
  '本系统存有城管执法案件、证据图像及当事人个人信息（电话号码、车牌号等），仅供依法履行职责使用。',
  '一、只在职责和授权范围内查询、使用数据，不得超范围查询、下载、复制或向他人提供。',
  '二、不得以拍照、截屏、录屏等方式留存或传播系统内容；证据图像带有查看人水印。',
  '三、每次查看和操作均记录在审计日志中。违反规定的，依照《中华人民共和国数据安全法》《中华人民共和国个人信息保护法》及本单位制度追究责任。',
  '点击“我已阅读并同意”，即表示您已知悉并承诺遵守上述要求。',
].join('\n');
