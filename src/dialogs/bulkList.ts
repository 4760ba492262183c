// A pasted (or attached) customer list, read into rows before anything is checked (docs/bulk.md).
// Spreadsheets export CSV in several ways, and all of them are read: a byte-order mark, quoted
// cells with commas, quotes or line breaks in them, Windows line ends, and `;` as the separator
// (European locales, where `,` is the decimal mark). The header names the columns, in any order and
// any case; a row's line is its first line in the pasted text (the header is line 1).
import { parse } from 'csv-parse/sync';

/** The columns every list has, as documented in docs/bulk.md (a contract: never renamed). */
export const BULK_REQUIRED_COLUMNS = ['companyName', 'domain', 'registration', 'subscription', 'access'] as const;
/** A new customer's billing address and contact; an existing customer's rows may leave them empty. */
export const BULK_NEW_CUSTOMER_COLUMNS = ['country', 'region', 'city', 'postalCode', 'addressLine1', 'firstName', 'lastName', 'email', 'phone'] as const;
/** Optional: the day the customer accepted the Microsoft Customer Agreement (an Azure plan needs it), and what Partner Center needs in some countries. */
export const BULK_OPTIONAL_COLUMNS = ['agreementDate', 'organizationRegistrationNumber', 'addressLine2', 'culture', 'language'] as const;
export const BULK_COLUMNS = [...BULK_REQUIRED_COLUMNS, ...BULK_NEW_CUSTOMER_COLUMNS, ...BULK_OPTIONAL_COLUMNS] as const;
export type BulkColumn = (typeof BULK_COLUMNS)[number];

/** At most this many rows per list: one approval should stay something a person can read. */
export const MAX_BULK_ROWS = 200;
/** A 200-row list is about 60 KB; anything much bigger is not a list of customers. */
export const MAX_BULK_CHARS = 256 * 1024;

export interface BulkListRow {
  /** The row's first line in the pasted text; the header is line 1. */
  line: number;
  /** Known columns only, trimmed; a column the list does not have is absent. */
  cells: Partial<Record<BulkColumn, string>>;
}

export type BulkList = { ok: true; rows: BulkListRow[]; columns: BulkColumn[]; separator: ',' | ';' } | { ok: false; problem: string };

export function readBulkList(text: string): BulkList {
  if (text.length > MAX_BULK_CHARS) return { ok: false, problem: `The list is over ${MAX_BULK_CHARS / 1024} KB: a list has at most ${MAX_BULK_ROWS} rows. Split it.` };
  const normalised = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  if (!normalised.trim()) return { ok: false, problem: `The list is empty: paste the header row and up to ${MAX_BULK_ROWS} rows.` };
  const separator = separatorOf(normalised);
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(normalised, { delimiter: separator, info: true, skip_empty_lines: true, relax_column_count: true }) as unknown as typeof records;
  } catch (err) {
    const e = err as { code?: string; lines?: number; message?: string };
    const where = e.lines ? ` (line ${e.lines})` : '';
    const what = e.code === 'CSV_QUOTE_NOT_CLOSED' ? 'a quote is opened and never closed' : 'it is not valid CSV';
    return { ok: false, problem: `I could not read the list${where}: ${what}. Put cells with commas, semicolons or quotes in double quotes, and double a quote inside them ("")` };
  }
  const rows = records.map(({ record, info }) => ({ record, line: info.lines - record.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0) }));
  const [header, ...data] = rows.filter((r) => r.record.some((cell) => cell.trim() !== ''));
  if (!header) return { ok: false, problem: 'The list has no header row.' };
  const columnOf = new Map(BULK_COLUMNS.map((c) => [c.toLowerCase(), c]));
  const columns = header.record.map((name) => columnOf.get(name.trim().toLowerCase()));
  const missing = BULK_REQUIRED_COLUMNS.filter((c) => !columns.includes(c));
  if (missing.length) {
    return {
      ok: false,
      problem: `The header row (line ${header.line}) has no ${missing.join(', ')} column${missing.length > 1 ? 's' : ''}. The columns are ${BULK_COLUMNS.slice(0, 14).join(', ')} (any order, any case; see docs/bulk.md).`,
    };
  }
  const repeated = columns.filter((c, i): c is BulkColumn => c !== undefined && columns.indexOf(c) !== i);
  if (repeated.length) return { ok: false, problem: `The header row names ${repeated[0]} twice: keep one.` };
  if (data.length === 0) return { ok: false, problem: 'The list has a header row but no customers: add a row per customer.' };
  if (data.length > MAX_BULK_ROWS) return { ok: false, problem: `The list has ${data.length} rows; at most ${MAX_BULK_ROWS} can be onboarded at once. Split it into lists of ${MAX_BULK_ROWS} or fewer.` };
  return {
    ok: true,
    separator,
    columns: columns.filter((c): c is BulkColumn => c !== undefined),
    rows: data.map(({ record, line }) => {
      const cells: BulkListRow['cells'] = {};
      columns.forEach((column, i) => {
        if (column) cells[column] = (record[i] ?? '').trim();
      });
      return { line, cells };
    }),
  };
}

/** `;` when the header row is separated by semicolons (outside quotes) and not by commas. */
function separatorOf(text: string): ',' | ';' {
  const firstLine = text.split('\n').find((l) => l.trim() !== '') ?? '';
  const unquoted = firstLine.replace(/"[^"]*"/g, '');
  return unquoted.includes(';') && !unquoted.includes(',') ? ';' : ',';
}
