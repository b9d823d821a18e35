import { spawnSync } from 'node:child_process';

/** Names of the network namespaces `ip netns` knows. */
export function listNetns(): string[] {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n !== '');
}

/** True when the named network namespace exists. */
export function netnsExists(name: string): boolean {
  return listNetns().includes(name);
}

/** Create a network namespace with its loopback up; throws with ip's message on failure. */
export function addNetns(name: string): void {
  for (const argv of [
    ['netns', 'add', name],
    ['-n', name, 'link', 'set', 'lo', 'up'],
  ]) {
    const r = spawnSync('ip', argv, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ip ${argv.join(' ')}: ${r.stderr.trim()}`);
  }
}

/** Delete a network namespace if it exists (its interfaces go with it); true when it is gone afterwards. */
export function deleteNetns(name: string): boolean {
  if (netnsExists(name)) spawnSync('ip', ['netns', 'del', name]);
  return !netnsExists(name);
}

/** `ip -br link` inside a namespace: interface names present there. */
export function linksIn(name: string): string[] {
  const r = spawnSync('ip', ['-n', name, '-br', 'link'], { encoding: 'utf8' });
  return r.stdout
    .split('\n')
    .map((l) => (l.trim().split(/\s+/)[0] ?? '').replace(/@.*$/, ''))
    .filter((n) => n !== '');
}
