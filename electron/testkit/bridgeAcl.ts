import { existsSync, mkdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';

export const BRIDGE_CONF = '/etc/qemu/bridge.conf';

/**
 * Write qemu-bridge-helper's ACL (/etc/qemu/bridge.conf) with the given lines, and return a function that puts
 * back exactly what was there before: the old file (content and mode), or no file (and no /etc/qemu if it was
 * created here).
 */
export function installBridgeAcl(lines: readonly string[]): () => void {
  const dirExisted = existsSync('/etc/qemu');
  const old = existsSync(BRIDGE_CONF)
    ? { text: readFileSync(BRIDGE_CONF), mode: statSync(BRIDGE_CONF).mode & 0o7777 }
    : null;
  mkdirSync('/etc/qemu', { recursive: true });
  writeFileSync(BRIDGE_CONF, `# written by the qnet acceptance test; restored afterwards\n${lines.join('\n')}\n`, {
    mode: 0o644,
  });
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    if (old) {
      writeFileSync(BRIDGE_CONF, old.text, { mode: old.mode });
      return;
    }
    rmSync(BRIDGE_CONF, { force: true });
    if (!dirExisted) {
      try {
        rmdirSync('/etc/qemu');
      } catch {
        // something else was put there meanwhile: leave it
      }
    }
  };
}
