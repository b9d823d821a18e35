/**
 * A DPDK testpmd switch node: each linked NIC gets a vhost-user port of its own (a socket in the lab's directory,
 * testpmd the server, QEMU the client), and the lab runs testpmd before the guests, as it runs vde_switch. testpmd's
 * io forwarding pairs port 0 with port 1, so the node joins exactly two NICs.
 */
import type { TestpmdNode } from '../model/schema';
import type { Backend } from './backend';
import { backend } from './backend';
import type { Ctx } from './context';
import { addVmDep, checkUnixPath, useBackend } from './context';
import type { IdAllocator } from './derive';
import { testpmdProcessId } from './derive';
import { diag } from './diagnostics';
import type { ProcessPlan } from './plan';
import { qopts } from '../qemuopts';

function testpmds(ctx: Ctx): TestpmdNode[] {
  return [...ctx.graph.nodes.values()]
    .filter((n): n is TestpmdNode => n.kind === 'testpmd')
    .sort((x, y) => (x.id < y.id ? -1 : 1));
}

/** The links of a testpmd node in port order (link id order), each with its port's socket. */
function ports(ctx: Ctx, n: TestpmdNode): { link: string; socket: string }[] {
  const links = [...(ctx.graph.nodeLinks.get(n.id) ?? [])].map((l) => l.id).sort();
  return links.map((link, i) => ({ link, socket: `${ctx.labDir}/${n.id}.p${i}.sock` }));
}

/** The vhost-user netdev of one linked NIC: a client of its port's socket, after testpmd is up. */
export function testpmdBackend(ctx: Ctx, n: TestpmdNode, linkId: string, ids: IdAllocator, vm: string): Backend | null {
  const port = ports(ctx, n).find((p) => p.link === linkId);
  if (!port) return null;
  useBackend(ctx, 'vhost-user', n.id);
  checkUnixPath(ctx, port.socket, `testpmd ${n.id}`, { nodes: [n.id] });
  addVmDep(ctx, vm, testpmdProcessId(n.id));
  const chr = ids.take(`chr-${n.id}`);
  return backend('vhost-user', [['chardev', chr]], {
    pre: [
      '-chardev',
      qopts('socket', [
        ['id', chr],
        ['path', port.socket],
      ]),
    ],
    needsVirtio: 'vhost-user',
    shareMem: true,
  });
}

/**
 * testpmd of each linked node: no hugepages, no PCI devices, its vhost ports, io forwarding started at once (`-a`).
 * It waits on stdin (a FIFO held open, as vde_switch's) and is ready once its last port's socket exists. DPDK keeps
 * its runtime directory under RUNTIME_DIRECTORY, the lab's own directory, not /var/run/dpdk.
 */
export function testpmdProcesses(ctx: Ctx): ProcessPlan[] {
  const out: ProcessPlan[] = [];
  for (const n of testpmds(ctx)) {
    const p = ports(ctx, n);
    if (p.length === 0) continue;
    if (p.length !== 2) {
      ctx.diagnostics.push(
        diag(
          'TESTPMD_PORTS',
          `testpmd ${n.id} forwards between two ports (port 0 to port 1), so it joins exactly two NICs; it has ${p.length}`,
          {
            nodes: [n.id],
            links: p.map((x) => x.link),
            fix: { label: `Link a second VM's virtio NIC to ${n.id}` },
          },
        ),
      );
      continue;
    }
    const id = testpmdProcessId(n.id);
    const vdevs = p.flatMap((x, i) => ['--vdev', `net_vhost${i},iface=${x.socket}`]);
    // prettier-ignore
    const argv = [
      'dpdk-testpmd', '--no-huge', '-m', String(n.memory), '--no-pci', '--no-shconf', '--no-telemetry',
      '-l', n.lcores, '--file-prefix', n.id, ...vdevs,
      '--', '--no-mlockall', '--total-num-mbufs=4096', '--forward-mode=io', '-a',
    ];
    const last = p[p.length - 1]?.socket ?? '';
    out.push({
      id,
      kind: 'testpmd',
      node: n.id,
      argv,
      dependsOn: [],
      ready: { type: 'path', path: last },
      holdStdin: true,
      stderrLog: `${ctx.labDir}/${id}.log`,
      env: { RUNTIME_DIRECTORY: ctx.labDir },
      runtimeDirs: [`${ctx.labDir}/dpdk/${n.id}`, `${ctx.labDir}/dpdk`],
    });
  }
  return out;
}
