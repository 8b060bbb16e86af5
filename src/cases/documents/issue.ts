// Issues a case's document inside the caller's transaction: the next number of its kind and
// year, the facts, the rendered and signed PDF, and its row with the hashes that verification
// looks up. The notice of violation is issued by the legal approval (approvalHook).
import { createHash, randomUUID } from 'node:crypto';
import type { Db, Queryable } from '../db.ts';
import { appendAudit } from '../audit.ts';
import type { ApprovalHook } from '../review/legal.ts';
import type { BureauCertificate } from './certificate.ts';
import type { DocumentSettings } from './config.ts';
import { contentSha256, gatherFacts, DocumentError, type DocumentKind, type StillReader } from './facts.ts';
import { renderDocument } from './render.ts';
import { signDocument } from './sign.ts';
import { TEMPLATES } from './templates.ts';
import { verifyUrl, type DocumentMeta } from './registry.ts';

/** The year in Asia/Shanghai (document numbers restart each calendar year there). */
const bureauYear = (at: Date) => new Date(at.getTime() + 8 * 3600_000).getUTCFullYear();

/**
 * The next number of `kind` in `year`, e.g. 城管告〔2026〕00001号. The counter row stays locked
 * until the transaction ends, so numbers are unique and, as a rollback returns one, gapless.
 */
export async function nextDocumentNo(tx: Queryable, kind: DocumentKind, year: number, prefix: string): Promise<{ docNo: string; seq: number }> {
  const [r] = await tx.query<{ last: number }>(
    `INSERT INTO document_counters (kind, year, last) VALUES ($1, $2, 1)
     ON CONFLICT (kind, year) DO UPDATE SET last = document_counters.last + 1 RETURNING last`, [kind, year]);
  const seq = Number(r!.last);
  return { docNo: `${prefix}${TEMPLATES[kind].noLetter}〔${year}〕${String(seq).padStart(5, '0')}号`, seq };
}

export class DocumentIssuer {
  constructor(
    readonly settings: DocumentSettings,
    readonly cert: BureauCertificate,
    private readonly stills: StillReader,
  ) {}

  /**
   * Renders, signs and stores the `kind` document of a case with sealed evidence and an
   * approved legal review, in `tx`. DocumentError when the case lacks either or already has
   * one of this kind. Takes about a second (font subsetting, RSA signature).
   */
  async issue(tx: Queryable, caseId: string, kind: DocumentKind, actor: string, at = new Date()): Promise<DocumentMeta> {
    const [exists] = await tx.query('SELECT 1 FROM case_documents WHERE case_id = $1 AND kind = $2', [caseId, kind]);
    if (exists) throw new DocumentError(`case ${caseId} already has a ${kind}`);
    const [c] = await tx.query<{ bundle_id: string | null }>('SELECT bundle_id FROM cases WHERE id = $1', [caseId]);
    if (!c?.bundle_id) throw new DocumentError(`case ${caseId} has no sealed evidence`);
    const stills = await this.stills(c.bundle_id);
    const year = bureauYear(at);
    const { docNo, seq } = await nextDocumentNo(tx, kind, year, this.settings.noPrefix);
    const bureau = { name: this.settings.bureauName, contact: this.settings.bureauContact };
    const facts = await gatherFacts(tx, caseId, { kind, docNo, issuedAt: at, bureau, stills });
    const content = contentSha256(facts);
    const template = TEMPLATES[kind];
    const doc = await renderDocument({ facts, template, stills, contentSha256: content, verifyUrl: verifyUrl(this.settings.publicUrl, docNo, content), font: this.settings.font });
    const pdf = await signDocument(doc, this.cert, { reason: `${template.title} ${docNo}`, location: `${facts.place.district}${facts.place.street}`, contact: bureau.contact, at });
    const meta: DocumentMeta = {
      id: randomUUID(), caseId, kind, docNo, title: template.title, issuer: bureau.name, category: facts.violation.localName, issuedAt: at, issuedBy: actor,
      contentSha256: content, fileSha256: createHash('sha256').update(pdf).digest('hex'), signerSha256: this.cert.sha256, bytes: pdf.length,
    };
    await tx.query(
      `INSERT INTO case_documents (id, case_id, kind, doc_no, year, seq, issuer, category, issued_at, issued_by, facts, content_sha256, file_sha256, signer_sha256, pdf)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13, $14, $15)`,
      [meta.id, caseId, kind, docNo, year, seq, meta.issuer, meta.category, at.toISOString(), actor, JSON.stringify(facts), content, meta.fileSha256, meta.signerSha256, pdf]);
    return meta;
  }

  /** The legal approval's hook: issues the notice of violation and names it in the audit trail. */
  readonly onApproved: ApprovalHook = async (tx, caseId, actor) => {
    const d = await this.issue(tx, caseId, 'notice_of_violation', actor);
    return [{ action: 'document.issued', details: issuedDetails(d) }];
  };

  /**
   * Warn-first (限时整改): the order to correct (责令改正通知书) served with the warning, its time
   * limit the grace end. Once per case, in its own transaction with its `document.issued` audit
   * entry, under the case row's lock (a settling event waits the second it takes). Returns null
   * when the case already has one, or corrected itself before the order was made (nothing left
   * to order). DocumentError without a warning, sealed evidence or a legal basis for the code.
   */
  async issueOrderToCorrect(db: Db, caseId: string, actor = 'system:warn', at = new Date()): Promise<DocumentMeta | null> {
    return db.transaction(async (tx) => {
      const [w] = await tx.query<{ outcome: string | null }>(
        'SELECT w.outcome FROM cases c JOIN case_warnings w ON w.case_id = c.id WHERE c.id = $1 FOR UPDATE OF c', [caseId]);
      if (!w) throw new DocumentError(`case ${caseId} was not warned first: no order to correct`);
      if (w.outcome === 'self_corrected') return null;
      const [exists] = await tx.query(`SELECT 1 FROM case_documents WHERE case_id = $1 AND kind = 'order_to_correct'`, [caseId]);
      if (exists) return null;
      const d = await this.issue(tx, caseId, 'order_to_correct', actor, at);
      await appendAudit(tx, { actor, action: 'document.issued', targetType: 'case', targetId: caseId, details: issuedDetails(d) }, at);
      return d;
    });
  }
}

/** What the audit trail keeps of an issued document. */
const issuedDetails = (d: DocumentMeta) =>
  ({ documentId: d.id, kind: d.kind, docNo: d.docNo, fileSha256: d.fileSha256, contentSha256: d.contentSha256, signerSha256: d.signerSha256 });
