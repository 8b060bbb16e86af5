// Phone numbers on small ads (bureaus get them suspended): Chinese mobiles (1[3-9] + 9
// digits, optional +86/86), landlines with an area code (0xx or 0xxx, then 7–8 digits),
// written with full-width digits and spaces, dashes, dots or brackets between groups.

/** Full-width digits and punctuation → ASCII; common OCR confusions inside digit runs fixed later. */
export function toHalfWidth(s: string): string {
  return s.replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/\u3000/g, ' ');
}

const SEP = '[\\s\\-.·•—–_()（）]*';

/**
 * Every distinct phone number in `text`, normalised to digits only (mobiles as 11 digits,
 * landlines as area code + '-' + number).
 */
export function extractPhoneNumbers(text: string): string[] {
  const s = toHalfWidth(text).replace(/[Oo](?=[\d\s\-.]*\d)/g, '0');
  const found: string[] = [];
  // Candidate runs: digits with separators, at least 7 digits long.
  const runs = s.match(new RegExp(`\\+?\\d(?:${SEP}\\d){6,}`, 'g')) ?? [];
  for (const run of runs) {
    let digits = run.replace(/\D/g, '');
    if (digits.startsWith('86') && digits.length === 13 && /^1[3-9]/.test(digits.slice(2))) digits = digits.slice(2);
    const mobile = digits.match(/^1[3-9]\d{9}$/);
    if (mobile) {
      found.push(digits);
      continue;
    }
    // Landline: 3-digit area codes (010, 02x) or 4-digit ones (0xxx), then 7–8 digits.
    const m3 = digits.match(/^(0(?:10|2\d))(\d{8})$/);
    const m4 = digits.match(/^(0[3-9]\d{2})(\d{7,8})$/);
    const land = m3 ?? m4;
    if (land) {
      found.push(`${land[1]}-${land[2]}`);
      continue;
    }
    // Two or more mobiles glued together by OCR; any other long run (device ids, plates) is not a phone.
    const chunks = digits.match(/\d{11}/g) ?? [];
    if (digits.length % 11 === 0 && chunks.length > 1 && chunks.every((c) => /^1[3-9]\d{9}$/.test(c))) found.push(...chunks);
  }
  return [...new Set(found)];
}
