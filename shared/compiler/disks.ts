import type { DiskImage, VmNode } from '../model/schema';
import { qopts } from '../qemuopts';
import type { Ctx } from './context';
import { diag } from './diagnostics';
import { nodePath } from './docpath';
import type { BootFile, DiskFact, ProgramUse, VmPlan } from './plan';

/** Every drive of a VM with where it sits in the file: the boot's disk images, then its `disks`. */
function drivesOf(vm: VmNode): { img: DiskImage; at: (string | number)[] }[] {
  const boot = vm.boot.type === 'disk' ? vm.boot.images.map((img, i) => ({ img, at: ['boot', 'images', i] })) : [];
  return [...boot, ...(vm.disks ?? []).map((img, i) => ({ img, at: ['disks', i] }))];
}

/** Where the linked clone of a VM's drive number `n` lives in the lab's state directory. */
export function overlayPath(labDir: string, vm: string, n: number): string {
  return `${labDir}/${vm}.disk${n}.qcow2`;
}

/**
 * A VM's drives: one virtio `-drive` each, named `disk<N>` (the block node QMP snapshot jobs name), opening the
 * image, or the linked clone made from it at launch (`clone`); the host files they read; the facts the engine uses.
 */
export function vmDrives(ctx: Ctx, vm: VmNode): { argv: string[]; files: BootFile[]; disks: DiskFact[] } {
  const argv: string[] = [];
  const files: BootFile[] = [];
  const disks: DiskFact[] = [];
  drivesOf(vm).forEach(({ img, at }, n) => {
    const nodeName = `disk${n}`;
    files.push({ what: 'disk image', path: img.path });
    if (img.clone !== undefined && !img.path.startsWith('/'))
      ctx.diagnostics.push(
        diag(
          'DISK_CLONE_RELATIVE',
          `${vm.id}: the linked clone of ${img.path} needs the image's absolute path: qemu-img reads a relative backing file beside the overlay, in the lab's state directory`,
          { nodes: [vm.id], path: nodePath(ctx.topology, vm.id, ...at, 'path') },
        ),
      );
    if (img.clone !== undefined) {
      const path = overlayPath(ctx.labDir, vm.id, n);
      const baseFormat = img.format ?? 'qcow2';
      const overlay = {
        base: img.path,
        baseFormat,
        path,
        create: ['qemu-img', 'create', '-q', '-f', 'qcow2', '-F', baseFormat, '-b', img.path, path],
        info: ['qemu-img', 'info', '--output=json', path],
        rebase: ['qemu-img', 'rebase', '-u', '-F', baseFormat, '-b', img.path, path],
        keep: img.clone === 'keep',
      };
      argv.push('-drive', driveOpts(path, 'qcow2', nodeName, false));
      disks.push({ nodeName, file: path, format: 'qcow2', persistent: true, overlay });
      return;
    }
    argv.push('-drive', driveOpts(img.path, img.format, nodeName, img.snapshot));
    disks.push({ nodeName, file: img.path, format: img.format ?? null, persistent: !img.snapshot });
  });
  return { argv, files, disks };
}

function driveOpts(file: string, format: string | undefined, nodeName: string, snapshot: boolean): string {
  return qopts('', [
    ['file', file],
    ['if', 'virtio'],
    ['format', format],
    ['node-name', nodeName],
    ['snapshot', snapshot ? 'on' : undefined],
  ]);
}

/**
 * Two drives that write one image (no `snapshot`) cannot both open it: QEMU locks an image it writes, and the
 * second start fails with `Failed to get "write" lock` (verified on 7.2). Caught before launch, with the fixes:
 * a throwaway overlay (snapshot), or a linked clone per guest.
 */
export function sharedDiskWrites(ctx: Ctx): void {
  const uses = new Map<string, { vm: string; at: (string | number)[]; format: string; writes: boolean }[]>();
  ctx.graph.vms.forEach((vm) => {
    drivesOf(vm).forEach(({ img, at }) => {
      const list = uses.get(img.path) ?? [];
      list.push({ vm: vm.id, at, format: img.format ?? 'qcow2', writes: !img.snapshot && img.clone === undefined });
      uses.set(img.path, list);
    });
  });
  for (const [path, list] of uses) {
    const writer = list.find((u) => u.writes);
    if (list.length < 2 || !writer) continue;
    const vms = [...new Set(list.map((u) => u.vm))];
    ctx.diagnostics.push(
      diag(
        'DISK_SHARED_WRITE',
        `${vms.join(' and ')} open the disk image ${path} and ${writer.vm} writes it: QEMU locks an image it writes, so the second guest would fail with 'Failed to get "write" lock'`,
        {
          nodes: vms,
          path: nodePath(ctx.topology, writer.vm, ...writer.at, 'snapshot'),
          fix: {
            label: `Give ${writer.vm} a throwaway overlay of ${path} (snapshot)`,
            action: {
              kind: 'set-field',
              node: writer.vm,
              path: [...writer.at, 'snapshot'],
              value: true,
            },
          },
          alternatives: [
            {
              label: `Give ${writer.vm} a linked clone of ${path} in the lab's directory`,
              action: { kind: 'set-field', node: writer.vm, path: [...writer.at, 'clone'], value: 'discard' },
            },
          ],
        },
      ),
    );
  }
}

/** qemu-img, when a guest has a linked clone to make, with the guests that need it. */
export function overlayProgram(vms: readonly VmPlan[]): ProgramUse[] {
  const nodes = vms.filter((vm) => vm.disks?.some((d) => d.overlay !== undefined)).map((vm) => vm.node);
  return nodes.length > 0 ? [{ program: 'qemu-img', nodes }] : [];
}
