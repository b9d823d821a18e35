import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { socketPairLab, type GuestShell } from '../testkit/pairLab';
import { snapshotTopology } from '../testkit/snapshotLab';

/*
 * A lab snapshot as a user takes one (the bundled `qnet snapshot`), on a real tiny guest in a network namespace: its
 * scratch disk is a linked clone (kept) of a small qcow2 image. The guest writes a line to the disk, the lab is
 * saved, the line is overwritten, the lab is loaded, and the guest reads the first line back, from the disk itself
 * (the page cache dropped, the read direct), not only from the memory the snapshot restored.
 */

const LAB = `snap-${process.pid}`;
// The image the guest's disk is a linked clone of: the suite's own, in a directory of its own.
const images = mkdtempSync(join(tmpdir(), 'qnet-snap-img-'));
const image = join(images, 'scratch.qcow2');
const lab = socketPairLab(LAB, 41700, 'qnet-snap-', {
  trust: true,
  text: snapshotTopology(LAB, image),
});
const { qnet } = lab;

let pc: GuestShell;

beforeAll(async () => {
  const made = spawnSync('qemu-img', ['create', '-q', '-f', 'qcow2', image, '4M'], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(made.stderr);
  [pc] = await lab.upReady('pc');
}, 600_000);

afterAll(async () => {
  try {
    await lab.downClean();
  } finally {
    rmSync(images, { recursive: true, force: true });
  }
}, 120_000);

/** The first line of the guest's disk, read past its page cache. */
const readDisk = () =>
  pc.sh('echo 3 > /proc/sys/vm/drop_caches; dd if=/dev/vda bs=512 count=1 iflag=direct 2>/dev/null | head -n 1');
const writeDisk = (text: string) => pc.sh(`echo ${text} | dd of=/dev/vda bs=512 conv=sync,fsync 2>/dev/null`);

describe('qnet snapshot', () => {
  it('save, change, load: the guest reads the first content back from its disk; delete: the list is empty', async () => {
    await writeDisk('first-content');
    expect(await readDisk()).toContain('\nfirst-content');

    const save = qnet('snapshot', LAB, 'save', 'one');
    expect(save.code, save.err).toBe(0);
    expect(save.out).toBe(`${LAB}: snapshot one saved\n`);
    const list = qnet('snapshot', LAB, 'list');
    expect(list.code, list.err).toBe(0);
    expect(list.out).toMatch(/^one\t\d{4}-\d\d-\d\dT/);

    await writeDisk('second-content');
    expect(await readDisk()).toContain('\nsecond-content');

    const load = qnet('snapshot', LAB, 'load', 'one');
    expect(load.code, load.err).toBe(0);
    expect(load.out).toBe(`${LAB}: snapshot one loaded\n`);
    const after = await readDisk();
    expect(after).toContain('\nfirst-content');
    expect(after).not.toContain('\nsecond-content');

    const del = qnet('snapshot', LAB, 'delete', 'one');
    expect(del.code, del.err).toBe(0);
    expect(del.out).toBe(`${LAB}: snapshot one deleted\n`);
    expect(qnet('snapshot', LAB, 'list').out).toBe(`${LAB}: no snapshots\n`);
    const again = qnet('snapshot', LAB, 'delete', 'one');
    expect(again.code).not.toBe(0);
    expect(again.err).toContain('qnet snapshot: snapshot one not deleted: the lab has no snapshot one');
  }, 240_000);

  it('a name the lab has no snapshot of, and a bad name, are refused with a sentence', () => {
    const missing = qnet('snapshot', LAB, 'load', 'nope');
    expect(missing.code).not.toBe(0);
    expect(missing.err).toContain('qnet snapshot: snapshot nope not loaded: no snapshot nope of pc');
    const bad = qnet('snapshot', LAB, 'save', 'two words');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('snapshot name "two words"');
  }, 60_000);
});
