import { parseArgs } from 'node:util';
import { SNAPSHOT_NAME, type LabSnapshot, type SnapshotAction } from '../../shared/api';
import { findRunningLab, STATE_DIR_HELP, STATE_DIR_OPTION, stateDirOf } from './lab-common';
import { CliError, UsageError } from './usage';
import type { Io } from './usage';

/** The usage of `qnet snapshot`. */
export const SNAPSHOT_USAGE = `usage: qnet snapshot LAB save|load|delete NAME [--state-dir DIR]
       qnet snapshot LAB list [--state-dir DIR]

Saves the state of every guest of a running lab (memory, devices, disks) under NAME, loads it back, deletes it, or
lists the lab's snapshots. A snapshot is kept in each guest's disks (QEMU's internal qcow2 snapshots, saved and loaded by its
snapshot-save, snapshot-load and snapshot-delete jobs), so every guest must run and write only qcow2 disks that stay: an image with
snapshot: false, or a linked clone (clone: keep keeps them across launches). Saving a NAME again replaces it.

options:
${STATE_DIR_HELP}
  -h, --help           show this help`;

const ACTIONS: readonly SnapshotAction[] = ['save', 'load', 'delete', 'list'];
const DONE = { save: 'saved', load: 'loaded', delete: 'deleted' } as const;

function listing(lab: string, snapshots: readonly LabSnapshot[]): string {
  if (snapshots.length === 0) return `${lab}: no snapshots\n`;
  return snapshots.map((s) => `${s.name}\t${new Date(s.date).toISOString()}\n`).join('');
}

/** `qnet snapshot LAB save|load|delete|list [NAME]`: exit 0 once the snapshot is saved, loaded, deleted or listed. */
export async function snapshotCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...STATE_DIR_OPTION, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return (io.out(`${SNAPSHOT_USAGE}\n`), 0);
  const [lab, action, name] = positionals;
  if (lab === undefined || action === undefined)
    throw new UsageError('snapshot takes LAB and an action', SNAPSHOT_USAGE);
  if (!ACTIONS.includes(action as SnapshotAction))
    throw new UsageError(`unknown snapshot action "${action}": use save, load, delete or list`, SNAPSHOT_USAGE);
  const wanted = action === 'list' ? 0 : 1;
  if (positionals.length !== 2 + wanted)
    throw new UsageError(action === 'list' ? 'list takes no NAME' : `${action} takes a NAME`, SNAPSHOT_USAGE);
  if (name !== undefined && !SNAPSHOT_NAME.test(name))
    throw new UsageError(
      `snapshot name "${name}": use 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit`,
      SNAPSHOT_USAGE,
    );
  const stateDir = stateDirOf(values, SNAPSHOT_USAGE);
  const found = await findRunningLab(stateDir, lab, io);
  const client = found.engine.client;
  try {
    const r = await client.request({
      type: 'labSnapshot',
      lab,
      action: action as SnapshotAction,
      ...(name !== undefined ? { name } : {}),
    });
    if (!r.ok) throw new CliError(`qnet snapshot: ${r.error.message}`);
    if (action === 'list') io.out(listing(lab, r.snapshots));
    else io.out(`${lab}: snapshot ${name} ${DONE[action as keyof typeof DONE]}\n`);
    return 0;
  } finally {
    client.close();
  }
}
