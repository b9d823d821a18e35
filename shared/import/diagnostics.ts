import type { Diagnostic, Severity } from '../diagnostics';

/** Every diagnostic code the importer raises, with its severity. */
export const IMPORT_CODES = {
  /** No QEMU system emulator command in the text. */
  IMPORT_NO_QEMU: 'error',
  /** Shell text a shell would not accept as written (an unterminated quote). */
  IMPORT_SHELL_SYNTAX: 'error',
  /** Commands that are not QEMU (setup lines of a script): left out. */
  IMPORT_NOT_QEMU: 'info',
  /** An option that needs a value ends the command. */
  IMPORT_MISSING_VALUE: 'error',
  /** A word read as an option although its dash is missing (`netdev stream,…`): QEMU itself would refuse the line. */
  IMPORT_MISSING_DASH: 'warning',
  /** A networking option whose value cannot be read (JSON that does not parse, a bad MAC, a missing type or id). */
  IMPORT_BAD_VALUE: 'error',
  /** `netdev=` names a netdev the command line does not define. */
  IMPORT_NETDEV_UNKNOWN: 'error',
  /** A netdev no NIC or hubport uses: QEMU warns that it has no peer. */
  IMPORT_NETDEV_UNUSED: 'warning',
  /** A netdev used by two NICs or hubports: QEMU refuses the second. */
  IMPORT_NETDEV_TWICE: 'error',
  /** A file descriptor passed by a parent process (libvirt's fd=, fds=, vhostfd=, add-fd): it cannot be reproduced. */
  IMPORT_FD: 'warning',
  /** A shell expansion ($VAR, ${VAR}, $(…)): kept as text, since its value is unknown here. */
  IMPORT_SHELL_VARIABLE: 'warning',
  /** A documentation placeholder (`[...OPTIONS...]`, `...`): left out. */
  IMPORT_PLACEHOLDER: 'info',
  /** What the drawing does not model, kept verbatim in a VM's extra arguments. */
  IMPORT_KEPT: 'info',
  /** An option the lab sets itself (-S, -daemonize, -nographic, -pidfile, a stdio console): left out. */
  IMPORT_DROPPED: 'info',
  /** Something written that the lab cannot keep (a networking option it cannot model, an option a node refuses). */
  IMPORT_LOST: 'warning',
  /** A backend the drawing cannot hold at all: its NIC is left unlinked, so the drawing is not the whole text. */
  IMPORT_UNLINKED: 'error',
  /** A backend the drawing has no node for, or whose other end is not in the text: kept as a netdev node. */
  IMPORT_AS_WRITTEN: 'info',
  /** QEMU's deprecated short-form boolean (`server`, `nowait`), read as `server=on`, `wait=off`. */
  IMPORT_SHORT_BOOLEAN: 'info',
  /** The removed `vlan=` of `-net` (QEMU 3.0), read as a hub. */
  IMPORT_VLAN: 'info',
  /** A tap's ifup/downdown scripts: the lab makes its taps itself and runs no script. */
  IMPORT_TAP_SCRIPT: 'warning',
  /** The machine's default NIC model is not known here: the NIC is made virtio. */
  IMPORT_NIC_MODEL_DEFAULT: 'warning',
  /** Nothing to boot was given: the VM boots the tiny guest. */
  IMPORT_BOOT_TINY: 'info',
  /** The emulator's architecture has no counterpart in the drawing: its binary is kept, the architecture approximated. */
  IMPORT_ARCH: 'warning',
  /** The importer itself failed on this text (a bug of ours): nothing was imported. */
  IMPORT_INTERNAL: 'error',
} as const satisfies Record<string, Severity>;

/** A code the importer raises. */
export type ImportCode = keyof typeof IMPORT_CODES;

/** A diagnostic with the line and column (from 1) of what it is about in the imported text. */
export type ImportDiagnostic = Diagnostic & { readonly line?: number; readonly column?: number };

/** Build an import diagnostic of a code, with the code's severity. */
export function idiag(
  code: ImportCode,
  message: string,
  where: { line: number; column: number } | null,
  nodes: readonly string[] = [],
): ImportDiagnostic {
  return {
    code,
    severity: IMPORT_CODES[code],
    message,
    nodes,
    links: [],
    ...(where ? { line: where.line, column: where.column } : {}),
  };
}
