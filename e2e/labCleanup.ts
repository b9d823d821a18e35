import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { netnsName } from '../shared/compiler/index';
import { deleteNetns, netnsExists } from '../electron/testkit/netns';
import { killPids, processesMentioning, readPidfile } from '../electron/testkit/procs';

/** Every pid in a pidfile under a lab's state directory. */
export function labPids(stateDir: string, lab: string): number[] {
  const dir = join(stateDir, lab);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.pid'))
    .map((f) => readPidfile(join(dir, f)))
    .filter((p): p is number => p !== null);
}

/**
 * What a failed test may leave of a lab: its guests (by pidfile, and any QEMU naming the state dir) and its network
 * namespace. Nothing to do after a clean Stop.
 */
export function cleanUpLab(stateDir: string, lab: string): void {
  const qemu = processesMentioning(stateDir).filter((p) => p.argv[0]?.includes('qemu'));
  killPids([...labPids(stateDir, lab), ...qemu.map((p) => p.pid)]);
  const netns = netnsName(lab);
  if (netnsExists(netns)) deleteNetns(netns);
}
