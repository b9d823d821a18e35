/**
 * A User-mode Linux instance: `linux.uml` with the tiny guest's initramfs, one `ethN=` per linked interface over a
 * transport UML shares with QEMU: `mcast,MAC,GROUP,PORT,TTL` on a multicast segment (the seed's figure: UML and QEMU
 * guests on one multicast bus; QEMU's `socket,mcast=` and `dgram` multicast speak the same plain UDP),
 * `vde,DIR,MAC` on a VDE switch (QEMU's `-netdev vde`), `tuntap,TAP,MAC` on a tap the lab makes on a bridge (as for
 * a QEMU NIC on a bridge), and its console on stdin/stdout (`con0=fd:0,fd:1`):
 * stdin a FIFO held open, stdout its log, which the engine keeps like a VM's console. `uml_dir` is the lab's directory,
 * so its pid file and mconsole socket live in `<lab>/<id>.uml/`, which UML removes when it stops (on TERM).
 */
import type { McastNode, UmlNode } from '../model/schema';
import type { Ctx } from './context';
import { checkUnixPath } from './context';
import { guestHostname, umlProcessId, vdeProcessId } from './derive';
import { diag } from './diagnostics';
import { otherEnd } from './graph';
import { nicKey } from './mac';
import type { BoundPort, ProcessPlan } from './plan';

function umls(ctx: Ctx): UmlNode[] {
  return [...ctx.graph.nodes.values()]
    .filter((n): n is UmlNode => n.kind === 'uml')
    .sort((x, y) => (x.id < y.id ? -1 : 1));
}

/**
 * The `ethN=` word of each linked interface (N its index), and the switch processes it needs running first: a
 * multicast segment's group (`mcast,MAC,GROUP,PORT,TTL`), a VDE switch's directory (`vde,DIR,MAC`), or the tap made
 * for it on a bridge (`tuntap,TAP,MAC`).
 */
function interfaces(ctx: Ctx, n: UmlNode): { words: string[]; dependsOn: string[] } {
  const words: string[] = [];
  const dependsOn: string[] = [];
  for (const l of ctx.graph.nodeLinks.get(n.id) ?? []) {
    const me = l.a.node.id === n.id ? l.a : l.b;
    const index = n.nics.findIndex((x) => x.id === me.port);
    const peer = otherEnd(l, n.id, me.port).node;
    if (index < 0) continue;
    const mac = ctx.macs.get(nicKey(n.id, n.nics[index]!.id)) ?? '';
    if (peer.kind === 'mcast') {
      const mcast = peer as McastNode;
      words[index] = `eth${index}=mcast,${mac},${mcast.group},${mcast.port},1`;
    } else if (peer.kind === 'vde') {
      words[index] = `eth${index}=vde,${ctx.vdeDirs.get(peer.id) ?? ''},${mac}`;
      dependsOn.push(vdeProcessId(peer.id));
    } else if (peer.kind === 'bridge') {
      words[index] = `eth${index}=tuntap,${ctx.linkTaps.get(l.id) ?? ''},${mac}`;
    }
  }
  return { words: words.filter((w) => w !== undefined), dependsOn: [...new Set(dependsOn)].sort() };
}

/** The kernel command line words of the tiny guest's init: hostname and address hints per interface. */
function hints(n: UmlNode): string[] {
  const out = [`qnet.hostname=${guestHostname(n.name ?? n.id, n.id)}`];
  n.nics.forEach((nic, i) => {
    if (nic.ip !== undefined) out.push(`qnet.if${i}=${nic.ip}`);
    if (nic.gateway !== undefined) out.push(`qnet.gw${i}=${nic.gateway}`);
  });
  return out;
}

/** One process per UML instance, ready once its mconsole socket exists. */
export function umlProcesses(ctx: Ctx, consolePorts: ReadonlyMap<string, BoundPort>): ProcessPlan[] {
  return umls(ctx).map((n) => {
    const id = umlProcessId(n.id);
    const umid = `${n.id}.uml`;
    const dir = `${ctx.labDir}/${umid}`;
    const input = `${ctx.labDir}/${n.id}.console.in`;
    checkUnixPath(ctx, `${dir}/mconsole`, `UML ${n.id}'s mconsole`, { nodes: [n.id] });
    let initrd = n.initrd;
    if (initrd === undefined) {
      initrd =
        ctx.target.tinyGuest.x86_64?.initrd ??
        `${ctx.target.stateDir.replace(/\/+$/, '')}/guest/x86_64/initramfs.cpio.gz`;
      if (!ctx.target.tinyGuest.x86_64) {
        ctx.diagnostics.push(
          diag(
            'TINY_GUEST_MISSING',
            `${n.id}: the tiny guest is not built for x86_64; the plan points at ${initrd}, which "qnet guest build" fills`,
            {
              nodes: [n.id],
              fix: { label: 'Build the tiny guest with "qnet guest build"' },
            },
          ),
        );
      }
    }
    const ifs = interfaces(ctx, n);
    // prettier-ignore
    const argv = [
      'linux.uml', `mem=${n.memory}M`, `initrd=${initrd}`, `umid=${umid}`, `uml_dir=${ctx.labDir}/`,
      ...ifs.words, ...hints(n), 'con0=fd:0,fd:1', 'con=null',
    ];
    return {
      id,
      kind: 'uml',
      node: n.id,
      argv,
      dependsOn: ifs.dependsOn,
      ready: { type: 'path', path: `${dir}/mconsole` },
      holdStdin: true,
      stderrLog: `${ctx.labDir}/${n.id}.console.log`,
      runtimeFiles: [`${dir}/pid`, input],
      console: { name: n.name ?? n.id, input, ...(consolePorts.has(n.id) ? { port: consolePorts.get(n.id)! } : {}) },
      boot: { files: [{ what: 'initrd', path: initrd }], tinyGuest: n.initrd === undefined ? 'x86_64' : null },
    };
  });
}
