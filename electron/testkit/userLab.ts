/**
 * A lab run by a test user through the real CLI (`qnet up --detach`, `qnet console`, `qnet down`), for the suites
 * that prove rootless labs: what the host's network looks like, when a guest is ready, a command typed into a guest's
 * console, and what the user's lab left behind.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseReadyLine, READY_MARKER } from '../guest/ready';
import { qnet, QNET_BIN } from './qnetCli';
import { asUser, processesOf, type UserHome } from './users';

/** What a lab's runner needs of a user's home. */
export type LabHome = Pick<UserHome, 'user' | 'dir' | 'env'>;

/** What the host's network looks like: links, named namespaces, routes (v4 and v6). */
export function hostNetwork(): string {
  const run = (argv: string[]) => spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' }).stdout;
  return [
    run(['ip', '-br', 'link']),
    run(['ip', 'netns', 'list']),
    run(['ip', 'route']),
    run(['ip', '-6', 'route']),
  ].join('\n--\n');
}

/** Polls `f` every 250 ms until it returns something truthy; throws naming `what` after `ms`. */
export async function until<T>(what: string, f: () => T | null | undefined | false, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A TCP port nothing on this host listens on now (asked of ss). */
export function freePort(): number {
  const used = new Set(
    spawnSync('ss', ['-Hltn'], { encoding: 'utf8' })
      .stdout.split('\n')
      .map((l) => Number(/:(\d+)\s/.exec(l)?.[1])),
  );
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    if (!used.has(port)) return port;
  }
}

/** `qnet ARGS…` as the home's user, with its environment. */
export function qnetAs(h: LabHome, args: readonly string[], timeoutMs = 120_000) {
  return qnet(args, { as: h.user, env: h.env, timeoutMs });
}

/** Launches `file` in the background as the home's user; the engine's pid (throws what qnet said otherwise). */
export function upDetached(h: LabHome, file: string): number {
  const r = qnetAs(h, ['up', file, '--detach']);
  const pid = /engine pid (\d+)/.exec(`${r.out}${r.err}`)?.[1];
  if (r.code !== 0 || pid === undefined) throw new Error(`qnet up ${file}: exit ${r.code}\n${r.out}\n${r.err}`);
  return Number(pid);
}

/**
 * Waits for each guest's ready line in its console log (appended to by each boot: the `boots`th); the addresses
 * each reported, without prefix, by interface index (`if0=10.0.2.15/24` → `['10.0.2.15']`; none: '-').
 */
export async function ready(
  h: LabHome,
  lab: string,
  vms: readonly string[],
  boots = 1,
  ms = 120_000,
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const vm of vms) {
    const report = await until(
      `${vm}'s ready line`,
      () => {
        const log = join(h.dir, 'run/qnet', lab, `${vm}.console.log`);
        const rest = existsSync(log) ? readFileSync(log, 'utf8').split(READY_MARKER)[boots] : undefined;
        return rest?.includes('\n') && parseReadyLine(`${READY_MARKER}${rest.split('\n')[0]!}`);
      },
      ms,
    );
    out.set(
      vm,
      report.interfaces.map((a) => a?.split('/')[0] ?? '-'),
    );
  }
  return out;
}

/** Types `line` into a guest's console through `qnet console` (a pipe) kept open `holdS` seconds; what it printed. */
export function consoleRun(h: LabHome, lab: string, vm: string, line: string, holdS = 8): Promise<string> {
  const argv = asUser(
    h.user,
    [
      'sh',
      '-c',
      `(echo "$1"; sleep ${holdS}) | "$2" "$3" console ${lab} ${vm}`,
      'sh',
      line,
      process.execPath,
      QNET_BIN,
    ],
    h.env,
  );
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: '/', stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), (holdS + 30) * 1000);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

/** Live processes of the home's user that a lab of it can have started: the engine, guests, holders, pasta. */
export function labProcesses(h: LabHome): string[] {
  return processesOf(h.user.uid, (argv) => {
    const line = argv.join(' ');
    return line.includes(h.dir) || line.includes('bin/qnet.js') || line === 'sleep infinity';
  });
}

/** Sockets, pidfiles and journals left in the home's state directory. */
export function leftFiles(h: LabHome): string[] {
  const r = spawnSync(
    'find',
    [
      join(h.dir, 'run'),
      '(',
      '-type',
      's',
      '-o',
      '-name',
      '*.pid',
      '-o',
      '-name',
      'engine.journal',
      '-o',
      '-name',
      'engine-*',
      ')',
    ],
    { encoding: 'utf8' },
  );
  return r.stdout.split('\n').filter(Boolean);
}
