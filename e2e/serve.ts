import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { asUser, type UserHome } from '../electron/testkit/users';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const QNET = join(ROOT, 'bin', 'qnet.js');

/** A running `qnet serve` with its own state directory. */
export interface Served {
  readonly url: string;
  readonly origin: string;
  readonly token: string;
  readonly stateDir: string;
  /** The server's $XDG_CONFIG_HOME (where its engine remembers approved topologies). */
  readonly configDir: string;
  /** Ends the server process (SIGTERM: it stops its labs first) and waits for it; its directories stay. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directories (after `kill`), with the same token unless given another. */
  restart(token?: string): Promise<void>;
  stop(): Promise<void>;
}

/** Spawns `qnet serve`; resolves with the process and the URL it printed. */
async function spawnServe(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  home?: UserHome,
): Promise<{ child: ChildProcess; url: string }> {
  const argv = [process.execPath, QNET, 'serve', ...args];
  // As another user: setpriv execs env, which execs node, so the child's pid is the server's (a signal reaches it).
  const full = home ? asUser(home.user, argv, env as Record<string, string>) : argv;
  const child: ChildProcess = spawn(full[0]!, full.slice(1), {
    cwd: home ? '/' : ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let out = '';
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /(http:\/\/\S+\?token=\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    child.once('exit', (code) => reject(new Error(`qnet serve exited (${code}): ${err}`)));
  });
  return { child, url };
}

async function ended(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/**
 * Starts the real `qnet serve --port 0` with a temp state dir; resolves once it printed its URL. The token is fixed
 * (QNET_SERVE_TOKEN) so that `restart` brings back the same URL. With `home`, it runs as that test user, with only
 * that home's environment.
 */
export async function startServe(extra: readonly string[] = [], home?: UserHome): Promise<Served> {
  // As a test user: its own runtime and config directories (the engine makes its state directory there).
  const stateDir = home ? join(home.env.XDG_RUNTIME_DIR!, 'qnet') : await mkdtemp(join(tmpdir(), 'qnet-e2e-'));
  const configDir = home ? home.env.XDG_CONFIG_HOME! : await mkdtemp(join(tmpdir(), 'qnet-e2e-config-'));
  const serveToken = randomBytes(32).toString('base64url');
  const env = home
    ? { ...home.env, QNET_SERVE_TOKEN: serveToken }
    : { ...process.env, QNET_STATE_DIR: stateDir, XDG_CONFIG_HOME: configDir, QNET_SERVE_TOKEN: serveToken };
  const args = (port: number) => ['--port', String(port), '--state-dir', stateDir, ...extra];
  const first = await spawnServe(args(0), env, home);
  let child = first.child;
  const url = first.url;
  const u = new URL(url);
  return {
    url,
    origin: u.origin,
    token: u.searchParams.get('token')!,
    stateDir,
    configDir,
    kill: () => ended(child),
    async restart(token) {
      ({ child } = await spawnServe(args(Number(u.port)), token ? { ...env, QNET_SERVE_TOKEN: token } : env, home));
    },
    async stop() {
      await ended(child);
      if (home) return; // its home goes with it
      await rm(stateDir, { recursive: true, force: true });
      await rm(configDir, { recursive: true, force: true });
    },
  };
}
