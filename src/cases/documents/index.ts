// Legal documents of cases (法律文书): the notice of violation issued on legal approval and the
// order to correct, as signed PDFs with their verification. See docs/cases.md.
export { documentSettingsFromEnv, DocumentEnv, type DocumentSettings } from './config.ts';
export { loadBureauCertificate, openP12, selfSignedP12, certificateSha256, type BureauCertificate } from './certificate.ts';
export { DOCUMENT_KINDS, DocumentError, StillsUnavailableError, DocumentFacts, contentSha256, type DocumentKind, type DocumentFactsT, type Still, type StillReader } from './facts.ts';
export { DocumentIssuer, nextDocumentNo } from './issue.ts';
export { listDocuments, readDocument, findDocument, publicLookup, verifyUrl, MIN_PREFIX, type DocumentMeta, type PublicDocument } from './registry.ts';
export { verifyDocumentSignature, type SignatureCheck } from './verify.ts';
export { checkDocument, type DocumentCheck } from './check.ts';
export { documentIssuer, stillsFromEvidence } from './stills.ts';
