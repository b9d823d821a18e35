/**
 * A User-mode Linux instance: `linux.uml` with the tiny guest's initramfs, one `ethN=mcast,MAC,GROUP,PORT,TTL` per
 * interface linked to a multicast segment (the seed's figure: UML and QEMU guests on one multicast bus; QEMU's
 * `socket,mcast=` and `dgram` multicast speak the same plain UDP), and its console on stdin/stdout (`con0=fd:0,fd:1`):
 * stdin a FIFO held open, stdout its log, which the engine keeps like a VM's console. `uml_dir` is the lab's directory,
 * so its pid file and mconsole socket live in `<lab>/<id>.uml/`, which UML removes when it stops (on TERM).
 */
import type { McastNode, UmlNode } from '../model/schema';
import type { Ctx } from './context';
import { checkUnixPath } from './context';
import { guestHostname, umlProcessId } from './derive';
import { diag } from './diagnostics';
import { otherEnd } from './graph';
import { nicKey } from './mac';
import type { ProcessPlan } from './plan';

function umls(ctx: Ctx): UmlNode[] {
  return [...ctx.graph.nodes.values()]
    .filter((n): n is UmlNode => n.kind === 'uml')
    .sort((x, y) => (x.id < y.id ? -1 : 1));
}

/** The `ethN=` word of each interface linked to a multicast segment, with its index. */
function interfaces(ctx: Ctx, n: UmlNode): string[] {
  const words: string[] = [];
  for (const l of ctx.graph.nodeLinks.get(n.id) ?? []) {
    const me = l.a.node.id === n.id ? l.a : l.b;
    const index = n.nics.findIndex((x) => x.id === me.port);
    const seg = otherEnd(l, n.id, me.port).node;
    if (index < 0 || seg.kind !== 'mcast') continue;
    const mcast = seg as McastNode;
    const mac = ctx.macs.get(nicKey(n.id, n.nics[index]!.id)) ?? '';
    words[index] = `eth${index}=mcast,${mac},${mcast.group},${mcast.port},1`;
  }
  return words.filter((w) => w !== undefined);
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
export function umlProcesses(ctx: Ctx): ProcessPlan[] {
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
    // prettier-ignore
    const argv = [
      'linux.uml', `mem=${n.memory}M`, `initrd=${initrd}`, `umid=${umid}`, `uml_dir=${ctx.labDir}/`,
      ...interfaces(ctx, n), ...hints(n), 'con0=fd:0,fd:1', 'con=null',
    ];
    return {
      id,
      kind: 'uml',
      node: n.id,
      argv,
      dependsOn: [],
      ready: { type: 'path', path: `${dir}/mconsole` },
      holdStdin: true,
      stderrLog: `${ctx.labDir}/${n.id}.console.log`,
      runtimeFiles: [`${dir}/pid`, input],
      console: { name: n.name ?? n.id, input },
      boot: { files: [{ what: 'initrd', path: initrd }], tinyGuest: n.initrd === undefined ? 'x86_64' : null },
    };
  });
}
