import { mixHash } from './derive';

/** What binds a host port: a sentence fragment for messages, and the nodes/links concerned. */
export interface PortOwner {
  readonly what: string;
  readonly nodes: readonly string[];
  readonly links: readonly string[];
}

/**
 * Host ports of the lab. Explicit ports (hostfwd, a link's port, l2tpv3 srcport) are reserved first and a second
 * claim is reported; derived ports start at a hash of the lab and a stable key inside a window above the port base,
 * probing upwards, so adding a link does not move the ports of the others.
 */
export class PortAllocator {
  private readonly owners = new Map<string, PortOwner>();
  private readonly numbers = new Set<number>();
  private readonly window: number;

  constructor(
    private readonly lab: string,
    private readonly base: number,
  ) {
    this.window = Math.min(10000, 65536 - base);
  }

  /** Claim `proto` port `port`; returns the earlier owner when it is already bound, else null. */
  reserve(proto: 'tcp' | 'udp', port: number, owner: PortOwner): PortOwner | null {
    const key = `${proto}:${port}`;
    const prev = this.owners.get(key);
    if (prev) return prev;
    this.owners.set(key, owner);
    this.numbers.add(port);
    return null;
  }

  /** `count` consecutive free ports for `key`, or null when the window is full. */
  derive(proto: 'tcp' | 'udp', key: string, count: number, owner: PortOwner): number | null {
    const span = this.window - count + 1;
    if (span <= 0) return null;
    const start = mixHash(`${this.lab}/${key}`) % span;
    for (let i = 0; i < span; i++) {
      const first = this.base + ((start + i) % span);
      let free = true;
      for (let k = 0; k < count && free; k++) free = !this.numbers.has(first + k);
      if (!free) continue;
      for (let k = 0; k < count; k++) this.reserve(proto, first + k, owner);
      return first;
    }
    return null;
  }
}
