/**
 * The lab's write-ahead journal (`<stateDir>/engine.journal`, JSON lines, fsynced per record). A host step is
 * recorded with its undo argv BEFORE it runs and again once done; a process is recorded before it is spawned and
 * with its pid once started. After a crash of the engine, the journal alone (not the topology, which may have
 * changed since) says what to stop and undo. Same idea as up.sh's `journal` file (begin/done tokens), but
 * self-contained: the shell format names steps by token and needs the script's own undo table.
 */
import { closeSync, fstatSync, fsyncSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { HostStep } from '../../shared/compiler/plan';
import { openOwnFile, readOwnFile } from './state-dir';

export const JOURNAL_FILE = 'engine.journal';
const JOURNAL_VERSION = 1;

/** One line of the journal. */
export type JournalRecord =
  | {
      readonly t: 'lab';
      readonly v: number;
      readonly lab: string;
      readonly stateDir: string;
      readonly netns: string | null;
      readonly at: number;
    }
  | {
      readonly t: 'begin';
      readonly step: string;
      readonly description: string;
      readonly undo: readonly string[] | null;
      readonly needsRoot: boolean;
      /** The namespace the undo runs in (the step's, when inNetns), else null. */
      readonly netns: string | null;
      readonly at: number;
    }
  | { readonly t: 'done'; readonly step: string; readonly at: number }
  /** The step's command ended with an error: it created nothing, so there is nothing to undo. */
  | { readonly t: 'failed'; readonly step: string; readonly at: number }
  | { readonly t: 'undone'; readonly step: string; readonly at: number }
  | {
      readonly t: 'spawn';
      readonly proc: string;
      readonly argv: readonly string[];
      readonly pidfile: string | null;
      readonly at: number;
    }
  | { readonly t: 'started'; readonly proc: string; readonly pid: number; readonly at: number }
  | { readonly t: 'exited'; readonly proc: string; readonly pid: number; readonly at: number }
  /** The holder of the lab's user namespace (isolation userns): its pid and its network namespace (`net:[INODE]`). */
  | { readonly t: 'holder'; readonly pid: number; readonly net: string; readonly at: number };

export type JournalResult<T extends object = object> =
  | ({ readonly ok: true } & T)
  | { readonly ok: false; readonly error: { readonly code: 'JOURNAL_IO'; readonly message: string } };

/** A step recorded done and not undone yet: what it made is the lab's, so its undo runs. */
export interface PendingUndo {
  readonly step: string;
  readonly description: string;
  readonly undo: readonly string[];
  readonly needsRoot: boolean;
  readonly netns: string | null;
}

/**
 * A step begun and never recorded done or failed: the engine died (or its command was killed) while it ran. What
 * it names may be this lab's or may have existed before (a host's own bridge): it is never undone, only reported.
 */
export interface UnfinishedStep {
  readonly step: string;
  readonly description: string;
  readonly undo: readonly string[] | null;
  readonly needsRoot: boolean;
  readonly netns: string | null;
}

/** A process the journal says may still run: its pid when it was recorded, else look in its pidfile. */
export interface JournaledProcess {
  readonly proc: string;
  readonly argv: readonly string[];
  readonly pidfile: string | null;
  readonly pid: number | null;
}

const ioError = (what: string, err: unknown) => ({
  ok: false as const,
  error: { code: 'JOURNAL_IO' as const, message: `${what}: ${err instanceof Error ? err.message : String(err)}` },
});

export class Journal {
  private fd: number | null;

  private constructor(
    readonly path: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  /** Opens (creating it) the journal of a lab in its checked directory, appending to what an earlier run left. */
  static open(
    stateDir: string,
    lab: { readonly lab: string; readonly netns: string | null },
  ): JournalResult<{ journal: Journal }> {
    const path = join(stateDir, JOURNAL_FILE);
    try {
      // The lab directory was checked (state-dir.ts); the journal itself must be the user's, never a symlink.
      const fd = openOwnFile(path, true);
      endTornLine(fd);
      const journal = new Journal(path, fd);
      const header = journal.append({
        t: 'lab',
        v: JOURNAL_VERSION,
        lab: lab.lab,
        stateDir,
        netns: lab.netns,
        at: Date.now(),
      });
      if (!header.ok) {
        journal.close();
        return header;
      }
      return { ok: true, journal };
    } catch (err) {
      return { ok: false, error: { code: 'JOURNAL_IO', message: `the journal: ${(err as Error).message}` } };
    }
  }

  /** Records that a host step is about to run (call before running it). */
  beginStep(step: HostStep, netns: string | null): JournalResult {
    const ns = step.inNetns ? netns : null;
    return this.append({
      t: 'begin',
      step: step.id,
      description: step.description,
      undo: step.undo,
      needsRoot: step.needsRoot,
      netns: ns,
      at: Date.now(),
    });
  }

  /** Records that a host step succeeded. */
  doneStep(step: string): JournalResult {
    return this.append({ t: 'done', step, at: Date.now() });
  }

  /** Records that a host step's command failed: it created nothing, so it has nothing to undo. */
  failedStep(step: string): JournalResult {
    return this.append({ t: 'failed', step, at: Date.now() });
  }

  /** Records that a step's undo succeeded: it is no longer pending. */
  undoneStep(step: string): JournalResult {
    return this.append({ t: 'undone', step, at: Date.now() });
  }

  /** Records a process about to be spawned (call before spawning). */
  spawning(proc: string, argv: readonly string[], pidfile: string | null): JournalResult {
    return this.append({ t: 'spawn', proc, argv, pidfile, at: Date.now() });
  }

  /** Records the pid of a spawned process. */
  started(proc: string, pid: number): JournalResult {
    return this.append({ t: 'started', proc, pid, at: Date.now() });
  }

  /** Records that a process is gone (exited, crashed, stopped). */
  exited(proc: string, pid: number): JournalResult {
    return this.append({ t: 'exited', proc, pid, at: Date.now() });
  }

  /** Records the holder of the lab's user namespace, once it sits in its namespace (before any step runs there). */
  holder(pid: number, net: string): JournalResult {
    return this.append({ t: 'holder', pid, net, at: Date.now() });
  }

  /** Appends one record and fsyncs it. */
  append(record: JournalRecord): JournalResult {
    if (this.fd === null) return ioError(`cannot write ${this.path}`, 'the journal is closed');
    try {
      writeSync(this.fd, `${JSON.stringify(record)}\n`);
      fsyncSync(this.fd);
      return { ok: true };
    } catch (err) {
      return ioError(`cannot write ${this.path}`, err);
    }
  }

  /** Closes the file; the journal stays for recovery. */
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  /** Closes and deletes the journal: call once everything it records is stopped and undone. */
  remove(): JournalResult {
    this.close();
    try {
      rmSync(this.path, { force: true });
      return { ok: true };
    } catch (err) {
      return ioError(`cannot remove ${this.path}`, err);
    }
  }
}

/** Ends a line torn by a crash mid-write, so the next record starts on a line of its own. */
function endTornLine(fd: number): void {
  const size = fstatSync(fd).size;
  if (size === 0) return;
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  if (last[0] !== 0x0a) writeSync(fd, '\n');
}

/**
 * Reads a journal back; a missing file is an empty journal, damaged lines (a torn last write) are counted and
 * skipped. Only the user's own journal is read: a symlink, or a file someone else owns or can write, is refused.
 */
export function readJournal(path: string): JournalResult<{ records: JournalRecord[]; damaged: number }> {
  let text: string;
  try {
    const read = readOwnFile(path);
    if (read === null) return { ok: true, records: [], damaged: 0 };
    text = read;
  } catch (err) {
    return ioError(`the journal ${path} is not trusted`, err);
  }
  const records: JournalRecord[] = [];
  let damaged = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const r: unknown = JSON.parse(line);
      if (typeof r === 'object' && r !== null && typeof (r as { t?: unknown }).t === 'string')
        records.push(r as JournalRecord);
      else damaged++;
    } catch {
      damaged++;
    }
  }
  return { ok: true, records, damaged };
}

type StepStatus = 'begun' | 'done' | 'failed' | 'undone';

/** Each step's newest begin record and where it got to, in the order setup began them. */
function stepStatuses(
  records: readonly JournalRecord[],
): { begin: Extract<JournalRecord, { t: 'begin' }>; status: StepStatus }[] {
  const steps = new Map<string, { begin: Extract<JournalRecord, { t: 'begin' }>; status: StepStatus }>();
  for (const r of records) {
    const known = 't' in r && 'step' in r ? steps.get(r.step) : undefined;
    if (r.t === 'begin') {
      // Begun again by a later launch: counts anew, as the newest, unless what it made is still pending undo (then
      // the new run's create failed on it, and the old record is the one that matters).
      if (known?.status === 'done') continue;
      steps.delete(r.step);
      steps.set(r.step, { begin: r, status: 'begun' });
    } else if (known && (r.t === 'done' || r.t === 'failed')) {
      if (known.status === 'begun') known.status = r.t;
    } else if (known && r.t === 'undone') known.status = 'undone';
  }
  return [...steps.values()];
}

/** The steps recorded done and not undone, newest first: only those are undone. */
export function pendingUndo(records: readonly JournalRecord[]): PendingUndo[] {
  const out: PendingUndo[] = [];
  for (const { begin, status } of stepStatuses(records)) {
    if (status !== 'done' || begin.undo === null) continue;
    out.push({
      step: begin.step,
      description: begin.description,
      undo: begin.undo,
      needsRoot: begin.needsRoot,
      netns: begin.netns,
    });
  }
  return out.reverse();
}

/** The steps begun and never settled (done, failed or undone), newest first: reported, never undone. */
export function unfinishedSteps(records: readonly JournalRecord[]): UnfinishedStep[] {
  return stepStatuses(records)
    .filter((s) => s.status === 'begun')
    .map(({ begin }) => ({
      step: begin.step,
      description: begin.description,
      undo: begin.undo,
      needsRoot: begin.needsRoot,
      netns: begin.netns,
    }))
    .reverse();
}

/** The processes spawned and not recorded as gone, newest first. */
export function journaledProcesses(records: readonly JournalRecord[]): JournaledProcess[] {
  const procs = new Map<string, JournaledProcess>();
  for (const r of records) {
    if (r.t === 'spawn') {
      procs.delete(r.proc);
      procs.set(r.proc, { proc: r.proc, argv: r.argv, pidfile: r.pidfile, pid: null });
    } else if (r.t === 'started') {
      const p = procs.get(r.proc);
      if (p) procs.set(r.proc, { ...p, pid: r.pid });
    } else if (r.t === 'exited') {
      if (procs.get(r.proc)?.pid === r.pid) procs.delete(r.proc);
    }
  }
  return [...procs.values()].reverse();
}

/** The holders of the lab's namespace the journal records, newest first (one per launch that got that far). */
export function journaledHolders(records: readonly JournalRecord[]): { readonly pid: number; readonly net: string }[] {
  return records
    .flatMap((r) =>
      r.t === 'holder' && Number.isInteger(r.pid) && typeof r.net === 'string' ? [{ pid: r.pid, net: r.net }] : [],
    )
    .reverse();
}
