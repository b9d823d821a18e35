import { fnv1a32, hashBase36 } from '../model/hash';

/**
 * Names derived from stable ids and the lab name, never from randomness or document order: the lab slug, state
 * paths, interface names, QEMU ids. MACs and ports have their own modules (mac.ts, ports.ts).
 */

/** Longest unix socket path QEMU accepts (sun_path is 108 bytes with the NUL). */
export const UNIX_PATH_MAX = 107;
/** Longest Linux interface name (IFNAMSIZ 16 with the NUL). */
export const IFNAME_MAX = 15;

/** The lab's short name: the topology name, lowercased, with anything but letters, digits and '-' made '-'. */
export function labSlug(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return s === '' ? `lab-${hashBase36(name, 6)}` : s;
}

/** The lab's state directory: `<stateDir>/<lab>`. */
export function labStateDir(stateDir: string, lab: string): string {
  return `${stateDir.replace(/\/+$/, '') || ''}/${lab}`;
}

/** The lab's network namespace: `qn-<lab>`, shortened with a digest when long so names stay readable in `ip netns`. */
export function netnsName(lab: string): string {
  const full = `qn-${lab}`;
  if (full.length <= 15) return full;
  return `qn-${lab.slice(0, 7)}-${hashBase36(lab, 4)}`;
}

/** Length of `s` in UTF-8 bytes (socket paths and interface names are limited in bytes, not characters). */
export function utf8Bytes(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

/** A guest hostname from a VM's display name: lowercase letters, digits and '-', at most 63. */
export function guestHostname(name: string, id: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
  return s === '' ? id.toLowerCase().replace(/[^a-z0-9-]+/g, '-') : s;
}

/**
 * Hands out interface names unique in the lab. Names the user chose are reserved first; derived names are a prefix
 * plus a digest of the lab and a stable key, re-hashed with a counter on collision, so two labs get different names.
 */
export class IfnameAllocator {
  private readonly used = new Set<string>();
  constructor(private readonly lab: string) {}

  /** Reserve a name the user chose; false when it is already taken. */
  reserve(name: string): boolean {
    if (this.used.has(name)) return false;
    this.used.add(name);
    return true;
  }

  /** A fresh name `prefix` + 6 base-36 characters derived from `key`. */
  derive(prefix: string, key: string): string {
    for (let n = 0; ; n++) {
      const name = prefix + hashBase36(n === 0 ? `${this.lab}/${key}` : `${this.lab}/${key}#${n}`, 6);
      if (!this.used.has(name)) {
        this.used.add(name);
        return name;
      }
    }
  }
}

/** Make `s` a valid QEMU id: letters, digits, '-', '.', '_', starting with a letter. */
export function qemuIdent(s: string): string {
  const t = s.replace(/[^A-Za-z0-9._-]/g, '_');
  return /^[A-Za-z]/.test(t) ? t : `q${t}`;
}

/** Hands out QEMU ids unique within one process; a taken id gets `-2`, `-3`, … in call order. */
export class IdAllocator {
  private readonly used = new Set<string>();

  /** The id `take(base)` would return now, without taking it. */
  peek(base: string): string {
    const id = qemuIdent(base);
    if (!this.used.has(id)) return id;
    for (let n = 2; ; n++) if (!this.used.has(`${id}-${n}`)) return `${id}-${n}`;
  }

  /** A valid, unused id based on `base`. */
  take(base: string): string {
    const id = qemuIdent(base);
    if (!this.used.has(id)) {
      this.used.add(id);
      return id;
    }
    for (let n = 2; ; n++) {
      const c = `${id}-${n}`;
      if (!this.used.has(c)) {
        this.used.add(c);
        return c;
      }
    }
  }
}

/** The process id of a VM's QEMU. */
export function vmProcessId(vm: string): string {
  return `vm-${vm}`;
}

/** The process id of a VDE switch. */
export function vdeProcessId(vde: string): string {
  return `vde-${vde}`;
}

/** The process id of a User-mode Linux instance. */
export function umlProcessId(node: string): string {
  return `uml-${node}`;
}

/** The process id of a DPDK testpmd switch. */
export function testpmdProcessId(node: string): string {
  return `testpmd-${node}`;
}

/** The process id of a switch's slirpvde. */
export function slirpvdeProcessId(vde: string): string {
  return `slirpvde-${vde}`;
}

/** A well-mixed 32-bit hash of `s` (FNV-1a with a final avalanche), so near-identical keys spread over every bit. */
export function mixHash(s: string): number {
  let h = fnv1a32(s);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
