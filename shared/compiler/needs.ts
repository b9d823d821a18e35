/**
 * What a lab needs from the host, as facts of the plan: the ports a guest's backends bind and the bridges it joins
 * through qemu-bridge-helper (from the backends' typed options, before they become option strings), and the
 * programs the lab runs. The engine's preflight reads these; nobody reads them back out of argv.
 */
import type { Backend } from './backend';
import type { BoundPort, HelperBridge, HostStep, Isolation, ProcessPlan, ProgramUse } from './plan';

const isMulticast = (host: string) => /^(22[4-9]|23\d)\./.test(host);

/** The value of the first `key` a backend sets, as QEMU gets it. */
function opt(b: Backend, key: string): string | undefined {
  const pair = b.opts.find(([k, v]) => k === key && v !== undefined);
  return pair === undefined ? undefined : String(pair[1]);
}

/** `host:port` (an empty host is every interface). */
function hostPort(s: string | undefined): { host: string; port: number } | null {
  const m = s === undefined ? null : /^(.*):(\d+)$/.exec(s);
  return m ? { host: m[1] || '0.0.0.0', port: Number(m[2]) } : null;
}

/** The host ports one backend of guest `vm` binds: hostfwd rules, listeners, local UDP ends (not multicast). */
export function backendPorts(b: Backend, vm: string): BoundPort[] {
  const out: BoundPort[] = [];
  const add = (proto: BoundPort['proto'], host: string, port: number, what: BoundPort['what'], node = vm) => {
    if (Number.isInteger(port) && port > 0) out.push({ proto, host, port, what, node });
  };
  for (const [key, value] of b.opts) {
    if (key !== 'hostfwd' || value === undefined) continue;
    const m = /^(tcp|udp)?:([^:]*):(\d+)-/.exec(String(value));
    if (m) add(m[1] === 'udp' ? 'udp' : 'tcp', m[2] || '0.0.0.0', Number(m[3]), 'hostfwd', b.portOwner ?? vm);
  }
  if (b.type === 'socket') {
    const listen = hostPort(opt(b, 'listen'));
    if (listen) add('tcp', listen.host, listen.port, 'socket listen');
    const local = hostPort(opt(b, 'localaddr'));
    if (local && opt(b, 'udp') !== undefined) add('udp', local.host, local.port, 'socket udp');
  }
  if (b.type === 'stream' && opt(b, 'server') === 'on' && opt(b, 'addr.type') === 'inet')
    add('tcp', opt(b, 'addr.host') ?? '0.0.0.0', Number(opt(b, 'addr.port')), 'stream server');
  if (b.type === 'dgram' && opt(b, 'local.type') === 'inet' && !isMulticast(opt(b, 'remote.host') ?? ''))
    add('udp', opt(b, 'local.host') ?? '0.0.0.0', Number(opt(b, 'local.port')), 'dgram');
  if (b.type === 'l2tpv3' && opt(b, 'udp') === 'on' && opt(b, 'srcport') !== undefined)
    add('udp', opt(b, 'src') ?? '0.0.0.0', Number(opt(b, 'srcport')), 'l2tpv3');
  return out;
}

/** The bridge a `-netdev bridge` backend joins and the helper QEMU runs for it (QEMU's defaults when unset). */
export function helperBridge(b: Backend, defaultHelper: string): HelperBridge | null {
  if (b.type !== 'bridge') return null;
  return { bridge: opt(b, 'br') ?? 'br0', helper: opt(b, 'helper') ?? defaultHelper };
}

/**
 * Every program the lab runs, first use first: what makes and enters its namespace (`ip`; `unshare` and `nsenter`
 * for a user namespace), host steps and their undos, processes.
 */
export function programUses(
  isolation: Isolation,
  steps: readonly HostStep[],
  processes: readonly ProcessPlan[],
): ProgramUse[] {
  const uses = new Map<string, Set<string>>();
  const use = (argv: readonly string[] | null, node?: string) => {
    const program = argv?.[0];
    if (program === undefined) return;
    const nodes = uses.get(program) ?? new Set<string>();
    if (node !== undefined) nodes.add(node);
    uses.set(program, nodes);
  };
  if (isolation === 'netns') use(['ip']);
  if (isolation === 'userns') for (const p of ['unshare', 'nsenter', 'ip']) use([p]);
  for (const s of steps) {
    use(s.argv);
    use(s.undo);
  }
  for (const p of processes) use(p.argv, p.node);
  return [...uses].map(([program, nodes]) => ({ program, nodes: [...nodes] }));
}
