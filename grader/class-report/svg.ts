import type { CaptureDigest } from '../batch/types.ts';
import { clip, esc, num } from './escape.ts';
import type { CheckRate } from './summary.ts';

/** Inline SVG charts for the class report. Every label is escaped: names come from learners' captures. */

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, sans-serif"';
const GREEN = '#2f9e44';
const AMBER = '#f08c00';
const RED = '#e03131';
const BLUE = '#1c7ed6';

function svg(width: number, height: number, label: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(label)}" ${FONT} font-size="12">${body}</svg>`;
}

/**
 * Score distribution: ten 10%-wide buckets, each bar split into submissions that passed (green, below) and
 * did not (red, above). Pass or not is the grader's verdict, not the bar's position: a required check that
 * failed keeps a high score from passing.
 */
export function scoreHistogram(distribution: number[], passPercent: number, passedByBand: number[] = distribution.map((n, i) => (i * 10 >= passPercent ? n : 0))): string {
  const W = 520;
  const H = 220;
  const left = 36;
  const bottom = 30;
  const top = 26;
  const plotW = W - left - 10;
  const plotH = H - top - bottom;
  const max = Math.max(1, ...distribution);
  const bw = plotW / distribution.length;
  let body = `<line x1="${left}" y1="${top + plotH}" x2="${W - 10}" y2="${top + plotH}" stroke="#868e96"/>`;
  for (let t = 0; t <= max; t += Math.max(1, Math.ceil(max / 4))) {
    const y = top + plotH - (t / max) * plotH;
    body += `<line x1="${left}" y1="${num(y)}" x2="${W - 10}" y2="${num(y)}" stroke="#e9ecef"/><text x="${left - 6}" y="${num(y + 4)}" text-anchor="end" fill="#495057">${t}</text>`;
  }
  distribution.forEach((count, i) => {
    const passed = Math.min(count, passedByBand[i] ?? 0);
    const failed = count - passed;
    const x = left + i * bw + 3;
    const band = `${i * 10}-${i === 9 ? 100 : i * 10 + 10}%`;
    const hp = (passed / max) * plotH;
    const hf = (failed / max) * plotH;
    if (passed) body += `<rect class="bar pass" x="${num(x)}" y="${num(top + plotH - hp)}" width="${num(bw - 6)}" height="${num(hp)}" fill="${GREEN}" rx="2"><title>${band}: ${passed} passed</title></rect>`;
    if (failed) body += `<rect class="bar fail" x="${num(x)}" y="${num(top + plotH - hp - hf)}" width="${num(bw - 6)}" height="${num(hf)}" fill="${RED}" rx="2"><title>${band}: ${failed} not passed</title></rect>`;
    if (count) body += `<text x="${num(x + (bw - 6) / 2)}" y="${num(top + plotH - hp - hf - 3)}" text-anchor="middle" fill="#212529">${count}</text>`;
    body += `<text x="${num(x + (bw - 6) / 2)}" y="${H - 12}" text-anchor="middle" fill="#495057">${i * 10}</text>`;
  });
  const px = left + (passPercent / 100) * plotW;
  body += `<line x1="${num(px)}" y1="${top - 10}" x2="${num(px)}" y2="${top + plotH}" stroke="#343a40" stroke-dasharray="4 3"/><text x="${num(px)}" y="11" text-anchor="middle" fill="#343a40">pass mark ${passPercent}%</text>`;
  body += `<text x="${W - 10}" y="${H - 1}" text-anchor="end" fill="#868e96" font-size="10">score %</text>`;
  return svg(W, H, 'score distribution', body);
}

/** Per-check pass rate: one stacked bar per check (pass, partial, fail, pending review). */
export function checkRateBars(checks: CheckRate[]): string {
  const W = 720;
  const rowH = 24;
  const labelW = 350;
  const barW = W - labelW - 60;
  const H = checks.length * rowH + 8;
  let body = '';
  checks.forEach((c, i) => {
    const n = c.pass + c.partial + c.fail + c.review;
    const y = 4 + i * rowH;
    const seg = (count: number, x: number, fill: string, what: string) =>
      count ? `<rect class="bar" x="${num(x)}" y="${y + 3}" width="${num((count / n) * barW)}" height="${rowH - 8}" fill="${fill}"><title>${esc(c.title)}: ${count} ${what}</title></rect>` : '';
    const pw = (c.pass / n) * barW;
    const mw = (c.partial / n) * barW;
    body += `<text x="${labelW - 8}" y="${y + rowH / 2 + 4}" text-anchor="end" fill="#212529">${esc(clip(c.title, 46))}${c.kind === 'answer' ? ' ✎' : ''}</text>`;
    body += `<rect x="${labelW}" y="${y + 3}" width="${barW}" height="${rowH - 8}" fill="#f1f3f5"/>`;
    body += seg(c.pass, labelW, GREEN, 'pass') + seg(c.partial, labelW + pw, AMBER, 'partial') + seg(c.fail, labelW + pw + mw, RED, 'fail') + seg(c.review, labelW + pw + mw + (c.fail / n) * barW, BLUE, 'pending review');
    body += `<text x="${labelW + barW + 6}" y="${y + rowH / 2 + 4}" fill="#212529">${Math.round((c.pass / n) * 100)}%</text>`;
  });
  return svg(W, H, 'pass rate per check', body);
}

/** Horizontal bars for counts by name (execsnoop commands, fsslower operation types). */
export function namedBars(items: [string, number][], label: string, unit: string): string {
  const W = 720;
  const rowH = 22;
  const labelW = 160;
  const barW = W - labelW - 90;
  const max = Math.max(1, ...items.map(([, v]) => v));
  let body = '';
  items.forEach(([name, v], i) => {
    const y = 4 + i * rowH;
    const w = (v / max) * barW;
    body += `<text x="${labelW - 8}" y="${y + 15}" text-anchor="end" fill="#212529" font-family="ui-monospace, monospace">${esc(clip(name, 22))}</text>`;
    body += `<rect class="bar" x="${labelW}" y="${y + 3}" width="${num(Math.max(1, w))}" height="${rowH - 6}" fill="${i === 0 ? RED : BLUE}" rx="2"><title>${esc(name)}: ${v} ${esc(unit)}</title></rect>`;
    body += `<text x="${num(labelW + w + 6)}" y="${y + 15}" fill="#212529">${v} ${esc(unit)}</text>`;
  });
  return svg(W, items.length * rowH + 8, label, body);
}

function bucketLabel(low: number, high: number): string {
  const fmt = (n: number) => (n >= Number.MAX_SAFE_INTEGER ? '∞' : n <= Number.MIN_SAFE_INTEGER ? '-∞' : n >= 10_000 ? `${Math.round(n / 1000)}k` : String(n));
  return `${fmt(low)}-${fmt(high)}`;
}

/** A latency histogram (log2 buckets) as vertical bars. */
export function latencyHistogram(hist: NonNullable<CaptureDigest['hist']>): string {
  const buckets = hist.buckets.slice(0, 40);
  const W = 720;
  const H = 240;
  const left = 44;
  const bottom = 58;
  const plotW = W - left - 10;
  const plotH = H - 14 - bottom;
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const bw = plotW / Math.max(1, buckets.length);
  let body = `<line x1="${left}" y1="${14 + plotH}" x2="${W - 10}" y2="${14 + plotH}" stroke="#868e96"/>`;
  buckets.forEach((b, i) => {
    const h = (b.count / max) * plotH;
    const x = left + i * bw + 2;
    const lab = bucketLabel(b.low, b.high);
    body += `<rect class="bar" x="${num(x)}" y="${num(14 + plotH - h)}" width="${num(Math.max(1, bw - 4))}" height="${num(h)}" fill="${BLUE}"><title>${esc(lab)} ${esc(hist.unit)}: ${b.count}</title></rect>`;
    body += `<text transform="translate(${num(x + bw / 2)},${num(18 + plotH)}) rotate(45)" fill="#495057" font-size="10">${esc(lab)}</text>`;
  });
  body += `<text x="${left - 6}" y="20" text-anchor="end" fill="#495057">${max}</text><text x="${W - 10}" y="${H - 2}" text-anchor="end" fill="#868e96" font-size="10">${esc(hist.unit)}</text>`;
  return svg(W, H, `histogram (${hist.unit})`, body);
}

interface Node {
  name: string;
  value: number;
  children: Map<string, Node>;
}

function hue(name: string): number {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.codePointAt(0)!) >>> 0;
  return h % 50;
}

/**
 * Flame-style icicle of the biggest stacks: the root (process) on top, callees below, widths by time.
 * Frames come root first; each stack is prefixed with its command so processes sit side by side.
 */
export function icicle(stacks: NonNullable<CaptureDigest['stacks']>, unit: string): string {
  const root: Node = { name: 'all', value: 0, children: new Map() };
  for (const s of stacks) {
    root.value += s.value;
    let node = root;
    for (const f of [s.comm, ...s.frames]) {
      let child = node.children.get(f);
      if (!child) node.children.set(f, (child = { name: f, value: 0, children: new Map() }));
      child.value += s.value;
      node = child;
    }
  }
  const W = 1000;
  const rowH = 18;
  let depth = 0;
  let body = '';
  const draw = (n: Node, x: number, w: number, d: number) => {
    depth = Math.max(depth, d);
    const y = d * rowH;
    const light = 55 + (hue(n.name) % 20);
    body += `<g><rect class="frame" x="${num(x)}" y="${y}" width="${num(Math.max(0.5, w - 0.5))}" height="${rowH - 1}" fill="hsl(${hue(n.name)}, 85%, ${light}%)"><title>${esc(n.name)}: ${n.value} ${esc(unit)} (${root.value ? Math.round((n.value / root.value) * 1000) / 10 : 0}%)</title></rect>`;
    if (w > 40) body += `<text x="${num(x + 3)}" y="${y + 13}" font-size="11" fill="#212529" font-family="ui-monospace, monospace">${esc(clip(n.name, Math.floor(w / 7)))}</text>`;
    body += '</g>';
    let cx = x;
    for (const c of [...n.children.values()].sort((a, b) => b.value - a.value || (a.name < b.name ? -1 : 1))) {
      const cw = root.value ? (c.value / n.value) * w : 0;
      draw(c, cx, cw, d + 1);
      cx += cw;
    }
  };
  draw(root, 0, W, 0);
  return svg(W, (depth + 1) * rowH + 2, 'icicle of the biggest stacks', body);
}

/** The picture of one capture, chosen by what the digest holds. */
export function capturePicture(d: CaptureDigest): { svg: string; caption: string } | null {
  if (d.execTop?.length) return { svg: namedBars(d.execTop, 'execs per command', 'execs'), caption: 'execs per command (execsnoop)' };
  if (d.stacks?.length) {
    const unit = d.tool === 'profile' ? 'samples' : 'us';
    return { svg: icicle(d.stacks, unit), caption: `biggest ${d.tool} stacks, icicle (root on top, width = ${d.tool === 'profile' ? 'samples' : 'off-CPU time'})` };
  }
  if (d.hist?.buckets.length) return { svg: latencyHistogram(d.hist), caption: `${d.tool} histogram (${d.hist.unit})` };
  if (d.fsTypes && Object.keys(d.fsTypes).length) {
    const names: Record<string, string> = { R: 'read', W: 'write', O: 'open', S: 'sync' };
    const items = Object.entries(d.fsTypes).map(([k, v]) => [`${k} (${names[k] ?? k})`, v] as [string, number]).sort((a, b) => b[1] - a[1]);
    return { svg: namedBars(items, 'slow operations by type', 'ops'), caption: 'slow file operations by type (fsslower)' };
  }
  return null;
}
