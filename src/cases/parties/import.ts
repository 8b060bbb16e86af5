// Bulk import of enforcement targets from CSV (csv-parse) or XLSX (exceljs): one party per
// row, headers in Chinese or English, every bad row reported with its row number and field;
// good rows are created or, matched on kind + licence number, updated. Nothing is half-written:
// each row commits alone, and a dry run only validates.
import { parse as parseCsv } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import type { ZodError } from 'zod';
import type { Db } from '../db.ts';
import { appendAudit } from '../audit.ts';
import { findByLicence, insertParty, PartyConflictError, replaceParty } from './registry.ts';
import { PartyInput, type PartyKindT } from './types.ts';

/** Column headers accepted for each field (first row of the sheet). */
export const IMPORT_COLUMNS: Record<string, string[]> = {
  kind: ['类型', 'kind'],
  name: ['名称', 'name'],
  licenceNo: ['统一社会信用代码', '营业执照号', 'licence_no', 'licenceNo'],
  permitNo: ['许可证号', '运输许可证号', 'permit_no', 'permitNo'],
  permitValidFrom: ['许可证起始日期', 'permit_valid_from', 'permitValidFrom'],
  permitValidTo: ['许可证有效期至', 'permit_valid_to', 'permitValidTo'],
  address: ['地址', 'address'],
  contactName: ['联系人', 'contact_name', 'contactName'],
  contactPhone: ['联系电话', 'contact_phone', 'contactPhone'],
  district: ['区', 'district'],
  street: ['街道', 'street'],
  note: ['备注', 'note'],
  frontages: ['门前区域', 'frontages'],
  plates: ['车牌', 'plates'],
};

const KIND_NAMES: Record<string, PartyKindT> = {
  商户: 'shop', 沿街商户: 'shop', shop: 'shop',
  运输企业: 'transport_company', 渣土运输企业: 'transport_company', transport_company: 'transport_company',
  工地: 'construction_site', 建筑工地: 'construction_site', construction_site: 'construction_site',
  其他: 'other', other: 'other',
};

export interface RowError {
  /** Line of the sheet (1 = the header row), as a spreadsheet shows it. */
  row: number;
  field: string | null;
  message: string;
}

export interface ImportResult {
  rows: number;
  created: number;
  updated: number;
  errors: RowError[];
  dryRun: boolean;
}

export class ImportFileError extends Error {
  override name = 'ImportFileError';
}

type Cells = Record<string, string>;

function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'object') {
    if ('richText' in v) return v.richText.map((t) => t.text).join('');
    if ('text' in v) return String(v.text);
    if ('result' in v) return v.result instanceof Date ? v.result.toISOString().slice(0, 10) : String(v.result ?? '');
    return '';
  }
  return String(v);
}

/** Sheet rows as {header: text}, with the sheet's own line numbers. */
export async function readSheet(format: 'csv' | 'xlsx', data: Buffer): Promise<{ line: number; cells: Cells }[]> {
  let table: string[][];
  if (format === 'csv') {
    try {
      table = parseCsv(data, { bom: true, relax_column_count: true, skip_empty_lines: false, trim: true }) as string[][];
    } catch (err) {
      throw new ImportFileError(`not a readable CSV file: ${(err as Error).message}`);
    }
  } else {
    const wb = new ExcelJS.Workbook();
    try {
      await wb.xlsx.load(data as unknown as ArrayBuffer);
    } catch (err) {
      throw new ImportFileError(`not a readable XLSX file: ${(err as Error).message}`);
    }
    const ws = wb.worksheets[0];
    if (!ws) throw new ImportFileError('the workbook has no sheet');
    table = [];
    ws.eachRow({ includeEmpty: true }, (row, n) => {
      const values = (row.values as ExcelJS.CellValue[]).slice(1).map(cellText);
      table[n - 1] = values.map((s) => s.trim());
    });
    for (let i = 0; i < table.length; i++) table[i] ??= [];
  }
  if (!table.length) throw new ImportFileError('the file is empty');
  const headers = table[0]!.map((h) => h.replace(/^\uFEFF/, '').trim());
  const field = new Map<number, string>();
  const unknown: string[] = [];
  headers.forEach((h, i) => {
    if (!h) return;
    const f = Object.entries(IMPORT_COLUMNS).find(([, names]) => names.includes(h))?.[0];
    if (f) field.set(i, f);
    else unknown.push(h);
  });
  if (unknown.length) throw new ImportFileError(`unknown column ${unknown.map((u) => `"${u}"`).join(', ')}; columns: ${Object.values(IMPORT_COLUMNS).map((n) => n[0]).join(', ')}`);
  for (const need of ['kind', 'name']) {
    if (![...field.values()].includes(need)) throw new ImportFileError(`missing column ${IMPORT_COLUMNS[need]![0]} (${need})`);
  }
  const out: { line: number; cells: Cells }[] = [];
  table.slice(1).forEach((cols, i) => {
    if (cols.every((c) => !c)) return;
    const cells: Cells = {};
    field.forEach((f, idx) => (cells[f] = cols[idx] ?? ''));
    out.push({ line: i + 2, cells });
  });
  return out;
}

const list = (s: string) => s.split(/[;；,，\n]/).map((x) => x.trim()).filter(Boolean);

/** A row's cells → PartyInput's raw shape (validated by the caller). */
function toInput(c: Cells): Record<string, unknown> {
  const { kind, frontages, plates, ...rest } = c;
  return {
    ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== '')),
    kind: KIND_NAMES[kind?.trim() ?? ''] ?? kind,
    frontages: list(frontages ?? '').map((f) => {
      const [cameraId, zoneId] = f.split(/[:：/]/).map((x) => x.trim());
      return { cameraId: cameraId ?? '', zoneId: zoneId ?? '' };
    }),
    plates: list(plates ?? ''),
  };
}

const zodErrors = (line: number, e: ZodError): RowError[] =>
  e.issues.map((i) => ({ row: line, field: i.path.length ? String(i.path[0]) : null, message: i.message }));

/**
 * Imports the rows of a CSV or XLSX file. Frontages are `camera:zone` pairs and plates a list,
 * both separated by `;`. ImportFileError when the file itself cannot be read (bad format,
 * unknown or missing columns); row problems go into `errors` and the other rows still load.
 */
export async function importParties(db: Db, file: { format: 'csv' | 'xlsx'; data: Buffer }, actor: string, dryRun = false): Promise<ImportResult> {
  const rows = await readSheet(file.format, file.data);
  const result: ImportResult = { rows: rows.length, created: 0, updated: 0, errors: [], dryRun };
  const seen = new Map<string, number>();
  for (const { line, cells } of rows) {
    const parsed = PartyInput.safeParse(toInput(cells));
    if (!parsed.success) {
      result.errors.push(...zodErrors(line, parsed.error));
      continue;
    }
    const p = parsed.data;
    const key = `${p.kind}/${p.licenceNo ?? `name:${p.name}`}`;
    if (seen.has(key)) {
      result.errors.push({ row: line, field: p.licenceNo ? 'licenceNo' : 'name', message: `same party as row ${seen.get(key)}` });
      continue;
    }
    seen.set(key, line);
    try {
      // Each row in its own transaction; a dry run rolls every one back.
      const outcome = await db.transaction(async (tx) => {
        const existing = await findByLicence(tx, p.kind, p.licenceNo, p.name);
        if (existing) await replaceParty(tx, existing, p);
        const id = existing ?? (await insertParty(tx, p));
        await appendAudit(tx, { actor, action: existing ? 'party.updated' : 'party.created', targetType: 'party', targetId: id, details: { kind: p.kind, name: p.name, import: true, row: line } });
        if (dryRun) throw new DryRun(existing ? 'updated' : 'created');
        return existing ? 'updated' : 'created';
      }).catch((err) => {
        if (err instanceof DryRun) return err.outcome;
        throw err;
      });
      result[outcome]++;
    } catch (err) {
      if (!(err instanceof PartyConflictError)) throw err;
      result.errors.push({ row: line, field: err.message.startsWith('plate') ? 'plates' : 'licenceNo', message: err.message });
    }
  }
  return result;
}

class DryRun extends Error {
  constructor(readonly outcome: 'created' | 'updated') {
    super('dry run');
  }
}
