/**
 * tcpretrans: py `TIME PID IP LADDR:LPORT T> RADDR:RPORT STATE [SEQ]` (`L>` rows are tail loss probes),
 * bpftrace `TIME PID LADDR:LPORT RADDR:RPORT STATE`, and the py `-c` table
 * `LADDR:LPORT RADDR:RPORT RETRANSMITS` with `a:p <-> b:q N` rows. There is no libbpf tcpretrans.
 */
import type { Flavor, TcpretransSummary } from './types.ts';
import { type LineParser, WarningList } from './line-parser.ts';
import { BoundedCounts, clockSeconds, isInt, splitFields } from './text.ts';

type Layout = 'bcc' | 'bpftrace' | 'count';

/** Recognises a tcpretrans header, or returns null. */
export function matchTcpretransHeader(line: string): { layout: Layout; flavor: Flavor } | null {
  const s = splitFields(line).tokens.join(' ');
  if (/^TIME PID IP LADDR:LPORT T> RADDR:RPORT STATE( SEQ)?$/.test(s)) return { layout: 'bcc', flavor: 'bcc' };
  if (s === 'TIME PID LADDR:LPORT RADDR:RPORT STATE') return { layout: 'bpftrace', flavor: 'bpftrace' };
  if (s === 'LADDR:LPORT RADDR:RPORT RETRANSMITS') return { layout: 'count', flavor: 'bcc' };
  return null;
}

/** Line consumer for tcpretrans output. */
export function createTcpretransParser(): LineParser<TcpretransSummary> {
  const w = new WarningList();
  const byType = new BoundedCounts();
  const byRemote = new BoundedCounts();
  const byState = new BoundedCounts();
  let layout: Layout | null = null;
  let events = 0;

  return {
    get warnings() {
      return w.list;
    },
    push(line, lineNo) {
      if (line.includes('RADDR:RPORT')) {
        const h = matchTcpretransHeader(line);
        if (h) {
          layout = h.layout;
          return;
        }
      }
      if (!layout) return;
      // the widest layout reads 7 columns; one more tells a count row that is too long
      const tok = splitFields(line, 8).tokens;
      if (layout === 'count') {
        if (tok[1] !== '<->') return;
        if (tok.length !== 4 || !isInt(tok[3])) {
          w.add(lineNo, 'tcpretrans count row with an unreadable RETRANSMITS value');
          return;
        }
        events += Number(tok[3]);
        byRemote.add(tok[2], Number(tok[3]));
        return;
      }
      if (Number.isNaN(clockSeconds(tok[0]))) return;
      const want = layout === 'bcc' ? 7 : 5;
      if (tok.length < want || !isInt(tok[1])) {
        w.add(lineNo, 'tcpretrans row does not fit its header');
        return;
      }
      events++;
      if (layout === 'bcc') {
        byType.add(tok[4].replace('>', ''));
        byRemote.add(tok[5]);
        byState.add(tok[6]);
      } else {
        byType.add('R');
        byRemote.add(tok[3]);
        byState.add(tok[4]);
      }
    },
    finish() {
      w.close();
      return { events, byType: byType.toObject(), byRemote: byRemote.toObject(), byState: byState.toObject() };
    },
  };
}
