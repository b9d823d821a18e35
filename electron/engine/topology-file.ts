/**
 * Reading a topology file that someone else may have made: only a regular file, its size checked (fstat) before a
 * byte is read, and opened without blocking, so a FIFO, /dev/zero, a directory or a huge file is refused at once.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { MAX_TOPOLOGY_BYTES } from '../../shared/model/limits';

/** What kind of file a stat is, in words. */
function kindOf(st: {
  isFIFO(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSocket(): boolean;
}): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'a special file';
}

/** The text of a topology file, or why it is not read: `{file} is a directory`, `… is not a regular file (a FIFO)`. */
export async function readTopologyFile(path: string): Promise<{ ok: true; text: string } | { ok: false; why: string }> {
  const name = path;
  let handle;
  try {
    // O_NONBLOCK: opening a FIFO for reading would wait for a writer; O_NOCTTY: a terminal never becomes ours.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    return { ok: false, why: `cannot read ${name}: ${why}` };
  }
  try {
    const st = await handle.stat();
    if (st.isDirectory()) return { ok: false, why: `${name} is a directory` };
    if (!st.isFile()) return { ok: false, why: `${name} is not a regular file (${kindOf(st)})` };
    const limit = `a topology file may be at most ${MAX_TOPOLOGY_BYTES / 1024 / 1024} MiB`;
    if (st.size > MAX_TOPOLOGY_BYTES) return { ok: false, why: `${name} is ${st.size} bytes: ${limit}` };
    // One byte more than the size said: a file that grows while read is caught too.
    const buf = Buffer.alloc(st.size + 1);
    let got = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, got, buf.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
      if (got > st.size) return { ok: false, why: `${name} grew while it was read: ${limit}` };
    }
    return { ok: true, text: buf.subarray(0, got).toString('utf8') };
  } catch (error) {
    return { ok: false, why: `cannot read ${name}: ${(error as Error).message}` };
  } finally {
    await handle.close();
  }
}
