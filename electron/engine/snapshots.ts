/**
 * Lab snapshots: every guest's state (RAM, devices, and its disks) saved under one name and loaded back, with QMP's
 * snapshot-save / snapshot-load / snapshot-delete jobs (QEMU 6.0+). Those are the internal qcow2 snapshots of
 * savevm/loadvm, run as jobs: the monitor stays free while a guest's RAM is written, the disks and the one that holds
 * the RAM (`vmstate`) are named by the plan's block node names rather than "every writable disk", and a failure is
 * the job's error, not text from HMP. Internal snapshots need every disk a guest writes to be a qcow2 that stays:
 * the image (`snapshot: false`) or its linked clone. A guest booted from -kernel/-initrd with no such disk has
 * nowhere to keep its state, and is named when a snapshot is refused.
 */
import type { LabSnapshot } from '../../shared/api';
import type { VmPlan } from '../../shared/compiler/plan';
import type { QmpClient } from './qmp';

/** One guest as a snapshot needs it: its plan and its QMP connection (null when it is not running). */
export interface SnapshotGuest {
  readonly vm: VmPlan;
  readonly qmp: QmpClient | null;
}

type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/** The disks a snapshot of `vm` names, the first holding its RAM; or why the guest cannot be snapshotted. */
export function snapshotDisks(vm: VmPlan): Outcome<{ vmstate: string; devices: string[] }> {
  const disks = vm.disks ?? [];
  const bad = disks.find((d) => !d.persistent || d.format !== 'qcow2');
  if (bad)
    return {
      ok: false,
      message: !bad.persistent
        ? `${vm.name} writes ${bad.file} into QEMU's throwaway overlay, which a snapshot cannot keep: make that disk a linked clone`
        : `${vm.name} writes ${bad.file}, which is not qcow2 (${bad.format ?? 'format not given'}) and cannot hold a snapshot: make that disk a linked clone`,
    };
  const first = disks[0];
  if (!first)
    return {
      ok: false,
      message: `${vm.name} has no disk to keep its state in: give it a qcow2 disk (a linked clone of an image) to snapshot the lab`,
    };
  return { ok: true, value: { vmstate: first.nodeName, devices: disks.map((d) => d.nodeName) } };
}

interface JobInfo {
  readonly id: string;
  readonly status: string;
  readonly error?: string;
}

let jobCounter = 0;

/** Runs one snapshot job on a guest and waits for it to conclude; dismisses it either way. */
async function runJob(
  qmp: QmpClient,
  command: 'snapshot-save' | 'snapshot-load' | 'snapshot-delete',
  args: Record<string, unknown>,
  timeoutMs: number,
): Promise<Outcome<null>> {
  const id = `qnet-${command}-${process.pid}-${++jobCounter}`;
  const started = await qmp.execute(command, { 'job-id': id, ...args });
  if (!started.ok) return { ok: false, message: started.error.message };
  const until = Date.now() + timeoutMs;
  for (;;) {
    const jobs = await qmp.execute<JobInfo[]>('query-jobs');
    if (!jobs.ok) return { ok: false, message: jobs.error.message };
    const job = jobs.value.find((j) => j.id === id);
    if (!job) return { ok: false, message: `${command} job ${id} disappeared` };
    if (job.status === 'concluded') {
      await qmp.execute('job-dismiss', { id });
      return job.error === undefined ? { ok: true, value: null } : { ok: false, message: job.error };
    }
    if (Date.now() > until) {
      await qmp.execute('job-cancel', { id });
      return { ok: false, message: `${command} did not finish within ${Math.round(timeoutMs / 1000)} s` };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface NamedNode {
  readonly 'node-name': string;
  readonly image?: {
    readonly snapshots?: readonly { name: string; 'date-sec': number; 'vm-state-size': number }[];
  };
}

/** The snapshots with saved RAM on the disk that holds a guest's state. */
async function guestSnapshots(qmp: QmpClient, vmstate: string): Promise<Outcome<{ name: string; date: number }[]>> {
  const r = await qmp.execute<NamedNode[]>('query-named-block-nodes', { flat: true });
  if (!r.ok) return { ok: false, message: r.error.message };
  const node = r.value.find((n) => n['node-name'] === vmstate);
  return {
    ok: true,
    value: (node?.image?.snapshots ?? [])
      .filter((s) => s['vm-state-size'] > 0)
      .map((s) => ({ name: s.name, date: s['date-sec'] * 1000 })),
  };
}

/** Every guest ready for a snapshot (running, with disks that can hold one), or one sentence naming those that are not. */
function ready(
  guests: readonly SnapshotGuest[],
): Outcome<{ guest: SnapshotGuest; qmp: QmpClient; vmstate: string; devices: string[] }[]> {
  const problems: string[] = [];
  const out: { guest: SnapshotGuest; qmp: QmpClient; vmstate: string; devices: string[] }[] = [];
  if (guests.length === 0) return { ok: false, message: 'the lab has no QEMU guest to snapshot' };
  for (const g of guests) {
    const disks = snapshotDisks(g.vm);
    if (!disks.ok) problems.push(disks.message);
    else if (g.qmp === null || g.qmp.closed) problems.push(`${g.vm.name} is not running: start it first`);
    else out.push({ guest: g, qmp: g.qmp, ...disks.value });
  }
  return problems.length > 0 ? { ok: false, message: problems.join('; ') } : { ok: true, value: out };
}

/** The lab's snapshots: the names every guest holds, oldest first, with the guests' latest date. */
export async function listSnapshots(guests: readonly SnapshotGuest[]): Promise<Outcome<LabSnapshot[]>> {
  const r = ready(guests);
  if (!r.ok) return r;
  const per: Map<string, number>[] = [];
  for (const g of r.value) {
    const list = await guestSnapshots(g.qmp, g.vmstate);
    if (!list.ok) return { ok: false, message: `${g.guest.vm.name}: ${list.message}` };
    per.push(new Map(list.value.map((s) => [s.name, s.date])));
  }
  const [first, ...rest] = per;
  const names = [...(first?.keys() ?? [])].filter((n) => rest.every((m) => m.has(n)));
  return {
    ok: true,
    value: names
      .map((name) => ({ name, date: Math.max(...per.map((m) => m.get(name) ?? 0)) }))
      .sort((a, b) => a.date - b.date || (a.name < b.name ? -1 : 1)),
  };
}

/** Saves every guest's state under `name`; a snapshot of that name is replaced. */
export async function saveSnapshot(
  guests: readonly SnapshotGuest[],
  name: string,
  timeoutMs = 120_000,
): Promise<Outcome<null>> {
  const r = ready(guests);
  if (!r.ok) return r;
  for (const g of r.value) {
    const had = await guestSnapshots(g.qmp, g.vmstate);
    if (had.ok && had.value.some((s) => s.name === name)) {
      const del = await runJob(g.qmp, 'snapshot-delete', { tag: name, devices: g.devices }, timeoutMs);
      if (!del.ok) return { ok: false, message: `${g.guest.vm.name}: replacing snapshot ${name}: ${del.message}` };
    }
    const saved = await runJob(
      g.qmp,
      'snapshot-save',
      { tag: name, vmstate: g.vmstate, devices: g.devices },
      timeoutMs,
    );
    if (!saved.ok) return { ok: false, message: `${g.guest.vm.name}: ${saved.message}` };
  }
  return { ok: true, value: null };
}

/**
 * Deletes snapshot `name` from every guest that holds it (a save that failed half way may have left it on some);
 * refused, touching nothing, when none does.
 */
export async function deleteSnapshot(
  guests: readonly SnapshotGuest[],
  name: string,
  timeoutMs = 120_000,
): Promise<Outcome<null>> {
  const r = ready(guests);
  if (!r.ok) return r;
  const holding: typeof r.value = [];
  for (const g of r.value) {
    const had = await guestSnapshots(g.qmp, g.vmstate);
    if (!had.ok) return { ok: false, message: `${g.guest.vm.name}: ${had.message}` };
    if (had.value.some((s) => s.name === name)) holding.push(g);
  }
  if (holding.length === 0) return { ok: false, message: `the lab has no snapshot ${name}` };
  for (const g of holding) {
    const del = await runJob(g.qmp, 'snapshot-delete', { tag: name, devices: g.devices }, timeoutMs);
    if (!del.ok) return { ok: false, message: `${g.guest.vm.name}: ${del.message}` };
  }
  return { ok: true, value: null };
}

/** Loads every guest's state saved under `name`; refused, touching nothing, when a guest does not have it. */
export async function loadSnapshot(
  guests: readonly SnapshotGuest[],
  name: string,
  timeoutMs = 120_000,
): Promise<Outcome<null>> {
  const r = ready(guests);
  if (!r.ok) return r;
  const lacking: string[] = [];
  for (const g of r.value) {
    const had = await guestSnapshots(g.qmp, g.vmstate);
    if (!had.ok) return { ok: false, message: `${g.guest.vm.name}: ${had.message}` };
    if (!had.value.some((s) => s.name === name)) lacking.push(g.guest.vm.name);
  }
  if (lacking.length > 0) return { ok: false, message: `no snapshot ${name} of ${lacking.join(', ')}` };
  for (const g of r.value) {
    const loaded = await runJob(
      g.qmp,
      'snapshot-load',
      { tag: name, vmstate: g.vmstate, devices: g.devices },
      timeoutMs,
    );
    if (!loaded.ok) return { ok: false, message: `${g.guest.vm.name}: ${loaded.message}` };
  }
  return { ok: true, value: null };
}
