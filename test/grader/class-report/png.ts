import { inflateSync } from 'node:zlib';

/** Test helper: decodes an 8-bit RGB/RGBA, non-interlaced PNG (what Chromium screenshots are) with node's zlib. */
export interface DecodedPng {
  width: number;
  height: number;
  channels: number;
  pixels: Buffer;
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function decodePng(buf: Buffer): DecodedPng {
  if (!buf.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG (bad signature)');
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8];
      const colour = data[9];
      if (depth !== 8 || data[12] !== 0) throw new Error(`unsupported PNG: depth ${depth}, interlace ${data[12]}`);
      channels = colour === 6 ? 4 : colour === 2 ? 3 : colour === 0 ? 1 : 0;
      if (!channels) throw new Error(`unsupported PNG colour type ${colour}`);
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[y * stride + x - channels] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels] : 0;
      let v = line[x];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      pixels[y * stride + x] = v & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

/** Variance of pixel brightness and the share of pixels of each of a few hue families. */
export function pixelStats(png: DecodedPng): { variance: number; distinct: number; share: (pred: (r: number, g: number, b: number) => boolean) => number } {
  const { pixels, channels } = png;
  const n = png.width * png.height;
  let sum = 0;
  let sq = 0;
  const colours = new Set<number>();
  for (let i = 0; i < n; i++) {
    const r = pixels[i * channels];
    const g = pixels[i * channels + (channels >= 3 ? 1 : 0)];
    const b = pixels[i * channels + (channels >= 3 ? 2 : 0)];
    const l = 0.299 * r + 0.587 * g + 0.114 * b;
    sum += l;
    sq += l * l;
    if (colours.size < 5000) colours.add((r << 16) | (g << 8) | b);
  }
  const mean = sum / n;
  return {
    variance: sq / n - mean * mean,
    distinct: colours.size,
    share: (pred) => {
      let k = 0;
      for (let i = 0; i < n; i++) if (pred(pixels[i * channels], pixels[i * channels + 1], pixels[i * channels + 2])) k++;
      return k / n;
    },
  };
}
