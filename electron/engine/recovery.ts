/**
 * Recovery after the engine died: the lab's journal alone says what to stop and undo. Processes are killed only
 * while /proc/PID/cmdline still matches the journaled argv (never a reused pid); then the pending undos run newest
 * first (only steps recorded done: a step begun and never finished is reported and left alone, since what it names
 * may have existed before); then runtime files and the journal go. Idempotent: a second run finds nothing to do.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { undoHostSteps, unfinishedMessage, type UndoItem } from './host-steps';
import { Journal, JOURNAL_FILE, journaledProcesses, pendingUndo, readJournal, unfinishedSteps, type JournaledProcess } from './journal';
import { chooseEscalation, type Escalation } from './privilege';
import { isOurProcess, pidAlive } from './proc';
import { sweepStateDir } from './runtime-files';
import { checkPrivateDir } from './state-dir';
import { pause } from './unix-socket';
import { spawnEnv } from './which';

export interface RecoveryReport {
  readonly ok: boolean;
  /** Processes stopped (pid and journaled id). */
  readonly killed: readonly { readonly proc: string; readonly pid: number }[];
  /** Journaled processes left alone: gone already, or their pid now runs something else. */
  readonly skipped: readonly { readonly proc: string; readonly pid: number | null; readonly why: string }[];
  readonly undone: readonly string[];
  /** Steps begun and never recorded done: left alone (what they name may be the host's), each with what to do. */
  readonly unfinished: readonly string[];
  readonly failures: readonly string[];
  readonly removedFiles: readonly string[];
  /** False when there was no journal (nothing to recover). */
  readonly hadJournal: boolean;
}

export interface RecoveryOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly escalation?: Escalation;
  /** After SIGTERM, how long before SIGKILL (default 3 s). */
  readonly termMs?: number;
}

function pidOf(p: JournaledProcess): number | null {
  if (p.pid !== null) return p.pid;
  if (p.pidfile === null) return null;
  try {
    const text = readFileSync(p.pidfile, 'utf8').trim();
    return /^\d+$/.test(text) ? Number(text) : null;
  } catch {
    return null;
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (pidAlive(pid)) {
    if (Date.now() > until) return false;
    await pause(20);
  }
  return true;
}

/** Stops what a lab's journal says may still run, undoes its host steps, removes its runtime files and journal. */
export async function recoverLab(requested: string, options: RecoveryOptions = {}): Promise<RecoveryReport> {
  const none = { killed: [], skipped: [], undone: [], unfinished: [], failures: [], removedFiles: [] };
  // A journal in a directory someone else can write could say anything: it is not read at all.
  const dir = checkPrivateDir(requested, undefined, 'the lab directory');
  if (!dir.ok) return dir.missing ? { ok: true, ...none, hadJournal: false } : { ok: false, ...none, failures: [dir.message], hadJournal: true };
  const stateDir = dir.path;
  const path = join(stateDir, JOURNAL_FILE);
  if (!existsSync(path)) return { ok: true, ...none, hadJournal: false };
  const read = readJournal(path);
  if (!read.ok) return { ok: false, ...none, failures: [read.error.message], hadJournal: true };
  const killed: { proc: string; pid: number }[] = [];
  const skipped: { proc: string; pid: number | null; why: string }[] = [];
  const failures: string[] = [];
  const termMs = options.termMs ?? 3_000;

  // Processes first (newest first), in parallel: TERM, then KILL after termMs.
  await Promise.all(
    journaledProcesses(read.records).map(async (p) => {
      const pid = pidOf(p);
      if (pid === null) return void skipped.push({ proc: p.proc, pid, why: 'no pid was recorded' });
      if (!isOurProcess(pid, p.argv)) return void skipped.push({ proc: p.proc, pid, why: pidAlive(pid) ? 'the pid now runs another program' : 'already gone' });
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // gone meanwhile
      }
      if (!(await waitGone(pid, termMs)) && isOurProcess(pid, p.argv)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
        if (!(await waitGone(pid, termMs))) return void failures.push(`${p.proc} (pid ${pid}) survived SIGKILL`);
      }
      killed.push({ proc: p.proc, pid });
    }),
  );

  const header = read.records.find((r) => r.t === 'lab');
  const opened = Journal.open(stateDir, { lab: header?.t === 'lab' ? header.lab : 'recovered', netns: header?.t === 'lab' ? header.netns : null });
  const unfinished = unfinishedSteps(read.records).map((u) => unfinishedMessage({ description: u.description, undo: u.undo, inNetns: u.netns !== null }, u.netns));
  if (!opened.ok) return { ok: false, killed, skipped, undone: [], unfinished, failures: [...failures, opened.error.message], removedFiles: [], hadJournal: true };
  const journal = opened.journal;
  const pending = pendingUndo(read.records);
  const items: UndoItem[] = pending.map((u, i) => ({ ...u, index: pending.length - 1 - i, total: pending.length }));
  const env = spawnEnv(options.env);
  const undone: string[] = [];
  const r = await undoHostSteps(items, {
    journal,
    netns: null,
    escalation: options.escalation ?? chooseEscalation(process.getuid?.() ?? 0, false, env),
    env,
    onStep: (e) => {
      if (e.status === 'undone') undone.push(e.description);
    },
  });
  failures.push(...r.failures);
  const removedFiles = failures.length === 0 ? sweepStateDir(stateDir) : [];
  if (failures.length === 0) journal.remove();
  else journal.close();
  return { ok: failures.length === 0, killed, skipped, undone, unfinished, failures, removedFiles, hadJournal: true };
}
