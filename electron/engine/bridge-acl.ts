/** qemu-bridge-helper's ACL (/etc/qemu/bridge.conf): allow/deny lines, `include`, default deny, deny wins. */
import { readFileSync } from 'node:fs';

export const DEFAULT_BRIDGE_CONF = '/etc/qemu/bridge.conf';

export interface BridgeAcl {
  readonly allow: ReadonlySet<string>;
  readonly deny: ReadonlySet<string>;
  /** Null when the file was read; else why not (the helper then refuses every bridge). */
  readonly error: string | null;
}

/** Reads an ACL file and the files it includes (errors in included files are ignored, as the helper does). */
export function readBridgeAcl(path = DEFAULT_BRIDGE_CONF): BridgeAcl {
  const allow = new Set<string>();
  const deny = new Set<string>();
  const read = (file: string, depth: number): string | null => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ENOENT' ? `${file} does not exist` : `${file} cannot be read`;
    }
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const [cmd, arg] = line.split(/[ \t]+/, 2);
      if (arg === undefined) continue;
      if (cmd === 'allow') allow.add(arg);
      else if (cmd === 'deny') deny.add(arg);
      else if (cmd === 'include' && depth < 8) read(arg, depth + 1);
    }
    return null;
  };
  const error = read(path, 0);
  return { allow, deny, error };
}

/** True when the helper would let a tap join `bridge`. */
export function aclAllows(acl: BridgeAcl, bridge: string): boolean {
  if (acl.error !== null) return false;
  if (acl.deny.has('all') || acl.deny.has(bridge)) return false;
  return acl.allow.has('all') || acl.allow.has(bridge);
}
