import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
  stop(): Promise<void>;
}

/** Starts the real `qnet serve --port 0` with a temp state dir; resolves once it printed its URL. */
export async function startServe(extra: readonly string[] = []): Promise<Served> {
  const stateDir = await mkdtemp(join(tmpdir(), 'qnet-e2e-'));
  const configDir = await mkdtemp(join(tmpdir(), 'qnet-e2e-config-'));
  const child: ChildProcess = spawn(process.execPath, [QNET, 'serve', '--port', '0', '--state-dir', stateDir, ...extra], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, QNET_STATE_DIR: stateDir, XDG_CONFIG_HOME: configDir },
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
  const u = new URL(url);
  return {
    url,
    origin: u.origin,
    token: u.searchParams.get('token')!,
    stateDir,
    configDir,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(stateDir, { recursive: true, force: true });
      await rm(configDir, { recursive: true, force: true });
    },
  };
}
