import type { Diagnostic, Severity } from '../../shared/diagnostics';

/** Stable codes of preflight problems (each message names the fix). */
export type PreflightCode =
  | 'PREFLIGHT_PROGRAM_MISSING'
  | 'PREFLIGHT_QEMU_VERSION'
  | 'PREFLIGHT_KVM_UNUSABLE'
  | 'PREFLIGHT_TINY_GUEST_MISSING'
  | 'PREFLIGHT_BOOT_FILE_MISSING'
  | 'PREFLIGHT_PORT_IN_USE'
  | 'PREFLIGHT_NAME_TAKEN'
  | 'PREFLIGHT_BRIDGE_MISSING'
  | 'PREFLIGHT_UPLINK_MISSING'
  | 'PREFLIGHT_UPLINK_TAKEN'
  | 'PREFLIGHT_NETNS_EXISTS'
  | 'PREFLIGHT_LAB_RUNNING'
  | 'PREFLIGHT_STATE_DIR'
  | 'PREFLIGHT_HELPER_MISSING'
  | 'PREFLIGHT_HELPER_NOT_SETUID'
  | 'PREFLIGHT_BRIDGE_ACL'
  | 'PREFLIGHT_TUN_ACCESS'
  | 'PREFLIGHT_VHOST_USER_BACKEND'
  | 'PREFLIGHT_VDPA_DEVICE'
  | 'PREFLIGHT_VDE_SWITCH_RUNNING'
  | 'PREFLIGHT_PRIVILEGE'
  | 'PREFLIGHT_USERNS'
  | 'PREFLIGHT_ROUTE_OVERLAP';

/** A preflight diagnostic: the sentence holds the command that fixes it; `fix.label` repeats that command. */
export function pdiag(
  code: PreflightCode,
  message: string,
  extra: { nodes?: readonly string[]; fix?: string; severity?: Severity } = {},
): Diagnostic {
  return {
    code,
    severity: extra.severity ?? 'error',
    message,
    nodes: [...new Set(extra.nodes ?? [])],
    links: [],
    ...(extra.fix ? { fix: { label: extra.fix } } : {}),
  };
}
