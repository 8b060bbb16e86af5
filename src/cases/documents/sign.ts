// The PDF digital signature: a PAdES-style detached CMS (adbe.pkcs7.detached) over the whole
// file except the signature's own /Contents, made with the bureau's PKCS#12 by @signpdf.
import { pdflibAddPlaceholder } from '@signpdf/placeholder-pdf-lib';
import { P12Signer } from '@signpdf/signer-p12';
import { SignPdf } from '@signpdf/signpdf';
import type { PDFDocument } from 'pdf-lib';
import type { BureauCertificate } from './certificate.ts';

/** Adds the signature field to `doc`, saves it and signs it; returns the signed file. */
export async function signDocument(doc: PDFDocument, cert: BureauCertificate, o: { reason: string; location: string; contact: string; at: Date }): Promise<Buffer> {
  pdflibAddPlaceholder({ pdfDoc: doc, reason: o.reason, contactInfo: o.contact, name: cert.commonName, location: o.location, signingTime: o.at });
  // signpdf finds the placeholder by scanning the file: no object streams.
  const unsigned = Buffer.from(await doc.save({ useObjectStreams: false }));
  return new SignPdf().sign(unsigned, new P12Signer(cert.p12, { passphrase: cert.passphrase }), o.at);
}
