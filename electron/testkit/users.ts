/**
 * Real Unix users for tests about users (a second user planting files, a victim running qnet): made with useradd
 * when missing and kept (a later suite reuses them; nothing of theirs is left running). Needs root.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

function idOf(name: string, flag: '-u' | '-g'): number | null {
  const r = spawnSync('id', [flag, name], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim()) : null;
}

/** The user `name` (a system user without a home or a login shell), created when missing. */
export function testUser(name = 'qnet-test2'): TestUser {
  if (idOf(name, '-u') === null) {
    const r = spawnSync(
      'useradd',
      ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', name],
      { encoding: 'utf8' },
    );
    if (r.status !== 0 && idOf(name, '-u') === null) throw new Error(`useradd ${name}: ${r.stderr.trim()}`);
  }
  return { name, uid: idOf(name, '-u')!, gid: idOf(name, '-g')! };
}

/** argv that runs `argv` as `user` with exactly the environment `env` (PATH added), no supplementary groups. */
export function asUser(user: TestUser, argv: readonly string[], env: Readonly<Record<string, string>> = {}): string[] {
  const path = env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  const vars = Object.entries({ ...env, PATH: path }).map(([k, v]) => `${k}=${v}`);
  return [
    'setpriv',
    `--reuid=${user.uid}`,
    `--regid=${user.gid}`,
    '--clear-groups',
    '--',
    'env',
    '-i',
    ...vars,
    ...argv,
  ];
}

/** Runs `argv` as `user` to the end (stdin `input`, else closed); bounded by `timeoutMs`. */
export function runAs(
  user: TestUser,
  argv: readonly string[],
  opts: { env?: Readonly<Record<string, string>>; cwd?: string; timeoutMs?: number; input?: string } = {},
): SpawnSyncReturns<string> {
  const full = asUser(user, argv, opts.env);
  return spawnSync(full[0]!, full.slice(1), {
    encoding: 'utf8',
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    ...(opts.input === undefined ? {} : { input: opts.input }),
    timeout: opts.timeoutMs ?? 60_000,
    killSignal: 'SIGKILL',
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
}

/** Starts `argv` as `user` in the background (setpriv execs it: the child's pid is the program's). */
export function spawnAs(
  user: TestUser,
  argv: readonly string[],
  env: Readonly<Record<string, string>> = {},
): ChildProcess {
  const full = asUser(user, argv, env);
  return spawn(full[0]!, full.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
}

/** A private home of a test user: its directories (owned by it, 0700) and the environment its programs run with. */
export interface UserHome {
  readonly user: TestUser;
  readonly dir: string;
  /** HOME, XDG_CACHE_HOME (with the tiny guest copied in), XDG_RUNTIME_DIR, XDG_CONFIG_HOME, and PATH with shims. */
  readonly env: Record<string, string>;
  /** Where the sudo/pkexec shims write what they were asked: empty while nothing asked for root. */
  readonly escalated: string;
  /** What the shims were asked so far. */
  escalations(): string;
  remove(): void;
}

/**
 * A home under /tmp for `user`: the x86_64 tiny guest of `guestCache` copied into its cache (so no launch builds one),
 * a runtime and a config directory, and sudo and pkexec shims first on PATH that record any call and fail.
 */
export function userHome(user: TestUser, guestCache: string, prefix = 'qnet-user-'): UserHome {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const escalated = join(dir, 'escalated');
  mkdirSync(join(dir, 'cache/qnet/guest'), { recursive: true });
  cpSync(guestCache, join(dir, 'cache/qnet/guest/x86_64'), { recursive: true });
  for (const sub of ['run', 'config', 'shim']) mkdirSync(join(dir, sub));
  writeEscalationShims(join(dir, 'shim'), escalated);
  const chown = spawnSync('chown', ['-R', `${user.uid}:${user.gid}`, dir], { encoding: 'utf8' });
  if (chown.status !== 0) throw new Error(`chown ${dir}: ${chown.stderr}`);
  for (const d of [dir, join(dir, 'run'), join(dir, 'config')]) chmodSync(d, 0o700);
  return {
    user,
    dir,
    env: {
      PATH: `${join(dir, 'shim')}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
      HOME: dir,
      XDG_CACHE_HOME: join(dir, 'cache'),
      XDG_RUNTIME_DIR: join(dir, 'run'),
      XDG_CONFIG_HOME: join(dir, 'config'),
    },
    escalated,
    escalations: () => (existsSync(escalated) ? readFileSync(escalated, 'utf8') : ''),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** sudo and pkexec in `dir` (which must exist) that append each call to `log` and fail, for a PATH that asks no root. */
export function writeEscalationShims(dir: string, log: string): void {
  for (const tool of ['sudo', 'pkexec'])
    writeFileSync(join(dir, tool), `#!/bin/sh\necho "$0 $*" >> ${log}\nexit 1\n`, { mode: 0o755 });
}

/** The live processes of `uid` whose command line passes `keep`, as `pid: argv`. */
export function processesOf(uid: number, keep: (argv: readonly string[]) => boolean = () => true): string[] {
  const out: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let owner: number;
    let argv: string[];
    try {
      owner = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1]);
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
    } catch {
      continue;
    }
    if (owner === uid && argv.length > 0 && keep(argv)) out.push(`${entry}: ${argv.join(' ')}`);
  }
  return out;
}
