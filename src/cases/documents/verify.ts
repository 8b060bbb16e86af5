// Checks a signed document file on its own: the signature's byte ranges cover the whole file
// except the signature value, the CMS (PKCS#7) parses, its messageDigest equals the sha256 of
// the covered bytes and its signature over the signed attributes verifies with the signer's
// certificate (node-forge). Whether that signer is the bureau, and whether the file is
// registered, the caller decides (documents.ts, `huiyan verify`).
import { createHash } from 'node:crypto';
import forge from 'node-forge';
import { PDFDocument } from 'pdf-lib';
import { certificateSha256 } from './certificate.ts';
import { DOC_NO_KEYWORD } from './render.ts';

export interface SignatureCheck {
  ok: boolean;
  /** What failed first, in one line; absent when ok. */
  problem?: string;
  /** sha256 (hex) of the whole file. */
  fileSha256: string;
  /** sha256 of the signer certificate's DER, when the CMS could be read. */
  signerSha256?: string;
  signerName?: string;
  /** The document number from the file's metadata, when readable. */
  docNo?: string;
}

/** Bytes of a DER SEQUENCE (header + body) from its tag and length octets; null if not one. */
function derTotalLength(b: Buffer): number | null {
  if (b.length < 2 || b[0] !== 0x30) return null;
  const first = b[1]!;
  if (first < 0x80) return 2 + first;
  const n = first & 0x7f;
  if (n === 0 || n > 4 || b.length < 2 + n) return null;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + b[2 + i]!;
  return 2 + n + len;
}

const fail = (fileSha256: string, problem: string, extra: Partial<SignatureCheck> = {}): SignatureCheck => ({ ok: false, problem, fileSha256, ...extra });

/** Verifies the one signature of a PDF (see the module comment). Never throws on bad input. */
export async function verifyDocumentSignature(pdf: Buffer): Promise<SignatureCheck> {
  const fileSha256 = createHash('sha256').update(pdf).digest('hex');
  const text = pdf.toString('latin1');
  const ranges = [...text.matchAll(/\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)];
  if (ranges.length !== 1) return fail(fileSha256, ranges.length ? 'more than one signature' : 'no signature (no /ByteRange)');
  const [a, b, c, d] = ranges[0]!.slice(1).map(Number) as [number, number, number, number];
  // The two ranges must be the whole file but for the hex string <…> between them.
  if (a !== 0 || c + d !== pdf.length || b >= c || pdf[b] !== 0x3c || pdf[c - 1] !== 0x3e) {
    return fail(fileSha256, 'the signature does not cover the whole file');
  }
  const hex = text.slice(b + 1, c - 1);
  if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length % 2) return fail(fileSha256, 'the signature value is not hex');
  // The placeholder is zero-padded after the DER: take the outer SEQUENCE's length from its
  // header, and refuse anything but zeros after it (a changed padding byte is a change too).
  const all = Buffer.from(hex, 'hex');
  const derLength = derTotalLength(all);
  if (derLength === null || derLength > all.length || all.subarray(derLength).some((x) => x !== 0)) {
    return fail(fileSha256, 'the signature value is not one CMS followed by zero padding');
  }
  const der = all.subarray(0, derLength);
  let p7: forge.pkcs7.PkcsSignedData & { rawCapture: Record<string, unknown> };
  try {
    p7 = forge.pkcs7.messageFromAsn1(forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')))) as typeof p7;
  } catch (err) {
    return fail(fileSha256, `the signature is not a readable CMS: ${(err as Error).message}`);
  }
  const raw = p7.rawCapture as { authenticatedAttributes?: forge.asn1.Asn1[]; signature?: string; digestAlgorithm?: string; serial?: string };
  if (!raw.authenticatedAttributes || !raw.signature || !raw.digestAlgorithm) return fail(fileSha256, 'the CMS has no signed attributes');
  const digestOid = forge.asn1.derToOid(raw.digestAlgorithm);
  const digestName = forge.pki.oids[digestOid];
  if (digestName !== 'sha256' && digestName !== 'sha384' && digestName !== 'sha512') return fail(fileSha256, `digest ${digestName ?? digestOid} not accepted`);
  const cert = p7.certificates.find((x) => raw.serial === undefined || x.serialNumber === forge.util.bytesToHex(raw.serial)) ?? p7.certificates[0];
  if (!cert) return fail(fileSha256, 'the CMS carries no signer certificate');
  const signer = { signerSha256: certificateSha256(cert), signerName: forge.util.decodeUtf8(String(cert.subject.getField('CN')?.value ?? '')) };

  const covered = Buffer.concat([pdf.subarray(a, a + b), pdf.subarray(c, c + d)]);
  const digest = createHash(digestName).update(covered).digest();
  const mdAttr = raw.authenticatedAttributes.find((x) => forge.asn1.derToOid((x.value as forge.asn1.Asn1[])[0]!.value as string) === forge.pki.oids.messageDigest);
  const mdValue = mdAttr ? (((mdAttr.value as forge.asn1.Asn1[])[1]!.value as forge.asn1.Asn1[])[0]!.value as string) : undefined;
  if (!mdValue || !Buffer.from(mdValue, 'binary').equals(digest)) return fail(fileSha256, 'the file was changed after signing (message digest differs)', signer);

  // The signature is over the DER of the signed attributes as a SET.
  const set = forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.SET, true, raw.authenticatedAttributes);
  const md = forge.md[digestName].create();
  md.update(forge.asn1.toDer(set).getBytes());
  let valid = false;
  try {
    valid = (cert.publicKey as forge.pki.rsa.PublicKey).verify(md.digest().getBytes(), raw.signature);
  } catch {
    valid = false;
  }
  if (!valid) return fail(fileSha256, 'the CMS signature does not verify with its certificate', signer);

  let docNo: string | undefined;
  try {
    const doc = await PDFDocument.load(pdf, { updateMetadata: false });
    docNo = doc.getKeywords()?.split(/\s+/).find((k) => k.startsWith(DOC_NO_KEYWORD))?.slice(DOC_NO_KEYWORD.length);
  } catch {
    /* the number is optional here; the registry lookup reports its absence */
  }
  return { ok: true, fileSha256, ...signer, docNo };
}
