/**
 * tcpconnect: py/libbpf `PID COMM IP SADDR DADDR DPORT` (+ `TIME(s)`, `UID`, py `LPORT`/`QUERY`, libbpf
 * `SPORT`), bpftrace `TIME PID COMM SADDR SPORT DADDR DPORT`, and the `-c` count table
 * `LADDR RADDR [LPORT] RPORT CONNECTS`. See corpus/FORMATS.md "tcpconnect".
 */
import type { Flavor, TcpconnectSummary } from './types.ts';
import { type LineParser, WarningList } from './line-parser.ts';
import { BoundedCounts, isInt, splitFields } from './text.ts';

export interface TcpconnectLayout {
  columns: string[];
  count: boolean;
  flavor: Flavor;
}

/** Recognises a tcpconnect header (event or count table), or returns null. */
export function matchTcpconnectHeader(line: string): TcpconnectLayout | null {
  const columns = splitFields(line).tokens;
  const s = columns.join(' ');
  if (/^LADDR RADDR (LPORT )?RPORT CONNECTS$/.test(s)) return { columns, count: true, flavor: 'unknown' };
  if (s === 'TIME PID COMM SADDR SPORT DADDR DPORT') return { columns, count: false, flavor: 'bpftrace' };
  if (!/^(TIME\(s\) )?(UID )?PID COMM IP SADDR (LPORT )?DADDR (SPORT )?DPORT( QUERY)?$/.test(s)) return null;
  let flavor: Flavor;
  if (columns.includes('LPORT') || columns.includes('QUERY')) flavor = 'bcc';
  else if (columns.includes('SPORT')) flavor = 'libbpf';
  // COMM 16 wide: libbpf; else the PID column: BCC 0.2x prints it 7 wide (and a "Tracing connect" banner,
  // which decides before the header does), libbpf-tools 6 wide with no banner (Debian 12, real captures)
  else if (line.indexOf(' IP ') - line.indexOf('COMM') >= 16) flavor = 'libbpf';
  else flavor = line.indexOf('COMM') - line.indexOf('PID') >= 8 ? 'bcc' : 'libbpf';
  return { columns, count: false, flavor };
}

/** Line consumer for tcpconnect output. */
export function createTcpconnectParser(): LineParser<TcpconnectSummary> {
  const w = new WarningList();
  const byComm = new BoundedCounts();
  const byDest = new BoundedCounts();
  let layout: TcpconnectLayout | null = null;
  let idx: Record<string, number> = {};
  let events = 0;

  return {
    get warnings() {
      return w.list;
    },
    push(line, lineNo) {
      if (line.includes('PORT')) {
        const h = matchTcpconnectHeader(line);
        if (h) {
          layout = h;
          idx = Object.fromEntries(h.columns.map((c, i) => [c, i]));
          return;
        }
      }
      if (!layout) return;
      if (layout.count) {
        const tok = splitFields(line, layout.columns.length + 1).tokens;
        const n = tok[idx.CONNECTS];
        const raddr = tok[idx.RADDR] ?? '';
        if (tok.length !== layout.columns.length || !isInt(tok[idx.RPORT]) || !/[.:]/.test(raddr)) return;
        if (!isInt(n)) {
          w.add(lineNo, 'tcpconnect count row with an unreadable CONNECTS value');
          return;
        }
        events += Number(n);
        byDest.add(`${tok[idx.RADDR]}:${tok[idx.RPORT]}`, Number(n));
        return;
      }
      const tok = splitFields(line, layout.columns.length).tokens;
      if (!isInt(tok[idx.PID])) return;
      const dport = tok[idx.DPORT];
      if (tok.length < idx.DPORT + 1 || !isInt(dport)) {
        w.add(lineNo, `tcpconnect row does not fit the header (${layout.columns.join(' ')})`);
        return;
      }
      events++;
      byComm.add(tok[idx.COMM]);
      byDest.add(`${tok[idx.DADDR]}:${dport}`);
    },
    finish() {
      w.close();
      return { events, byComm: byComm.toObject(), byDest: byDest.toObject() };
    },
  };
}
