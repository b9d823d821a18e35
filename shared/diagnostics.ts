/**
 * What every layer says about a topology: a problem or a note with a stable code, where it sits, and the fixes the
 * editor can apply in one click. Plain data, produced by the loader's structural checks, the compiler, the importer
 * and the engine's preflight alike, so none of them has to import another to speak.
 */

/** How bad a diagnostic is: errors block a launch, warnings and infos do not. */
export type Severity = 'error' | 'warning' | 'info';

/** A change that fixes a diagnostic, applied by the editor ("one-click fix"). Plain data. */
export type FixAction =
  | { readonly kind: 'convert-node'; readonly node: string; readonly toKind: 'vde' | 'mcast' }
  | {
      readonly kind: 'set-field';
      /** The node id, or the link id when `on` is `link`. */
      readonly node: string;
      readonly path: readonly (string | number)[];
      /** The new value; undefined removes the field (back to its default). */
      readonly value: unknown;
      /** What `node` names: a node (default) or a link. */
      readonly on?: 'node' | 'link';
    }
  | { readonly kind: 'remove-link'; readonly link: string }
  | { readonly kind: 'set-target'; readonly field: 'privilege' | 'isolation' | 'stateDir'; readonly value: string };

/** A suggested fix: a label, and an action when the editor can apply it in one click. */
export interface Fix {
  /** A sentence for a button or a terminal: "Make hub1 a VDE switch". */
  readonly label: string;
  readonly action?: FixAction;
}

/** A problem (or a note) about the topology, with a stable code. */
export interface Diagnostic {
  /** Stable code, e.g. HUB_SPANS_VMS. */
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly nodes: readonly string[];
  readonly links: readonly string[];
  readonly fix?: Fix;
  /** Other fixes that work as well, offered after `fix` (HUB_SPANS_VMS: a VDE switch, or a multicast segment). */
  readonly alternatives?: readonly Fix[];
  /** Where in the document the problem sits, e.g. ['links', 3, 'b'], so a loader can name the YAML line. */
  readonly path?: readonly (string | number)[];
  /**
   * Where the diagnostic pre-empts a QEMU start-up warning: the exact text QEMU prints after
   * `<binary>: warning: `, and the VM whose process prints it.
   */
  readonly qemuWarning?: { readonly vm: string; readonly text: string };
}
