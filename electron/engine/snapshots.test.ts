import { describe, expect, it } from 'vitest';
import type { DiskFact, VmPlan } from '../../shared/compiler/plan';
import { listSnapshots, snapshotDisks } from './snapshots';

const vm = (disks?: DiskFact[]) => ({ name: 'pc', node: 'pc', ...(disks ? { disks } : {}) }) as unknown as VmPlan;
const disk = (n: number, over: Partial<DiskFact> = {}): DiskFact => ({
  nodeName: `disk${n}`,
  file: `/s/pc.disk${n}.qcow2`,
  format: 'qcow2',
  persistent: true,
  ...over,
});

describe('which disks a lab snapshot names', () => {
  it('every qcow2 disk the guest keeps, the first holding its memory', () => {
    expect(snapshotDisks(vm([disk(0), disk(1)]))).toEqual({
      ok: true,
      value: { vmstate: 'disk0', devices: ['disk0', 'disk1'] },
    });
  });
  it('a guest without a disk, with a raw disk or with a throwaway overlay is named, with what to do', () => {
    expect(snapshotDisks(vm())).toEqual({
      ok: false,
      message:
        'pc has no disk to keep its state in: give it a qcow2 disk (a linked clone of an image) to snapshot the lab',
    });
    expect(snapshotDisks(vm([disk(0), disk(1, { format: 'raw', file: '/img/r.img' })]))).toMatchObject({
      ok: false,
      message: expect.stringContaining('pc writes /img/r.img, which is not qcow2 (raw)'),
    });
    expect(snapshotDisks(vm([disk(0, { persistent: false, file: '/img/b.qcow2' })]))).toMatchObject({
      ok: false,
      message: expect.stringContaining("pc writes /img/b.qcow2 into QEMU's throwaway overlay"),
    });
  });
  it('a stopped guest is named before anything is asked of QEMU', async () => {
    expect(await listSnapshots([{ vm: vm([disk(0)]), qmp: null }])).toEqual({
      ok: false,
      message: 'pc is not running: start it first',
    });
    expect(await listSnapshots([])).toEqual({ ok: false, message: 'the lab has no QEMU guest to snapshot' });
  });
});
