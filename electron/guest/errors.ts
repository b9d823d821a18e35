/** Stable codes of the tiny guest build's failures. */
export type GuestBuildErrorCode =
  | 'GUEST_ARCH_UNSUPPORTED'
  | 'GUEST_TOOL_MISSING'
  | 'GUEST_PACKAGE_NOT_FOUND'
  | 'GUEST_APT_FAILED'
  | 'GUEST_KERNEL_LAYOUT'
  | 'GUEST_MODULE_MISSING'
  | 'GUEST_COMMAND_FAILED'
  | 'GUEST_LOCKED';

/** A build step that failed: what failed in one sentence, and what to do about it when we know. */
export class GuestBuildError extends Error {
  constructor(
    readonly code: GuestBuildErrorCode,
    message: string,
    readonly fix?: string,
  ) {
    super(fix ? `${message}\n  fix: ${fix}` : message);
    this.name = 'GuestBuildError';
  }
}
