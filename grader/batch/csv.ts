/** Minimal RFC 4180 CSV: enough for rosters in and gradebooks out, with line numbers for errors. */

/**
 * One CSV field. Quoted when it holds a comma, quote, line break or edge spaces. Text that a
 * spreadsheet would run as a formula (=, +, -, @ at the start) gets a leading apostrophe: learner ids
 * and names come from learners, and a gradebook is opened in a spreadsheet.
 */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'string') return String(value);
  let v = value;
  if (/^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  return /[",\r\n]|^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function csvLine(fields: (string | number | boolean | null | undefined)[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

export interface CsvRow {
  /** 1-based line where the row starts */
  line: number;
  fields: string[];
}

export class CsvError extends Error {
  override name = 'CsvError';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/** Parses CSV text; blank lines are skipped. Throws {@link CsvError} for an unterminated quote. */
export function parseCsv(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  const src = text.replace(/^\uFEFF/, '');
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let rowLine = 1;
  let quoted = false;
  let quoteLine = 0;
  let i = 0;
  const endRow = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0].trim() === '')) rows.push({ line: rowLine, fields });
    fields = [];
    field = '';
  };
  while (i < src.length) {
    const c = src[i];
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        field += c;
      }
      i++;
      continue;
    }
    if (c === '"' && field.trim() === '') {
      quoted = true;
      quoteLine = line;
      field = '';
    } else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      endRow();
      if (c === '\r' && src[i + 1] === '\n') i++;
      line++;
      rowLine = line;
    } else field += c;
    i++;
  }
  if (quoted) throw new CsvError('unterminated quoted field', quoteLine);
  if (field !== '' || fields.length) endRow();
  return rows;
}
