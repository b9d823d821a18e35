/**
 * A POSIX ustar archive of a few small text files, so exported scripts keep their modes (up.sh stays executable)
 * in one download. Pure: bytes in, bytes out.
 */
export interface TarEntry {
  readonly path: string;
  readonly content: string;
  readonly mode: number;
}

const enc = new TextEncoder();

function field(buf: Uint8Array, offset: number, length: number, text: string): void {
  buf.set(enc.encode(text).subarray(0, length), offset);
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function header(path: string, size: number, mode: number, mtime: number, type: '0' | '5'): Uint8Array {
  const h = new Uint8Array(512);
  if (enc.encode(path).length > 100) throw new Error(`tar: path too long: ${path}`);
  field(h, 0, 100, path);
  field(h, 100, 8, octal(mode & 0o7777, 8));
  field(h, 108, 8, octal(0, 8));
  field(h, 116, 8, octal(0, 8));
  field(h, 124, 12, octal(size, 12));
  field(h, 136, 12, octal(mtime, 12));
  field(h, 148, 8, '        ');
  field(h, 156, 1, type);
  field(h, 257, 6, 'ustar\0');
  field(h, 263, 2, '00');
  let sum = 0;
  for (const b of h) sum += b;
  field(h, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

/** The archive: a directory `dir/` holding the entries, then two zero blocks. */
export function tarFiles(dir: string, entries: readonly TarEntry[], mtime = 0): Uint8Array {
  const blocks: Uint8Array[] = [header(`${dir}/`, 0, 0o755, mtime, '5')];
  for (const e of entries) {
    const body = enc.encode(e.content);
    blocks.push(header(`${dir}/${e.path}`, body.length, e.mode, mtime, '0'));
    const padded = new Uint8Array(Math.ceil(body.length / 512) * 512);
    padded.set(body);
    blocks.push(padded);
  }
  blocks.push(new Uint8Array(1024));
  const out = new Uint8Array(blocks.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of blocks) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}
