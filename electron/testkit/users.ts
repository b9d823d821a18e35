/**
 * Real Unix users for tests about users (a second user planting files, a victim running qnet): made with useradd
 * when missing and kept (a later suite reuses them; nothing of theirs is left running). Needs root.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';

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
