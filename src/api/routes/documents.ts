// Legal documents of a case: the list (case detail) and the signed PDF (same roles and scope as
// viewing evidence, audited), and the public verification page the documents' QR codes open —
// number + hash prefix → authentic or not found, with nothing personal.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../auth/access.ts';
import { guard, who } from '../auth/plugin.ts';
import { NotFound } from '../errors.ts';
import type { CasesPort } from '../ports.ts';
import { CaseIdParams, Errors } from '../schemas.ts';
import { visibleCase } from '../scope.ts';
import type { Db } from '../../cases/db.ts';
import { listDocuments, publicLookup, readDocument, DOCUMENT_KINDS, MIN_PREFIX, type DocumentMeta } from '../../cases/documents/index.ts';

const DocumentOut = z.object({
  id: z.string(), kind: z.enum(DOCUMENT_KINDS), docNo: z.string(), title: z.string(), issuer: z.string(), issuedAt: z.number(), issuedBy: z.string(),
  contentSha256: z.string(), fileSha256: z.string(), bytes: z.number(), url: z.string(),
});
const out = (d: DocumentMeta) => ({
  id: d.id, kind: d.kind, docNo: d.docNo, title: d.title, issuer: d.issuer, issuedAt: d.issuedAt.getTime(), issuedBy: d.issuedBy,
  contentSha256: d.contentSha256, fileSha256: d.fileSha256, bytes: d.bytes, url: `/api/cases/${d.caseId}/documents/${d.id}/pdf`,
});

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const dateOf = (d: Date) => new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: 'long', day: 'numeric' }).format(d);

export const documentRoutes: FastifyPluginAsyncZod<{ db: Db; cases: CasesPort }> = async (app, { db, cases }) => {
  app.get(
    '/api/cases/:id/documents',
    {
      preHandler: guard('evidence:view'),
      schema: { tags: ['documents'], summary: 'Legal documents issued for the case (notice of violation, …)', params: CaseIdParams,
        response: { ...Errors, 200: z.object({ items: z.array(DocumentOut) }) } },
    },
    async (req) => {
      const c = visibleCase(who(req), await cases.get(req.params.id), req.params.id);
      return { items: (await listDocuments(db, c.id)).map(out) };
    },
  );

  app.get(
    '/api/cases/:id/documents/:docId/pdf',
    {
      preHandler: guard('evidence:view'),
      schema: { tags: ['documents'], summary: 'The signed PDF as issued (audited)', params: CaseIdParams.extend({ docId: z.uuid() }) },
    },
    async (req, reply) => {
      const p = who(req);
      const c = visibleCase(p, await cases.get(req.params.id), req.params.id);
      const d = await readDocument(db, c.id, req.params.docId);
      if (!d) throw new NotFound(`case ${c.id} has no document ${req.params.docId}`);
      await cases.audit({ actor: actorOf(p), action: 'document.download', caseId: c.id, file: d.meta.docNo });
      return reply
        .header('cache-control', 'private, no-store')
        .header('content-disposition', `attachment; filename="${d.meta.kind}-${d.meta.id}.pdf"; filename*=UTF-8''${encodeURIComponent(`${d.meta.title}${d.meta.docNo}.pdf`)}`)
        .header('x-content-sha256', d.meta.fileSha256)
        .type('application/pdf')
        .send(d.pdf);
    },
  );

  // Public: no login. Rate-limited, answers the same for an unknown number and a wrong hash.
  app.get(
    '/verify/document',
    {
      config: { rateLimit: { max: 30, timeWindow: 60_000 } },
      schema: { tags: ['documents'], summary: 'Public check of a document: number + hash prefix (≥16 hex of the QR code\'s content hash or the file\'s sha256)',
        security: [], querystring: z.object({ no: z.string().min(1).max(60), h: z.string().min(1).max(64) }).strict() },
    },
    async (req, reply) => {
      const { no, h } = req.query;
      const doc = await publicLookup(db, no, h);
      const body = doc
        ? { authentic: true, docNo: doc.docNo, title: doc.title, issuer: doc.issuer, category: doc.category, issuedOn: dateOf(doc.issuedAt) }
        : { authentic: false, docNo: no, reason: h.length < MIN_PREFIX ? `校验码至少 ${MIN_PREFIX} 位` : '未找到与该编号和校验码相符的文书' };
      reply.header('cache-control', 'no-store');
      if ((req.headers.accept ?? '').includes('application/json')) return reply.code(doc ? 200 : 404).send(body);
      const rows = doc
        ? [['文书编号', doc.docNo], ['文书名称', doc.title], ['出具机关', doc.issuer], ['案件类别', doc.category], ['出具日期', dateOf(doc.issuedAt)]]
        : [['文书编号', no]];
      const html = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>文书核验 · 慧眼</title><link rel="stylesheet" href="/style.css"></head><body><main class="grid"><section class="panel" id="verify" data-authentic="${doc ? '1' : '0'}">
<h2>${doc ? '✔ 文书真实有效' : '✘ 未找到该文书'}</h2>
<table>${rows.map(([k, v]) => `<tr><th>${esc(k!)}</th><td>${esc(v!)}</td></tr>`).join('')}</table>
<p class="meta">${doc ? '该文书由上述机关出具并已登记；本页不显示当事人等个人信息。' : esc((body as { reason: string }).reason)}</p>
</section></main></body></html>`;
      return reply.code(doc ? 200 : 404).type('text/html; charset=utf-8').send(html);
    },
  );
};
