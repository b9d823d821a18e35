import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { runAs, type TestUser } from './users';

/*
 * The bundled `qnet` (bin/qnet.js → dist/qnet.mjs) run as a user runs it, for the suites that test the CLI itself:
 * built once per suite, run to the end or left running, as root or as a test user.
 */

/** The repository's root: the CLI's working directory unless a suite says otherwise. */
export const ROOT = join(import.meta.dirname, '../..');
/** The launcher a user runs. */
export const QNET_BIN = join(ROOT, 'bin/qnet.js');

/** Bundles the CLI for a suite (call from its beforeAll); throws what the build printed when it fails. */
export function buildCli(): void {
  const built = spawnSync(process.execPath, ['scripts/build-cli.mjs'], { cwd: ROOT, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`CLI build failed: ${built.stderr}`);
}

/** What one run printed and how it ended. */
export interface QnetRun {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
  readonly signal: NodeJS.Signals | null;
}

export interface QnetOptions {
  /** Appended as `--state-dir DIR` after the arguments. */
  readonly stateDir?: string;
  /** Variables over this process's environment (as a test user: the whole environment). */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  readonly timeoutMs?: number;
  readonly input?: string;
  /** Runs it as this user (setpriv, `env` only), from `/` unless `cwd` says otherwise. */
  readonly as?: TestUser;
}

function argvOf(args: readonly string[], o: QnetOptions): string[] {
  return [QNET_BIN, ...args, ...(o.stateDir ? ['--state-dir', o.stateDir] : [])];
}

/** `qnet ARGS…` to the end. */
export function qnet(args: readonly string[], o: QnetOptions = {}): QnetRun {
  if (o.as) {
    const r = runAs(o.as, [process.execPath, ...argvOf(args, o)], {
      cwd: o.cwd ?? '/',
      timeoutMs: o.timeoutMs ?? 120_000,
      ...(o.env ? { env: o.env } : {}),
      ...(o.input === undefined ? {} : { input: o.input }),
    });
    return { code: r.status, out: r.stdout, err: r.stderr, signal: r.signal };
  }
  const r = spawnSync(process.execPath, argvOf(args, o), {
    cwd: o.cwd ?? ROOT,
    encoding: 'utf8',
    timeout: o.timeoutMs ?? 170_000,
    ...(o.env ? { env: { ...process.env, ...o.env } } : {}),
    ...(o.input === undefined ? {} : { input: o.input }),
  });
  return { code: r.status, out: r.stdout, err: r.stderr, signal: r.signal };
}

/** `qnet ARGS…` left running with piped stdio (the suite kills it at teardown if it has not ended). */
export function spawnQnet(
  args: readonly string[],
  o: Pick<QnetOptions, 'stateDir' | 'env' | 'cwd'> = {},
): ChildProcess {
  return spawn(process.execPath, argvOf(args, o), {
    cwd: o.cwd ?? ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(o.env ? { env: { ...process.env, ...o.env } } : {}),
  });
}
