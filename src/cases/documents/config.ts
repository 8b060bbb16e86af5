// Settings of the legal documents from the environment (zod, unknown values are errors): who
// issues them, where the bureau's signing certificate is, which CJK font face prints them and
// the public address their QR codes point to.
import path from 'node:path';
import { z } from 'zod';
import { PROJECT_ROOT } from '../../inference/manifest.ts';

export const DocumentEnv = z.object({
  /** The issuing bureau as printed in the header and the seal. */
  HUIYAN_BUREAU_NAME: z.string().trim().min(2).max(40).default('示范区城市管理行政执法局'),
  /** Address / telephone line under the header (where a party makes a statement). */
  HUIYAN_BUREAU_CONTACT: z.string().trim().max(120).default('示范区示范路 1 号 · 12345'),
  /** The bureau's abbreviation that starts every document number: 城管告〔2026〕00001号. */
  HUIYAN_DOCUMENT_NO_PREFIX: z.string().trim().min(1).max(10).default('城管'),
  /** PKCS#12 (.p12/.pfx) with the bureau's signing key and certificate; absent: a self-signed demo one in HUIYAN_DOCUMENT_KEYS. */
  HUIYAN_DOCUMENT_P12: z.string().min(1).optional(),
  /** Its passphrase (with HUIYAN_DOCUMENT_P12; for the demo certificate one is generated into the keys folder). */
  HUIYAN_DOCUMENT_P12_PASSPHRASE: z.string().optional(),
  /** Folder of the demo certificate, next to the evidence keys. */
  HUIYAN_DOCUMENT_KEYS: z.string().default(path.join(PROJECT_ROOT, 'var/document-keys')),
  /** Public origin of the verification page the QR code opens (scheme://host[:port]). */
  HUIYAN_PUBLIC_URL: z.url().default('http://127.0.0.1:8080'),
  /** A TrueType/OpenType collection (or single font) from fonts-noto-cjk, and the face to use. */
  HUIYAN_DOCUMENT_FONT: z.string().default('/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc'),
  HUIYAN_DOCUMENT_FONT_FACE: z.string().default('NotoSerifCJKsc-Regular'),
});

export interface DocumentSettings {
  bureauName: string;
  bureauContact: string;
  noPrefix: string;
  /** The configured PKCS#12, or null for the demo certificate in keysDir. */
  p12: { path: string; passphrase: string } | null;
  keysDir: string;
  publicUrl: string;
  font: { path: string; face: string };
}

/** Parses the variables; throws an Error naming the bad one. */
export function documentSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): DocumentSettings {
  const r = DocumentEnv.safeParse(env);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new Error(`document configuration: ${i.path.join('.')}: ${i.message}`);
  }
  const e = r.data;
  if (e.HUIYAN_DOCUMENT_P12 && e.HUIYAN_DOCUMENT_P12_PASSPHRASE === undefined) {
    throw new Error('document configuration: HUIYAN_DOCUMENT_P12 needs HUIYAN_DOCUMENT_P12_PASSPHRASE');
  }
  return {
    bureauName: e.HUIYAN_BUREAU_NAME,
    bureauContact: e.HUIYAN_BUREAU_CONTACT,
    noPrefix: e.HUIYAN_DOCUMENT_NO_PREFIX,
    p12: e.HUIYAN_DOCUMENT_P12 ? { path: e.HUIYAN_DOCUMENT_P12, passphrase: e.HUIYAN_DOCUMENT_P12_PASSPHRASE ?? '' } : null,
    keysDir: e.HUIYAN_DOCUMENT_KEYS,
    publicUrl: new URL(e.HUIYAN_PUBLIC_URL).origin,
    font: { path: e.HUIYAN_DOCUMENT_FONT, face: e.HUIYAN_DOCUMENT_FONT_FACE },
  };
}
