/**
 * Recovery after the engine died: the lab's journal alone says what to stop and undo. Processes are killed only
 * while /proc/PID/cmdline still matches the journaled argv (never a reused pid); then the pending undos run newest
 * first (only steps recorded done: a step begun and never finished is reported and left alone, since what it names
 * may have existed before); then runtime files and the journal go. Idempotent: a second run finds nothing to do.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { netnsName, undoMismatch } from '../../shared/compiler/index';
import { undoHostSteps, unfinishedMessage, type UndoItem } from './host-steps';
import { endHolder, isHolder } from './userns';
import { enteredCommand } from './userns-enter';
import {
  Journal,
  JOURNAL_FILE,
  journaledHolders,
  journaledProcesses,
  pendingUndo,
  readJournal,
  unfinishedSteps,
  type JournaledProcess,
} from './journal';
import { chooseEscalation, type Escalation } from './privilege';
import { isOurProcess, pidAlive } from './proc';
import { sweepStateDir } from './runtime-files';
import { checkPrivateDir, readOwnFile } from './state-dir';
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

/** The pid of a journaled process: recorded, else from its pidfile, which must be the user's own in the lab's directory. */
function pidOf(p: JournaledProcess, labDir: string): number | null {
  if (p.pid !== null) return p.pid;
  if (p.pidfile === null || !p.pidfile.startsWith(`${labDir}/`)) return null;
  try {
    const text = readOwnFile(p.pidfile)?.trim() ?? '';
    return /^\d+$/.test(text) ? Number(text) : null;
  } catch {
    return null;
  }
}

/** The real uid a process runs as, or null when it is gone. */
function uidOf(pid: number): number | null {
  try {
    const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * Why a journaled process is not one this lab could have started, or null when it could be. Every process the
 * compiler plans is a QEMU with its -pidfile in the lab's directory, a vde_switch / slirpvde (`-s DIR`), or a
 * dpdk-testpmd whose vhost ports are in the lab's directory, run
 * directly, under `ip netns exec` of the lab's own namespace, or entering one of the lab's journaled holders; and
 * pasta, joined to one of those holders or to the lab's namespace.
 */
export function processMismatch(
  argv: readonly string[],
  labDir: string,
  netns: string,
  holders: readonly number[] = [],
): string | null {
  // pasta joins the namespace of the holder named by its last argument, or (a netns lab's) the lab's netns by name.
  if (argv[0] === 'pasta')
    return holders.map(String).includes(argv[argv.length - 1] ?? '') ||
      (argv[argv.length - 2] === '--netns' && argv[argv.length - 1] === netns)
      ? null
      : `pasta ${argv.join(' ')} joins no holder of the lab's, nor its namespace`;
  const entered = enteredCommand(argv);
  if (entered !== null && !holders.includes(entered.holder))
    return `it enters the namespace of pid ${entered.holder}, no holder of the lab's`;
  const own =
    entered !== null
      ? entered.argv
      : argv[0] === 'ip' && argv[1] === 'netns' && argv[2] === 'exec'
        ? argv[3] === netns
          ? argv.slice(4)
          : null
        : argv;
  if (own === null) return `it runs in namespace ${argv[3]}, not the lab's`;
  const pidfile = own.indexOf('-pidfile');
  if (pidfile > 0 && (own[pidfile + 1] ?? '').startsWith(`${labDir}/`)) return null;
  if (['vde_switch', 'slirpvde'].includes(own[0] ?? '') && own[1] === '-s') return null;
  // A UML instance keeps its files (uml_dir) in the lab's directory.
  if (own[0] === 'linux.uml' && own.includes(`uml_dir=${labDir}/`)) return null;
  // testpmd's vhost ports are sockets in the lab's directory.
  if (own[0] === 'dpdk-testpmd' && own.some((a) => /^net_vhost\d+,iface=/.test(a) && a.includes(`,iface=${labDir}/`)))
    return null;
  return `${own.join(' ')} is not a process this lab starts`;
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
  if (!dir.ok)
    return dir.missing
      ? { ok: true, ...none, hadJournal: false }
      : { ok: false, ...none, failures: [dir.message], hadJournal: true };
  const stateDir = dir.path;
  const path = join(stateDir, JOURNAL_FILE);
  if (!existsSync(path)) return { ok: true, ...none, hadJournal: false };
  const read = readJournal(path);
  if (!read.ok) return { ok: false, ...none, failures: [read.error.message], hadJournal: true };
  const killed: { proc: string; pid: number }[] = [];
  const skipped: { proc: string; pid: number | null; why: string }[] = [];
  const failures: string[] = [];
  const termMs = options.termMs ?? 3_000;

  // The journal must be this directory's: its lab is the directory's name and its namespace that lab's, if any.
  const lab = basename(stateDir);
  const netns = netnsName(lab);
  const foreign = read.records.find((r) => r.t === 'lab' && (r.lab !== lab || (r.netns !== null && r.netns !== netns)));
  if (foreign?.t === 'lab')
    return {
      ok: false,
      ...none,
      failures: [
        `${path} is the journal of lab ${foreign.lab} (namespace ${foreign.netns ?? 'none'}), not of lab ${lab}: nothing in it was used`,
      ],
      hadJournal: true,
    };
  const me = process.getuid?.() ?? 0;
  const holders = journaledHolders(read.records);

  // Processes first (newest first), in parallel: TERM, then KILL after termMs. A process is stopped only when it is
  // one this lab starts, runs as this user, and its pid still runs exactly the argv recorded (never a reused pid).
  await Promise.all(
    journaledProcesses(read.records).map(async (p) => {
      const mismatch = processMismatch(
        p.argv,
        stateDir,
        netns,
        holders.map((h) => h.pid),
      );
      if (mismatch !== null)
        return void failures.push(
          `${p.proc}: left alone: ${mismatch} (the journal cannot have been written by this lab's engine)`,
        );
      const pid = pidOf(p, stateDir);
      if (pid === null) return void skipped.push({ proc: p.proc, pid, why: 'no pid was recorded' });
      if (!isOurProcess(pid, p.argv))
        return void skipped.push({
          proc: p.proc,
          pid,
          why: pidAlive(pid) ? 'the pid now runs another program' : 'already gone',
        });
      const uid = uidOf(pid);
      if (uid !== me) return void skipped.push({ proc: p.proc, pid, why: `it runs as uid ${uid}, not as you` });
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

  // Then the holders of the lab's user namespace: with them (and its processes) the namespace and all in it end.
  for (const h of holders) {
    if (!isHolder(h.pid, h.net, me)) {
      skipped.push({
        proc: 'namespace holder',
        pid: h.pid,
        why: pidAlive(h.pid) ? 'the pid is not that holder any more' : 'already gone',
      });
      continue;
    }
    if (await endHolder(h, termMs)) killed.push({ proc: 'namespace holder', pid: h.pid });
    else failures.push(`the namespace holder (pid ${h.pid}) survived SIGKILL`);
  }

  const header = read.records.find((r) => r.t === 'lab');
  const opened = Journal.open(stateDir, { lab, netns: header?.t === 'lab' ? header.netns : null });
  const unfinished = unfinishedSteps(read.records).map((u) =>
    unfinishedMessage({ description: u.description, undo: u.undo, inNetns: u.netns !== null }, u.netns),
  );
  if (!opened.ok)
    return {
      ok: false,
      killed,
      skipped,
      undone: [],
      unfinished,
      failures: [...failures, opened.error.message],
      removedFiles: [],
      hadJournal: true,
    };
  const journal = opened.journal;
  // Only an undo the compiler writes, for a step of this lab, ever runs (shared/compiler/undo.ts says the rule).
  const pending = pendingUndo(read.records).filter((u) => {
    const why = undoMismatch(u, lab, netns);
    if (why !== null)
      failures.push(
        `${u.description}: its undo ${u.undo.join(' ')} was not run: ${why} (the journal cannot have been written by this lab's engine)`,
      );
    return why === null;
  });
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
