import { gzipSync } from 'node:zlib';
import { Header, type HeaderData } from 'tar';

/**
 * Builds tar.gz bytes header by header. node-tar's `create` refuses (or silently sanitises) the
 * malicious entries these tests need, so headers are encoded directly with its `Header` class.
 */
export interface RawEntry {
  path: string;
  type?: NonNullable<HeaderData['type']>;
  body?: string | Buffer;
  /** declared size; defaults to the body's length. Larger than the body makes a truncated archive. */
  size?: number;
  linkpath?: string;
}

export function rawTar(entries: RawEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = typeof e.body === 'string' ? Buffer.from(e.body) : (e.body ?? Buffer.alloc(0));
    const size = e.size ?? body.length;
    const header = new Header({
      path: e.path,
      type: e.type ?? 'File',
      size,
      mode: e.type === 'Directory' ? 0o755 : 0o644,
      uid: 0,
      gid: 0,
      mtime: new Date(0),
      linkpath: e.linkpath,
    });
    const block = Buffer.alloc(512);
    header.encode(block, 0);
    blocks.push(block);
    if (body.length > 0) {
      blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export function rawTarGz(entries: RawEntry[]): Buffer {
  return gzipSync(rawTar(entries));
}

/** One pax extended-header record, `"<len> <key>=<value>\n"`, where `<len>` counts the whole record. */
export function paxRecord(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  let len = rest.length + 1;
  while (String(len).length + rest.length !== len) len = String(len).length + rest.length;
  return `${len}${rest}`;
}
