import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node as YamlNode } from 'yaml';

/** A 1-based line and column in the YAML text. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' ? key : undefined;
}

/**
 * Where a document path sits in the YAML text: the value's line, or the key's (`atKey`, for unknown fields), or
 * the nearest existing parent when the path goes past what the file holds (a missing field: its mapping).
 */
export function locate(
  doc: Document,
  lc: LineCounter,
  path: readonly (string | number)[],
  atKey = false,
): Position | undefined {
  let node: unknown = doc.contents;
  let best: YamlNode | undefined;
  const take = (n: unknown) => {
    if (n && typeof n === 'object' && 'range' in n && Array.isArray((n as YamlNode).range)) best = n as YamlNode;
  };
  take(node);
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    for (let hops = 0; isAlias(node) && hops < 8; hops++) node = node.resolve(doc);
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(seg));
      if (!pair) break;
      const last = i === path.length - 1;
      if (last && atKey) {
        take(pair.key);
        break;
      }
      take(pair.key);
      next = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      next = node.items[seg];
    }
    if (next === undefined || next === null) break;
    take(next);
    node = next;
  }
  if (!best?.range) return undefined;
  const pos = lc.linePos(best.range[0]);
  return { line: pos.line, column: pos.col };
}
