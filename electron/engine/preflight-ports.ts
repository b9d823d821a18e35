/**
 * Preflight: the TCP/UDP host ports a lab binds on the host are free (bind-tested, then released): all of them on the
 * host network, else those bound on the host for it (pasta's hostfwd, the engine's console ports).
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import type { Diagnostic } from '../../shared/diagnostics';
import type { PreflightContext } from './preflight';
import { pdiag } from './preflight-diag';
import type { BoundPort } from '../../shared/compiler/plan';

/** Resolves null when `port` can be bound on `host` now, else the error code (EADDRINUSE, EACCES, …). */
function bindTest(proto: 'tcp' | 'udp', host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    if (proto === 'tcp') {
      const server = createServer();
      server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(null)));
    } else {
      const sock = createSocket(host.includes(':') ? 'udp6' : 'udp4');
      sock.once('error', (err: NodeJS.ErrnoException) => {
        sock.close();
        resolve(err.code ?? err.message);
      });
      sock.bind({ port, address: host, exclusive: true }, () => sock.close(() => resolve(null)));
    }
  });
}

/** A guest and the host ports bound for it: a VM's backends and console, a UML instance's console. */
interface PortOwner {
  readonly kind: string;
  readonly node: string;
  readonly ports: readonly BoundPort[];
}

/** Every guest of the plan with its ports: the VMs, and each process with a console of its own (a UML instance). */
function portOwners(ctx: PreflightContext): PortOwner[] {
  const vms = ctx.plan.vms.map((vm) => ({ kind: 'vm', node: vm.node, ports: vm.ports }));
  const consoles = ctx.plan.processes.flatMap((p) =>
    p.console?.port === undefined ? [] : [{ kind: p.kind, node: p.node, ports: [p.console.port] }],
  );
  return [...vms, ...consoles];
}

/** "hostfwd of nat node wan", "socket listen of vm server": who binds the port, for the message. */
function owner(guest: PortOwner, p: BoundPort): { text: string; nodes: string[] } {
  if (p.what === 'hostfwd' && p.node !== guest.node)
    return { text: `hostfwd of ${p.bridge ? 'bridge' : 'nat node'} ${p.node}`, nodes: [p.node, guest.node] };
  if (p.what === 'console') return { text: `the console of ${guest.kind} ${guest.node}`, nodes: [guest.node] };
  return { text: `${p.what} of ${guest.kind} ${guest.node}`, nodes: [guest.node] };
}

/** Whether a port is bound on the host itself under `isolation` (else inside the lab's namespace, which is new). */
function onHost(isolation: string, p: BoundPort): boolean {
  if (p.what === 'console' || isolation === 'host') return true; // the engine serves consoles on the host
  // pasta binds them on the host for the lab's namespace: every hostfwd of a rootless lab, a netns lab's published.
  return p.what === 'hostfwd' && (isolation === 'userns' || p.bridge === true);
}

/**
 * On the host network (isolation host), every port the guests bind must be free. In a namespace of the lab's own
 * the ports cannot clash with the host's (and the namespace does not exist before launch), so only those bound on the
 * host for it are tested: the console ports (VMs' and UML instances'), and the hostfwd ports pasta binds (a
 * rootless lab's, and those guests publish through their bridges).
 */
export async function checkPorts(ctx: PreflightContext): Promise<Diagnostic[]> {
  const isolation = ctx.plan.target.isolation;
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const guest of portOwners(ctx)) {
    for (const p of guest.ports.filter((x) => onHost(isolation, x))) {
      const key = `${p.proto}:${p.host}:${p.port}`;
      if (seen.has(key)) continue; // a clash inside the plan is the compiler's PORT_CLASH
      seen.add(key);
      const err = await bindTest(p.proto, p.host, p.port);
      if (err === null) continue;
      const who = owner(guest, p);
      const why =
        err === 'EADDRINUSE'
          ? 'is already in use'
          : err === 'EACCES'
            ? 'needs privilege to bind'
            : `cannot be bound (${err})`;
      const fix =
        err === 'EADDRINUSE'
          ? `stop what listens there (sudo ss -lpn '( sport = :${p.port} )' shows it) or choose another port`
          : 'choose a port above 1023';
      out.push(
        pdiag(
          'PREFLIGHT_PORT_IN_USE',
          `${p.proto === 'udp' ? 'UDP ' : ''}port ${p.port} (${who.text}) ${why}: ${fix}`,
          { nodes: who.nodes, fix },
        ),
      );
    }
  }
  return out;
}
