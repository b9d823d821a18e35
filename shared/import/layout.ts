/**
 * A first placement for an imported drawing: VMs in a row, each VM's hubs under it, each backend under the VMs it
 * serves (centred under several, stacked when many). The editor can lay it out again; this only has to be readable.
 */

/** Canvas positions by node id. */
export function placeNodes(
  vms: readonly string[],
  others: readonly { id: string; vms: readonly string[]; hub: boolean }[],
): Record<string, { x: number; y: number }> {
  const out: Record<string, { x: number; y: number }> = {};
  const column = new Map<string, number>();
  vms.forEach((vm, i) => {
    column.set(vm, i);
    out[vm] = { x: 80 + i * 260, y: 80 };
  });
  const stack = new Map<string, number>();
  for (const n of others) {
    const cols = n.vms.map((v) => column.get(v)).filter((c): c is number => c !== undefined);
    const x = cols.length > 0 ? 80 + (cols.reduce((a, b) => a + b, 0) / cols.length) * 260 : 80 + vms.length * 260;
    const row = n.hub ? 'hub' : 'backend';
    const key = `${row}/${Math.round(x)}`;
    const k = stack.get(key) ?? 0;
    stack.set(key, k + 1);
    out[n.id] = { x: x + (k % 2) * 120, y: (n.hub ? 240 : 400) + Math.floor(k / 2) * 130 };
  }
  return out;
}
