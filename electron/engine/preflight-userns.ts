/**
 * Preflight of a rootless lab (isolation userns): this user may make a user + network namespace, and open the tun
 * device when the lab has taps. Each failure names the setting, the command that changes it, and the privileged
 * isolation that works instead.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants as fsConstants, readFileSync } from 'node:fs';
import type { Diagnostic } from '../../shared/diagnostics';
import type { PreflightContext } from './preflight';
import { pdiag } from './preflight-diag';

/** A kernel setting read from /proc/sys (`user.max_user_namespaces` → /proc/sys/user/max_user_namespaces), or null. */
function sysctl(name: string, procSys: string): string | null {
  try {
    return readFileSync(`${procSys}/${name.replaceAll('.', '/')}`, 'utf8').trim();
  } catch {
    return null;
  }
}

/**
 * Why user namespaces are off, from the settings that turn them off (Debian's, the kernel's, Ubuntu's AppArmor
 * restriction), and the command that turns them on; null when no setting explains it.
 */
export function usernsSettingProblem(procSys = '/proc/sys'): { readonly why: string; readonly fix: string } | null {
  if (sysctl('kernel.unprivileged_userns_clone', procSys) === '0')
    return {
      why: 'kernel.unprivileged_userns_clone is 0: turn it on with',
      fix: 'sudo sysctl -w kernel.unprivileged_userns_clone=1',
    };
  if (sysctl('user.max_user_namespaces', procSys) === '0')
    return {
      why: 'user.max_user_namespaces is 0: allow them with',
      fix: 'sudo sysctl -w user.max_user_namespaces=15000',
    };
  if (sysctl('kernel.apparmor_restrict_unprivileged_userns', procSys) === '1')
    return {
      why: 'AppArmor restricts them (kernel.apparmor_restrict_unprivileged_userns is 1): lift that with',
      fix: 'sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0',
    };
  return null;
}

/** What `unshare --user --net` says when it cannot make the namespaces; null when it can. */
export function usernsRefusal(env: NodeJS.ProcessEnv): string | null {
  const r = spawnSync('unshare', ['--user', '--map-root-user', '--net', '--', 'true'], {
    encoding: 'utf8',
    env,
    timeout: 10_000,
  });
  if (r.error) return (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? null : r.error.message; // a missing unshare is checkPrograms'
  return r.status === 0 ? null : r.stderr.trim() || `unshare exited with ${r.status ?? r.signal}`;
}

/** The namespace can be made, and the tun device opened when the lab makes taps. */
export function checkUserns(
  ctx: PreflightContext,
  probe: { readonly refusal?: string | null; readonly procSys?: string } = {},
): Diagnostic[] {
  if (ctx.plan.target.isolation !== 'userns') return [];
  const out: Diagnostic[] = [];
  const refusal = probe.refusal !== undefined ? probe.refusal : usernsRefusal(ctx.env);
  if (refusal !== null) {
    const setting = usernsSettingProblem(probe.procSys);
    const instead = 'or run the lab with root in a namespace root makes (sudo qnet up --isolation netns FILE)';
    const fix = setting?.fix ?? "enable unprivileged user namespaces (see your distribution's kernel settings)";
    const how = setting ? `${setting.why} ${setting.fix}` : fix;
    out.push(
      pdiag(
        'PREFLIGHT_USERNS',
        `this lab runs without root in a user namespace of its own, but this system refuses to make one (${refusal}): ${how}; ${instead}`,
        { fix },
      ),
    );
  }
  const tun = ctx.tunDevice ?? '/dev/net/tun';
  const taps = ctx.plan.hostSteps.some((s) => s.creates?.kind === 'tap');
  if (taps) {
    try {
      accessSync(tun, fsConstants.R_OK | fsConstants.W_OK);
    } catch {
      const fix = `sudo chmod 0666 ${tun}`;
      out.push(
        pdiag('PREFLIGHT_TUN_ACCESS', `you cannot open ${tun}, which the lab's taps need in its namespace: ${fix}`, {
          fix,
        }),
      );
    }
  }
  return out;
}
