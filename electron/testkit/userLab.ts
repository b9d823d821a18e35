/**
 * A lab run by a test user, for the suites that prove rootless labs: through the real CLI (`qnet up --detach`,
 * `qnet console`, `qnet down`): what the host's network looks like, when a guest is ready, a command typed into a
 * guest's console, and what the user's lab left behind; or from scripts root exported (`exportsForUser`).
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { guestCacheDir } from '../engine/host-paths';
import { buildTinyGuest } from '../guest/build';
import { parseReadyLine, READY_MARKER } from '../guest/ready';
import { addNetns, deleteNetns } from './netns';
import { killPids, processesMentioning } from './procs';
import { buildCli, qnet, QNET_BIN } from './qnetCli';
import { asUser, processesOf, testUser, writeEscalationShims, type TestUser, type UserHome } from './users';

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

/** What an exported script printed, as the other user ran it. */
export interface ScriptResult {
  readonly status: number | null;
  readonly out: string;
  readonly err: string;
  readonly all: string;
}

/** One example exported by root (`qnet export`), its scripts readable by the test user. */
export interface UserExport {
  readonly dir: string;
  /** The lab's state directory as up.sh picks it for a user with no XDG_RUNTIME_DIR: `~/.qnet/<lab>`. */
  readonly stateDir: string;
  /** Runs `script` of the export as the user (in the suite's namespace when the export was made `inNetns`). */
  run(script: 'up.sh' | 'down.sh', args?: readonly string[]): ScriptResult;
}

/**
 * A second Unix user given root's exports to run, as the suites about exported scripts have it: `work` (0755, under
 * /tmp) holds the user's HOME (0700, its own) and the exports; the user's environment is only HOME and a PATH with
 * sudo and pkexec shims first, no XDG directories; `netns` a namespace with only loopback, made for the suite.
 */
export interface ExportsForUser {
  readonly user: TestUser;
  readonly work: string;
  readonly home: string;
  readonly netns: string;
  /** What the sudo/pkexec shims were asked so far: empty while nothing asked for root. */
  escalations(): string;
  /** `qnet export FILE` by root into `work/<name>`: no --isolation, a rootless lab is the default. */
  exportExample(file: string, lab: string, name: string, o?: { inNetns?: boolean }): UserExport;
  /** What `qnet guest build` run by the user leaves: the x86_64 tiny guest in its own `~/.cache`. */
  giveGuest(): void;
  /** down.sh of every export (as the user), then any process naming the home killed, the namespace and work gone. */
  remove(): void;
}

/**
 * Makes the user qnet-test1's side (`prefix` names the work directory, `netns` the namespace), builds the CLI and
 * the tiny guest; `path` is the PATH after the shims (given the work directory; default the standard one).
 */
export async function exportsForUser(
  prefix: string,
  netns: string,
  path: (work: string) => string = () => '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
): Promise<ExportsForUser> {
  const user = testUser('qnet-test1');
  const work = mkdtempSync(join('/tmp', prefix));
  chmodSync(work, 0o755);
  const home = join(work, 'home');
  const escalated = join(home, 'escalated');
  mkdirSync(join(home, 'shim'), { recursive: true });
  writeEscalationShims(join(home, 'shim'), escalated);
  chown(user, home);
  chmodSync(home, 0o700);
  const env = { HOME: home, PATH: `${join(home, 'shim')}:${path(work)}` };
  deleteNetns(netns);
  addNetns(netns);
  buildCli();
  await buildTinyGuest({ arch: 'x86_64', log: () => {} });
  const exports: UserExport[] = [];

  function exportExample(file: string, lab: string, name: string, o: { inNetns?: boolean } = {}): UserExport {
    const dir = join(work, name);
    const r = qnet(['export', file, '-o', dir]);
    if (r.code !== 0) throw new Error(`qnet export ${file} failed: ${r.err}`);
    for (const f of readdirSync(dir)) chmodSync(join(dir, f), statSync(join(dir, f)).mode | 0o044);
    const made: UserExport = {
      dir,
      stateDir: join(home, '.qnet', lab),
      run(script, args = []) {
        const as = asUser(user, ['bash', join(dir, script), ...args], env);
        const argv = o.inNetns ? ['ip', 'netns', 'exec', netns, ...as] : as;
        const p = spawnSync(argv[0]!, argv.slice(1), {
          encoding: 'utf8',
          cwd: '/',
          timeout: 120_000,
          killSignal: 'SIGKILL',
        });
        return { status: p.status, out: p.stdout, err: p.stderr, all: `${p.stdout}${p.stderr}` };
      },
    };
    exports.push(made);
    return made;
  }

  function giveGuest(): void {
    const cache = join(home, '.cache/qnet/guest/x86_64');
    mkdirSync(cache, { recursive: true });
    for (const f of ['vmlinuz', 'initramfs.cpio.gz']) copyFileSync(join(guestCacheDir(), 'x86_64', f), join(cache, f));
    chown(user, join(home, '.cache'));
  }

  function remove(): void {
    for (const e of exports) if (existsSync(join(e.dir, 'down.sh'))) e.run('down.sh');
    killPids(processesMentioning(home).map((p) => p.pid));
    deleteNetns(netns);
    rmSync(work, { recursive: true, force: true });
  }

  return {
    user,
    work,
    home,
    netns,
    escalations: () => (existsSync(escalated) ? readFileSync(escalated, 'utf8') : ''),
    exportExample,
    giveGuest,
    remove,
  };
}

function chown(user: TestUser, path: string): void {
  const r = spawnSync('chown', ['-R', `${user.uid}:${user.gid}`, path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`chown ${path}: ${r.stderr}`);
}
