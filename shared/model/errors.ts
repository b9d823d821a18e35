/** A problem that keeps a file from loading, located in the file. Plain data. */
export interface ModelError {
  /** Stable code: YAML_SYNTAX, UNKNOWN_KIND, UNKNOWN_FIELD, WRONG_TYPE, OUT_OF_RANGE, INVALID_VALUE, MISSING_FIELD, VERSION, NOT_A_MAPPING, TOO_LARGE, or a structural code. */
  readonly code: string;
  /** A sentence naming the node and the field (the location prefix is added by formatModelError). */
  readonly message: string;
  readonly file?: string;
  /** 1-based. */
  readonly line?: number;
  /** 1-based. */
  readonly column?: number;
  /** Id of the node concerned (its index as `nodes[3]` when it has no usable id). */
  readonly node?: string;
  /** Dotted path from the document root, like `nodes[2].nics[0].mac`. */
  readonly field?: string;
}

/** `nodes[2].nics[0].mac` for ['nodes', 2, 'nics', 0, 'mac']. */
export function dottedPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** `file:line:column: message` (or `line N: message` without a file), for terminals and logs. */
export function formatModelError(e: ModelError): string {
  let where = e.file ?? '';
  if (e.line !== undefined) where = e.file !== undefined ? `${where}:${e.line}` : `line ${e.line}`;
  return where ? `${where}: ${e.message}` : e.message;
}
