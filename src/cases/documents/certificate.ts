// The bureau's signing certificate: a configured PKCS#12, or for the demo and tests a
// self-signed one made with node-forge on first start and kept (mode 0600) in the keys folder
// with a generated passphrase beside it, like the evidence signing keys.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';
import type { DocumentSettings } from './config.ts';

export interface BureauCertificate {
  /** The PKCS#12 bytes and passphrase the signer opens. */
  p12: Buffer;
  passphrase: string;
  /** Subject common name of the signing certificate. */
  commonName: string;
  /** Lowercase hex sha256 of the certificate's DER: what a document's signer must match. */
  sha256: string;
}

export const DEMO_P12 = 'bureau-demo.p12';
const DEMO_PASS = 'bureau-demo.pass';

/** sha256 (hex) of a forge certificate's DER encoding. */
export function certificateSha256(cert: forge.pki.Certificate): string {
  const der = forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes();
  return createHash('sha256').update(Buffer.from(der, 'binary')).digest('hex');
}

/** Opens a PKCS#12; throws when the passphrase is wrong or it holds no certificate with a key. */
export function openP12(p12: Buffer, passphrase: string): BureauCertificate {
  const asn1 = forge.asn1.fromDer(forge.util.createBuffer(p12.toString('binary')));
  const parsed = forge.pkcs12.pkcs12FromAsn1(asn1, passphrase);
  const cert = parsed.getBags({ bagType: forge.pki.oids.certBag! })[forge.pki.oids.certBag!]?.[0]?.cert;
  const hasKey = (parsed.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag! })[forge.pki.oids.pkcs8ShroudedKeyBag!]?.length ?? 0) > 0
    || (parsed.getBags({ bagType: forge.pki.oids.keyBag! })[forge.pki.oids.keyBag!]?.length ?? 0) > 0;
  if (!cert || !hasKey) throw new Error('the PKCS#12 holds no certificate with its private key');
  return { p12, passphrase, commonName: forge.util.decodeUtf8(String(cert.subject.getField('CN')?.value ?? '')), sha256: certificateSha256(cert) };
}

/** A self-signed RSA-2048 certificate for `bureau`, valid 5 years, as PKCS#12 (AES-256). */
export function selfSignedP12(bureau: string, passphrase: string, now = new Date()): Buffer {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '01' + randomBytes(8).toString('hex');
  cert.validity.notBefore = now;
  cert.validity.notAfter = new Date(now.getTime() + 5 * 365 * 86400_000);
  // utf8 strings: forge writes PrintableString by default, which cannot hold Chinese.
  const attrs = [
    { shortName: 'CN', value: `${bureau}（演示证书）`, valueTagClass: forge.asn1.Type.UTF8 },
    { shortName: 'O', value: bureau, valueTagClass: forge.asn1.Type.UTF8 },
    { shortName: 'C', value: 'CN' },
  ] as forge.pki.CertificateField[];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  const asn1 = forge.pkcs12.toPkcs12Asn1(keys.privateKey, [cert], passphrase, { algorithm: 'aes256', friendlyName: 'bureau' });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}

const writePrivate = (file: string, data: Buffer | string) => {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode: 0o600 });
  renameSync(tmp, file);
};

/**
 * The configured certificate, or the demo one in `keysDir` (created on first call when
 * `create` is true). Throws when a configured file is missing or its passphrase is wrong.
 */
export function loadBureauCertificate(s: Pick<DocumentSettings, 'p12' | 'keysDir' | 'bureauName'>, create = true): BureauCertificate {
  if (s.p12) return openP12(readFileSync(s.p12.path), s.p12.passphrase);
  const file = path.join(s.keysDir, DEMO_P12);
  const passFile = path.join(s.keysDir, DEMO_PASS);
  if (!existsSync(file)) {
    if (!create) throw new Error(`no bureau certificate: set HUIYAN_DOCUMENT_P12, or start the API once to create the demo one in ${s.keysDir}`);
    mkdirSync(s.keysDir, { recursive: true, mode: 0o700 });
    const passphrase = randomBytes(18).toString('base64url');
    writePrivate(passFile, passphrase);
    writePrivate(file, selfSignedP12(s.bureauName, passphrase));
  }
  return openP12(readFileSync(file), readFileSync(passFile, 'utf8').trim());
}
