import { mixHash } from './derive';
import type { Diagnostic } from '../diagnostics';
import { diag } from './diagnostics';

/** One NIC asking for a MAC: its VM, its NIC id, and `auto` or the fixed MAC the user set. */
export interface MacRequest {
  readonly vm: string;
  readonly nic: string;
  readonly nicIndex: number;
  /** The VM's index in the document's nodes (diagnostic paths start at the root). */
  readonly nodeIndex: number;
  readonly mac: string;
}

/** The map key of a VM's NIC. */
export function nicKey(vm: string, nic: string): string {
  return `${vm}\u0000${nic}`;
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function firstByte(mac: string): number {
  return parseInt(mac.slice(0, 2), 16);
}

/**
 * MACs for every NIC of the lab: fixed ones honoured (and never handed out again), `auto` ones the prefix plus three
 * bytes of a hash of lab, VM and NIC, probed in sorted order until unique. Problems become diagnostics.
 */
export function assignMacs(
  lab: string,
  prefix: string,
  requests: readonly MacRequest[],
): { macs: Map<string, string>; diagnostics: Diagnostic[] } {
  const macs = new Map<string, string>();
  const diagnostics: Diagnostic[] = [];
  const owner = new Map<string, MacRequest>();
  const pre = prefix.toLowerCase();
  if (firstByte(pre) & 1) {
    diagnostics.push(
      diag(
        'MAC_MULTICAST',
        `the MAC prefix ${prefix} has the multicast bit set (odd first byte): guests cannot use such MACs`,
        {
          fix: { label: 'Use the MAC prefix 52:54:00' },
          path: ['settings', 'macPrefix'],
        },
      ),
    );
  }
  const sorted = [...requests].sort((x, y) =>
    x.vm < y.vm ? -1 : x.vm > y.vm ? 1 : x.nic < y.nic ? -1 : x.nic > y.nic ? 1 : 0,
  );
  const toAuto = (r: MacRequest) => ({
    label: `Let ${r.vm}:${r.nic} get a MAC automatically`,
    action: { kind: 'set-field' as const, node: r.vm, path: ['nics', r.nicIndex, 'mac'], value: 'auto' },
  });
  for (const r of sorted) {
    if (r.mac === 'auto') continue;
    const mac = r.mac.toLowerCase();
    const where = { nodes: [r.vm], path: ['nodes', r.nodeIndex, 'nics', r.nicIndex, 'mac'] as const };
    if (firstByte(mac) & 1) {
      diagnostics.push(
        diag(
          'MAC_MULTICAST',
          `${r.vm}:${r.nic}: MAC ${r.mac} is a multicast address (odd first byte); QEMU refuses it`,
          { ...where, fix: toAuto(r) },
        ),
      );
    } else if (mac === '00:00:00:00:00:00') {
      diagnostics.push(
        diag('MAC_INVALID', `${r.vm}:${r.nic}: MAC ${r.mac} is all zeros, which no NIC can use`, {
          ...where,
          fix: toAuto(r),
        }),
      );
    }
    const prev = owner.get(mac);
    if (prev) {
      diagnostics.push(
        diag(
          'DUPLICATE_MAC',
          `${r.vm}:${r.nic}: MAC ${r.mac} is also the MAC of ${prev.vm}:${prev.nic}; MACs must be unique in the lab`,
          {
            nodes: prev.vm === r.vm ? [r.vm] : [prev.vm, r.vm],
            path: where.path,
            fix: toAuto(r),
          },
        ),
      );
    } else owner.set(mac, r);
    macs.set(nicKey(r.vm, r.nic), mac);
  }
  for (const r of sorted) {
    if (r.mac !== 'auto') continue;
    const base = `${lab}/${r.vm}/${r.nic}`;
    for (let n = 0; ; n++) {
      const h = mixHash(n === 0 ? base : `${base}#${n}`);
      const mac = `${pre}:${hex2((h >>> 16) & 0xff)}:${hex2((h >>> 8) & 0xff)}:${hex2(h & 0xff)}`;
      if (!owner.has(mac)) {
        owner.set(mac, r);
        macs.set(nicKey(r.vm, r.nic), mac);
        break;
      }
    }
  }
  return { macs, diagnostics };
}
