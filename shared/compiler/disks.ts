import type { Ctx } from './context';
import { diag } from './diagnostics';
import { nodePath } from './docpath';

/**
 * Two drives that write one image (no `snapshot`) cannot both open it: QEMU locks an image it writes, and the
 * second start fails with `Failed to get "write" lock` (verified on 7.2). Caught before launch, with the fixes:
 * a throwaway overlay (snapshot), or a linked clone per guest.
 */
export function sharedDiskWrites(ctx: Ctx): void {
  const uses = new Map<string, { vm: string; image: number; format: string; writes: boolean }[]>();
  ctx.graph.vms.forEach((vm) => {
    if (vm.boot.type !== 'disk') return;
    vm.boot.images.forEach((img, image) => {
      const list = uses.get(img.path) ?? [];
      list.push({ vm: vm.id, image, format: img.format ?? 'qcow2', writes: !img.snapshot });
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
          path: nodePath(ctx.topology, writer.vm, 'boot', 'images', writer.image, 'snapshot'),
          fix: {
            label: `Give ${writer.vm} a throwaway overlay of ${path} (snapshot)`,
            action: {
              kind: 'set-field',
              node: writer.vm,
              path: ['boot', 'images', writer.image, 'snapshot'],
              value: true,
            },
          },
          alternatives: [
            {
              label: `Give each guest a linked clone: qemu-img create -f qcow2 -b ${path} -F ${writer.format} GUEST.qcow2`,
            },
          ],
        },
      ),
    );
  }
}
