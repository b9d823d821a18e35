/** Preflight: names free on the host, the lab not running already, the bridge helper and its ACL, privilege. */
import { spawnSync } from 'node:child_process';
import { accessSync, constants as fsConstants, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic } from '../../shared/diagnostics';
import { aclAllows, readBridgeAcl } from './bridge-acl';
import { JOURNAL_FILE, journaledProcesses, readJournal } from './journal';
import type { PreflightContext } from './preflight';
import { pdiag } from './preflight-diag';
import { isOurProcess } from './proc';

/**
 * Nothing a step creates exists yet: the lab's namespace, and (on the host network) its bridges, taps and NAT
 * table. The step itself fails when its name is taken meanwhile, and a failed step is never undone.
 */
export function checkNames(ctx: PreflightContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const lab = ctx.plan.lab;
  for (const s of ctx.plan.hostSteps) {
    const c = s.creates;
    if (c === undefined || s.inNetns) continue; // inside the lab's own, new namespace: nothing to clash with
    if (c.kind === 'netns') {
      if (!existsSync(join('/run/netns', c.name))) continue;
      const fix = `qnet down ${lab}, or sudo ip netns del ${c.name} if no lab uses it`;
      out.push(
        pdiag(
          'PREFLIGHT_NETNS_EXISTS',
          `network namespace ${c.name} already exists (another run of lab ${lab}?): ${fix}`,
          { fix },
        ),
      );
    } else if (c.kind === 'nft-table') {
      if (!nftTableExists(c.name, ctx)) continue;
      const fix = `qnet down ${lab}, or sudo nft delete table ip ${c.name} if no lab uses it`;
      out.push(
        pdiag('PREFLIGHT_NAME_TAKEN', `nftables table ${c.name} already exists (another run of lab ${lab}?): ${fix}`, {
          fix,
        }),
      );
    } else if (ctx.links?.some((l) => l.name === c.name)) {
      const fix = `rename it in the topology, or remove it with sudo ip link del ${c.name} if it is left from this lab`;
      out.push(pdiag('PREFLIGHT_NAME_TAKEN', `${c.kind} ${c.name} already exists on this host: ${fix}`, { fix }));
    }
  }
  return out;
}

/** True when root can list the table (only root can; as a user the step's own `nft create` refuses a taken name). */
function nftTableExists(table: string, ctx: PreflightContext): boolean {
  if (ctx.uid !== 0) return false;
  return (
    spawnSync('nft', ['list', 'table', 'ip', table], { stdio: 'ignore', env: ctx.env, timeout: 10_000 }).status === 0
  );
}

/**
 * What a host-network lab uses but does not create is there: each external bridge (a bridge, not another kind of
 * interface) and each host interface a bridge takes as its uplink, which must be in no bridge yet (taking it would
 * take it from that bridge, and the undo would leave it in none).
 */
export function checkHostInterfaces(ctx: PreflightContext): Diagnostic[] {
  // In a lab's own namespace: the compiler already says these cannot reach it. Without `ip`, preflight says that.
  const links = ctx.links;
  if (ctx.plan.target.isolation !== 'host' || links === null) return [];
  const out: Diagnostic[] = [];
  const link = (name: string) => links.find((l) => l.name === name);
  for (const { node, name: br } of ctx.plan.needs.bridges) {
    const create = `sudo ip link add ${br} type bridge && sudo ip link set ${br} up`;
    const found = link(br);
    if (!found)
      out.push(
        pdiag(
          'PREFLIGHT_BRIDGE_MISSING',
          `${node} uses the host bridge ${br}, which does not exist: create it with ${create}, or untick "external" so the lab creates it`,
          { nodes: [node], fix: create },
        ),
      );
    else if (found.kind !== 'bridge')
      out.push(
        pdiag(
          'PREFLIGHT_BRIDGE_MISSING',
          `${node} uses the host bridge ${br}, but ${br} is not a bridge: name a bridge (ip -br link show type bridge lists them)`,
          { nodes: [node], fix: 'ip -br link show type bridge' },
        ),
      );
  }
  for (const s of ctx.plan.hostSteps) {
    const itf = s.enslaves;
    if (itf === undefined) continue;
    const found = link(itf);
    if (!found) {
      out.push(
        pdiag(
          'PREFLIGHT_UPLINK_MISSING',
          `the uplink ${itf} (${s.description}) is not an interface of this host: fix its name in the host node (ip -br link lists this host's interfaces)`,
          { fix: 'ip -br link' },
        ),
      );
    } else if (found.master !== null) {
      const fix = `use another interface, or take ${itf} out of ${found.master} first (sudo ip link set ${itf} nomaster)`;
      out.push(
        pdiag(
          'PREFLIGHT_UPLINK_TAKEN',
          `the uplink ${itf} is already in bridge ${found.master} (${s.description}): ${fix}`,
          { fix },
        ),
      );
    }
  }
  return out;
}

/** The lab's state directory is not used by a running lab (its journal names live processes). */
export function checkLabRunning(ctx: PreflightContext): Diagnostic[] {
  const read = readJournal(join(ctx.plan.stateDir, JOURNAL_FILE));
  if (!read.ok) return [];
  const live = journaledProcesses(read.records).filter((p) => p.pid !== null && isOurProcess(p.pid, p.argv));
  if (live.length === 0) return [];
  const fix = `qnet down ${ctx.plan.lab}`;
  return [
    pdiag(
      'PREFLIGHT_LAB_RUNNING',
      `lab ${ctx.plan.lab} is already running from ${ctx.plan.stateDir} (pid ${live.map((p) => p.pid).join(', ')}): stop it first with ${fix}`,
      { fix },
    ),
  ];
}

/** Helper mode: qemu-bridge-helper exists and is setuid root (unless we are root); the ACL allows each bridge. */
export function checkHelper(ctx: PreflightContext): Diagnostic[] {
  const uses = new Map<string, { helper: string; vms: string[] }>();
  for (const vm of ctx.plan.vms) {
    for (const { bridge: br, helper } of vm.helperBridges) {
      const entry = uses.get(br) ?? { helper, vms: [] };
      entry.vms.push(vm.node);
      uses.set(br, entry);
    }
  }
  if (uses.size === 0) return [];
  const out: Diagnostic[] = [];
  const helpers = new Set([...uses.values()].map((u) => u.helper.split(' ')[0] ?? ''));
  for (const helper of helpers) {
    let st;
    try {
      st = statSync(helper);
    } catch {
      const fix = 'sudo apt-get install qemu-system-common';
      out.push(pdiag('PREFLIGHT_HELPER_MISSING', `qemu-bridge-helper is not installed at ${helper}: ${fix}`, { fix }));
      continue;
    }
    const setuidRoot = st.uid === 0 && (st.mode & 0o4000) !== 0;
    if (!setuidRoot && ctx.uid !== 0) {
      const fix = `sudo chmod u+s ${helper}`;
      out.push(
        pdiag('PREFLIGHT_HELPER_NOT_SETUID', `${helper} is not setuid root, so it cannot create taps for you: ${fix}`, {
          fix,
        }),
      );
    }
  }
  // The setuid helper drops to the calling user before it opens the tun device.
  if (ctx.uid !== 0 && !tunUsable(ctx.tunDevice ?? '/dev/net/tun')) {
    const dev = ctx.tunDevice ?? '/dev/net/tun';
    const fix = `sudo chmod 0666 ${dev}`;
    out.push(
      pdiag(
        'PREFLIGHT_TUN_ACCESS',
        `you cannot open ${dev}, which qemu-bridge-helper needs to create taps as you: ${fix}`,
        { nodes: [...uses.values()].flatMap((u) => u.vms), fix },
      ),
    );
  }
  const conf = ctx.bridgeConf;
  const acl = readBridgeAcl(conf);
  for (const [br, { vms }] of uses) {
    if (aclAllows(acl, br)) continue;
    const why =
      acl.error !== null
        ? `${acl.error}`
        : acl.deny.has(br) || acl.deny.has('all')
          ? `${conf} denies it`
          : `${conf} has no "allow ${br}" line`;
    const fix = `echo 'allow ${br}' | sudo tee -a ${conf}`;
    out.push(
      pdiag(
        'PREFLIGHT_BRIDGE_ACL',
        `qemu-bridge-helper will refuse bridge ${br} (${why}): add the line "allow ${br}" to ${conf}, e.g. ${fix}`,
        { nodes: vms, fix },
      ),
    );
  }
  return out;
}

/** Whether this process may read and write the tun device. */
function tunUsable(path: string): boolean {
  try {
    accessSync(path, fsConstants.R_OK | fsConstants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Root steps and namespaces need root: here directly, with passwordless sudo, or through one pkexec/sudo prompt. */
export function checkPrivilege(ctx: PreflightContext): Diagnostic[] {
  if (ctx.uid === 0) return [];
  // Steps inside the lab's user namespace (userns) need no root: only a named namespace's do.
  const rootSteps = ctx.plan.hostSteps.some((s) => s.needsRoot || (s.inNetns && ctx.plan.netns !== null));
  if (ctx.plan.netns !== null) {
    const fix = 'run the engine as root (sudo qnet up …), or use isolation userns (no root)';
    return [
      pdiag(
        'PREFLIGHT_PRIVILEGE',
        `isolation netns runs the lab's processes inside a network namespace, which needs root: ${fix}`,
        { fix },
      ),
    ];
  }
  if (!rootSteps) return [];
  if (ctx.passwordlessSudo)
    return [pdiag('PREFLIGHT_PRIVILEGE', 'host setup runs through sudo (no password needed)', { severity: 'info' })];
  return [
    pdiag(
      'PREFLIGHT_PRIVILEGE',
      'host setup needs root: pkexec (or sudo) will ask for your password once for the generated setup script',
      {
        severity: 'warning',
        fix: 'Or use privilege helper/user with isolation host',
      },
    ),
  ];
}
