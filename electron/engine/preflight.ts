/**
 * Preflight: everything that can be known before a lab starts, each failure a sentence with the command that fixes
 * it (codes PREFLIGHT_…). Errors block the launch; nothing is started or created by these checks (ports are
 * bind-tested and released at once).
 */
import { spawnSync } from 'node:child_process';
import type { LabPlan } from '../../shared/compiler/plan';
import type { Diagnostic } from '../../shared/diagnostics';
import { DEFAULT_BRIDGE_CONF } from './bridge-acl';
import { readHostLinks, type HostLink } from './host-links';
import { readHostRoutes, type HostRoute } from './host-routes';
import { checkRoutes } from './preflight-routes';
import type { KvmProbe } from './kvm';
import { checkBootFiles, checkVhostBackends } from './preflight-files';
import { checkHelper, checkHostInterfaces, checkLabRunning, checkNames, checkPrivilege } from './preflight-host';
import { checkPorts } from './preflight-ports';
import { checkUserns } from './preflight-userns';
import { checkStateDirs } from './preflight-state';
import { checkVdeSwitches } from './preflight-vde';
import { checkKvm, checkPrograms, checkQemuVersion } from './preflight-programs';
import { planNeedsRoot } from './privilege';
import { spawnEnv } from './which';

/** What preflight may be told instead of probing (tests, or answers the engine already has). */
export interface PreflightEnv {
  /** PATH and the rest of the environment the lab's processes get. */
  readonly env?: NodeJS.ProcessEnv;
  readonly uid?: number;
  /** The KVM probe's answer; probed (once per process) when absent and a guest asks for KVM. */
  readonly kvm?: KvmProbe;
  readonly passwordlessSudo?: boolean;
  readonly bridgeConf?: string;
  /** The tun device qemu-bridge-helper opens as the user (default /dev/net/tun). */
  readonly tunDevice?: string;
  /** This namespace's interfaces (default: read with `ip -j -d link show`). */
  readonly links?: readonly HostLink[];
  /** This namespace's IPv4 routes (default: read with `ip -j -4 route show`). */
  readonly routes?: readonly HostRoute[];
  /** The version of an installed QEMU binary (default: `BINARY --version`). */
  readonly qemuVersionOf?: (binary: string) => { readonly major: number; readonly minor: number } | null;
  /**
   * The user launches this lab (its file's host programs approved): a VM's own `binary` may be run to ask its
   * version. Without it (a Validate) only the standard qemu-system-<arch> is asked.
   */
  readonly launching?: boolean;
}

/** What every check reads. */
export interface PreflightContext {
  readonly plan: LabPlan;
  readonly env: NodeJS.ProcessEnv;
  readonly uid: number;
  readonly kvm?: KvmProbe;
  readonly passwordlessSudo: boolean;
  readonly bridgeConf: string;
  readonly tunDevice?: string;
  readonly qemuVersionOf?: PreflightEnv['qemuVersionOf'];
  readonly launching?: boolean;
  /** This namespace's interfaces; null when `ip` could not list them (then the checks that need them are skipped). */
  readonly links: readonly HostLink[] | null;
  /** This namespace's IPv4 routes; null when `ip` could not list them (the route check is skipped). */
  readonly routes: readonly HostRoute[] | null;
}

/** True when `sudo -n true` succeeds (sudo without a password prompt). */
export function hasPasswordlessSudo(env: NodeJS.ProcessEnv = process.env): boolean {
  const r = spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore', timeout: 5_000, env });
  return r.status === 0;
}

/**
 * Runs every check of a compiled plan against this machine; the problems found, errors first. Everything it checks
 * is a fact the plan states (what each guest binds, boots and runs, what the lab needs from the host).
 */
export async function preflight(plan: LabPlan, penv: PreflightEnv = {}): Promise<Diagnostic[]> {
  const uid = penv.uid ?? process.getuid?.() ?? 0;
  const env = spawnEnv(penv.env ?? process.env);
  const ctx: PreflightContext = {
    plan,
    env,
    uid,
    ...(penv.kvm ? { kvm: penv.kvm } : {}),
    passwordlessSudo: penv.passwordlessSudo ?? (uid !== 0 && planNeedsRoot(plan) && hasPasswordlessSudo(env)),
    bridgeConf: penv.bridgeConf ?? DEFAULT_BRIDGE_CONF,
    ...(penv.tunDevice ? { tunDevice: penv.tunDevice } : {}),
    ...(penv.qemuVersionOf ? { qemuVersionOf: penv.qemuVersionOf } : {}),
    launching: penv.launching ?? false,
    links: penv.links ?? readHostLinks(env),
    routes: penv.routes ?? readHostRoutes(env),
  };
  const unsafe = checkStateDirs(ctx);
  const problems = [
    ...unsafe,
    ...checkPrograms(ctx),
    ...checkQemuVersion(ctx),
    ...(await checkKvm(ctx)),
    ...checkBootFiles(ctx),
    ...(unsafe.length === 0 ? checkLabRunning(ctx) : []), // an unsafe directory's journal is not read
    ...checkNames(ctx),
    ...checkHostInterfaces(ctx),
    ...checkRoutes(ctx),
    ...(await checkPorts(ctx)),
    ...checkHelper(ctx),
    ...checkVhostBackends(ctx),
    ...(await checkVdeSwitches(ctx)),
    ...checkPrivilege(ctx),
    ...checkUserns(ctx),
  ];
  const rank = { error: 0, warning: 1, info: 2 } as const;
  return problems.sort((a, b) => rank[a.severity] - rank[b.severity]);
}
