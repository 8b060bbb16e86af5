// Evidence of a case: list, view (watermarked, audited), download of originals (audited,
// legal roles only) and verification of the sealed bundle — the case's own, or with
// `bundle=after` a warn-first case's "after" bundle (the scene that settled its warning).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../auth/access.ts';
import { guard, who } from '../auth/plugin.ts';
import { Forbidden, NotFound } from '../errors.ts';
import type { ApiMetrics } from '../metrics.ts';
import type { CasesPort, EvidencePort } from '../ports.ts';
import { Errors, CaseIdParams } from '../schemas.ts';
import { visibleCase } from '../scope.ts';
import { maskPii, seesPii } from '../pii.ts';
import { watermark } from '../watermark.ts';
import { maskRegions, piiRegions } from '../pii-image.ts';

export interface EvidenceRouteOptions {
  cases: CasesPort;
  evidence: EvidencePort;
  metrics: ApiMetrics;
}

// Bundle file names are manifest keys such as frames/0-at-original.jpg; only names the
// manifest lists are ever read, and `..` segments are refused outright.
const BundleQuery = z.object({
  /** `case`: the case's own bundle; `after`: a warn-first case's after bundle (限时整改). */
  bundle: z.enum(['case', 'after']).default('case'),
});
const FileQuery = BundleQuery.extend({
  name: z.string().max(200).regex(/^(?!.*(^|\/)\.\.?(\/|$))[\w.-]+(\/[\w.-]+)*$/, 'a file name from the bundle manifest'),
});
const FileBody = z.object({ name: z.string(), sha256: z.string(), bytes: z.number(), kind: z.string(), contentType: z.string() });

export const evidenceRoutes: FastifyPluginAsyncZod<EvidenceRouteOptions> = async (app, opts) => {
  const { cases, evidence } = opts;

  const bundleOf = async (req: { params: { id: string }; query: { bundle: 'case' | 'after' } } & Parameters<typeof who>[0]) => {
    const c = visibleCase(who(req), await cases.get(req.params.id), req.params.id);
    const bundleId = req.query.bundle === 'after' ? c.warning?.after?.bundleId : c.bundleId;
    if (!bundleId) throw new NotFound(req.query.bundle === 'after' ? `case ${c.id} has no after bundle` : `case ${c.id} has no sealed evidence yet`);
    return { c, bundleId };
  };

  app.get(
    '/api/cases/:id/evidence',
    { preHandler: guard('evidence:view'), schema: { tags: ['evidence'], summary: 'Files of the evidence bundle (none yet, with uploading: true, while the sealed bundle waits in the spool; clipWithheld: true when the review clip is kept from a caller without pii:read)', params: CaseIdParams, querystring: BundleQuery, response: { ...Errors, 200: z.object({ bundleId: z.string(), files: z.array(FileBody), uploading: z.boolean().optional(), clipWithheld: z.boolean().optional() }) } } },
    async (req) => {
      const { c, bundleId } = await bundleOf(req);
      const files = await evidence.files(bundleId);
      if (files) {
        // Say so rather than leave the clip silently out: the officer knows to ask a reviewer with pii:read.
        const shown = files.filter((f) => !clipWithheld(who(req), c, f.kind));
        return { bundleId, files: shown, ...(shown.length < files.length ? { clipWithheld: true } : {}) };
      }
      if (await evidence.uploading(bundleId)) return { bundleId, files: [], uploading: true };
      throw new NotFound(`bundle ${bundleId} is missing`);
    },
  );

  /**
   * The review clip shows a plate or phone number wherever the reading stage found one on the
   * case; unlike a still it cannot be masked by one region (a truck moves), so a caller without
   * `pii:read` is not served it there: the masked stills show the scene.
   */
  const clipWithheld = (p: ReturnType<typeof who>, c: { attributes?: Record<string, unknown> }, kind: string): boolean =>
    kind === 'clip' && !seesPii(p) && piiRegions(c.attributes).length > 0;

  const fetchFile = async (bundleId: string, name: string) => {
    const files = await evidence.files(bundleId);
    const meta = files?.find((f) => f.name === name);
    const data = meta ? await evidence.read(bundleId, name) : null;
    if (!meta || !data) throw new NotFound(`no file ${name} in the bundle`);
    return { meta, data };
  };

  app.get(
    '/api/cases/:id/evidence/view',
    { preHandler: guard('evidence:view'), schema: { tags: ['evidence'], summary: 'View one file; images are watermarked with viewer and time', params: CaseIdParams, querystring: FileQuery } },
    async (req, reply) => {
      const p = who(req);
      const { c, bundleId } = await bundleOf(req);
      const { meta, data } = await fetchFile(bundleId, req.query.name);
      if (clipWithheld(p, c, meta.kind)) throw new Forbidden('the clip shows personal data (a plate or phone number) your role may not read; the stills show the scene masked');
      await cases.audit({ actor: actorOf(p), action: 'evidence.view', caseId: c.id, file: meta.name, bundleId });
      opts.metrics.evidenceViews.inc({ action: 'view' });
      reply.header('cache-control', 'private, no-store');
      if (meta.contentType.startsWith('image/')) {
        // Without pii:read the plate and phone regions the reading stage located are masked too (a derived copy).
        const regions = seesPii(p) ? [] : piiRegions(c.attributes);
        if (regions.length) reply.header('x-huiyan-pii-masked', String(regions.length));
        return reply.type('image/jpeg').send(await watermark(regions.length ? await maskRegions(data, regions) : data, p.name));
      }
      // The manifest carries the hit's attributes (plates, phone numbers): masked like any answer.
      if (meta.contentType.includes('json') && !seesPii(p)) return reply.type(meta.contentType).send(JSON.stringify(maskPii(JSON.parse(data.toString('utf8')))));
      return reply.type(meta.contentType).send(data);
    },
  );

  app.get(
    '/api/cases/:id/evidence/download',
    { preHandler: guard('evidence:download'), schema: { tags: ['evidence'], summary: 'Download the sealed original (legal file)', params: CaseIdParams, querystring: FileQuery } },
    async (req, reply) => {
      const p = who(req);
      const { c, bundleId } = await bundleOf(req);
      const { meta, data } = await fetchFile(bundleId, req.query.name);
      await cases.audit({ actor: actorOf(p), action: 'evidence.download', caseId: c.id, file: meta.name, bundleId });
      opts.metrics.evidenceViews.inc({ action: 'download' });
      return reply
        .header('content-disposition', `attachment; filename="${bundleId}-${meta.name.replaceAll('/', '_')}"`)
        .header('x-content-sha256', meta.sha256)
        .type(meta.contentType)
        .send(data);
    },
  );

  app.get(
    '/api/cases/:id/verify',
    { preHandler: guard('evidence:verify'), schema: { tags: ['evidence'], summary: 'Verify hashes, signature and chain of the bundle', params: CaseIdParams, querystring: BundleQuery, response: { ...Errors, 200: z.object({ bundleId: z.string(), ok: z.boolean(), problems: z.array(z.string()), uploading: z.boolean().optional() }) } } },
    async (req) => {
      const p = who(req);
      const { c, bundleId } = await bundleOf(req);
      const r = await evidence.verify(bundleId);
      await cases.audit({ actor: actorOf(p), action: 'evidence.verify', caseId: c.id, bundleId });
      return { bundleId, ...r };
    },
  );
};
