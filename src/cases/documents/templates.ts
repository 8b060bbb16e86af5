// The wording of each document kind. One generator (render.ts) lays out any template: a title,
// the letter of its number (城管告 / 城管改) and the paragraphs built from the facts.
import type { DocumentFactsT, DocumentKind } from './facts.ts';

export interface Template {
  title: string;
  /** Letter after the bureau prefix in the document number: 城管告〔2026〕00001号. */
  noLetter: string;
  /** The paragraphs after the evidence stills: legal basis, decision or order, rights. */
  closing(f: DocumentFactsT): string[];
}

const PERMIT: Record<string, string> = { valid: '运输许可证有效', expired: '运输许可证已过期', not_yet_valid: '运输许可证未生效', missing: '无运输许可证' };
const STILL_ROLE: Record<string, string> = { before: '违法前', at: '违法时', after: '违法后' };
export const stillCaption = (role: string) => STILL_ROLE[role] ?? role;

/**
 * Beijing time as the bureau's paperwork writes it: 2026年11月30日 (`day`), 2026年11月30日
 * 15时44分 (`minute`), 2026年11月30日 15时44分07秒 (`second`: for spans shorter than a minute's
 * rounding can show, e.g. a grace period of seconds, whose start and end would read the same).
 */
export function bureauTime(iso: string, precision: 'day' | 'minute' | 'second' = 'minute'): string {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
  const day = `${p.year}年${Number(p.month)}月${Number(p.day)}日`;
  if (precision === 'day') return day;
  return `${day} ${p.hour}时${p.minute}分${precision === 'second' ? `${p.second}秒` : ''}`;
}

/** Under an hour of grace the minute alone can make the order and its deadline read the same. */
export const gracePrecision = (graceSeconds: number): 'minute' | 'second' => (graceSeconds < 3600 ? 'second' : 'minute');

/** The person an audit actor names ("user:<id> 张三" → "张三"): paperwork shows names, not ids. */
export function actorName(actor: string): string {
  const space = actor.indexOf(' ');
  return space < 0 ? actor : actor.slice(space + 1);
}

/** 当事人 lines; an unknown party is printed as such, never guessed. */
export function partyLines(f: DocumentFactsT): string[] {
  const lines = f.party
    ? [`当事人：${f.party.name}`, ...(f.party.licenceNo ? [`统一社会信用代码：${f.party.licenceNo}`] : []), ...(f.party.address ? [`地址：${f.party.address}`] : [])]
    : ['当事人：未知（待确认）'];
  if (f.plate) lines.push(`车辆号牌：${f.plate}${f.permitStatus ? `（${PERMIT[f.permitStatus] ?? f.permitStatus}）` : ''}`);
  return lines;
}

/**
 * Warn-first (限时整改): what the order gave and how the time limit ended. A case filed without
 * an after frame says so and why (camera silent: nothing from the camera after the time limit;
 * an officer's decision), so it never reads as "seen again after the time limit".
 */
export function warningSentence(f: DocumentFactsT): string {
  const w = f.warning;
  if (!w) return '';
  const precision = gracePrecision(w.graceSeconds);
  const given = `本机关已于${bureauTime(w.detectedAt, precision)}责令限期改正（改正期限至${bureauTime(w.graceUntil, precision)}）`;
  if (w.outcome === null) return '';
  if (w.outcome === 'self_corrected') return `${given}，当事人已在期限内自行改正。`;
  if (w.noAfterFrame === 'camera_silent') {
    const last = w.decidedBy === 'camera_silent' ? '（另存摄像机静默前的最后画面，摄于改正期限届满之前）' : '';
    return `${given}。改正期限届满后未收到该监控点位的画面（摄像机静默），本案无整改复查画面${last}，按期立案；期满后违法行为是否仍然存在，须结合其他证据认定。`;
  }
  if (w.noAfterFrame === 'officer_decision') return `${given}。期限内经执法队员查看后决定立案，本案无整改复查画面。`;
  return `${given}，${w.afterAt ? `${bureauTime(w.afterAt)}复查时` : '期满复查时'}违法行为仍然存在（整改复查画面另存证据包）。`;
}

/** 违法事实: time, place, the violation's name and code. */
export function factLine(f: DocumentFactsT): string {
  const where = `${f.place.district}${f.place.street}${f.place.address ? f.place.address : ''}`;
  return `经查，${bureauTime(f.startedAt)}起，在${where}（监控点 ${f.place.cameraId}/${f.place.zoneId}），${f.party ? '你（单位）' : '当事人'}`
    + `存在${f.violation.localName}行为（违法行为编码 ${f.violation.standardCode} ${f.violation.standardName}），`
    + `于${bureauTime(f.detectedAt)}经智能监控发现${f.review ? '并由执法队员确认' : ''}（案件编号 ${f.caseNo}）。${warningSentence(f)}以上事实有下列电子证据为证（证据包 ${f.evidence.bundleId}，`
    + `清单 SHA-256 ${f.evidence.manifestSha256}）：`;
}

/** The notice's approved review (gatherFacts refuses a notice without one). */
const review = (f: DocumentFactsT) => {
  if (!f.review) throw new Error(`document ${f.docNo}: a notice of violation needs the approved legal review`);
  return f.review;
};

const yuan = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

export const TEMPLATES: Record<DocumentKind, Template> = {
  notice_of_violation: {
    title: '违法行为告知书',
    noLetter: '告',
    closing: (f) => [
      `你（单位）的上述行为违反了${review(f).legalBasis}的规定。依据本机关行政处罚裁量基准（情节：${review(f).circumstance}，`
        + `罚款幅度 ${yuan(review(f).fineMin)}–${yuan(review(f).fineMax)} 元），本机关拟作出如下行政处罚：${review(f).penalty}`
        + `${review(f).proposedFine > 0 ? `，罚款人民币 ${yuan(review(f).proposedFine)} 元` : ''}。`,
      '根据《中华人民共和国行政处罚法》第四十四条、第四十五条的规定，你（单位）享有陈述、申辩的权利。'
        + '请于收到本告知书之日起三个工作日内向本机关提出陈述、申辩；逾期未提出的，视为放弃上述权利。'
        + '符合《中华人民共和国行政处罚法》第六十三条规定情形的，你（单位）还有权要求听证。',
      `联系地址及电话：${f.bureau.contact}`,
    ],
  },
  order_to_correct: {
    title: '责令改正通知书',
    noLetter: '改',
    closing: (f) => [
      `你（单位）的上述行为违反了${f.order?.legalBasis ?? f.review?.legalBasis ?? ''}的规定。依据《中华人民共和国行政处罚法》第二十八条，本机关责令你（单位）立即停止违法行为，`
        + `${f.warning ? `并于${bureauTime(f.warning.graceUntil, gracePrecision(f.warning.graceSeconds))}前改正` : '并限期改正'}；逾期不改正的，本机关将依法立案查处。`,
      '如对本通知有异议，可在收到本通知书之日起三个工作日内向本机关提出陈述、申辩。',
      `联系地址及电话：${f.bureau.contact}`,
    ],
  },
};
