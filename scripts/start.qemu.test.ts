import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { netnsName } from '../shared/compiler/index';
import { buildTinyGuest } from '../electron/guest/build';
import { until } from '../electron/testkit/engine';
import { deleteNetns, netnsExists } from '../electron/testkit/netns';
import { killPids, pidAlive, processesMentioning } from '../electron/testkit/procs';

/*
 * Ctrl+C on `npm start`: the terminal sends SIGINT to the whole foreground process group (the launcher and the
 * `qnet serve` it started), and the launcher passes it on too, so the server sees the signal more than once. It
 * must still stop every lab before it exits. The launcher is scripts/open.mjs, which `npm start` runs in its own
 * process once the build is done (a build here would rewrite dist/ under the other suites' feet). The lab is
 * example 05 in a network namespace under a name of its own.
 */

const root = join(import.meta.dirname, '..');
const LAB = 'socket-pair-start';
const NETNS = netnsName(LAB);
const YAML = readFileSync(join(root, 'assets/examples/05-socket-pair.qnet.yaml'), 'utf8')
  .replace(/^name: socket-pair$/m, `name: ${LAB}`)
  .replace('port: 40500', 'port: 40573');

let stateDir = '';
let configDir = '';
let launcher: ChildProcess | null = null;

beforeAll(async () => {
  if (!existsSync(join(root, 'dist/qnet.mjs'))) {
    const r = spawnSync(process.execPath, ['scripts/build-cli.mjs'], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`CLI build failed: ${r.stderr}`);
  }
  if (!existsSync(join(root, 'dist/renderer/index.html'))) {
    const r = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'error'], {
      cwd: root,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`editor build failed: ${r.stderr}`);
  }
  await buildTinyGuest({ arch: 'x86_64', log: () => {} });
}, 600_000);

afterEach(async () => {
  if (launcher?.pid && launcher.exitCode === null && launcher.signalCode === null) killPids([launcher.pid]);
  const left = processesMentioning(stateDir);
  killPids(left.map((p) => p.pid));
  await until(() => left.every((p) => !pidAlive(p.pid)), 'leftover processes to die');
  deleteNetns(NETNS);
  rmSync(stateDir, { recursive: true, force: true });
  rmSync(configDir, { recursive: true, force: true });
});

/** The launcher as a terminal's foreground job: a process group of its own, no display (so it serves). */
async function startLauncher(): Promise<{
  child: ChildProcess;
  url: URL;
  output: () => string;
  exited: Promise<number | null>;
}> {
  stateDir = mkdtempSync('/tmp/qnet-start-');
  configDir = mkdtempSync('/tmp/qnet-start-config-');
  // No display, so the launcher serves; and never a download of Electron's binary, whatever the display.
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_CONFIG_HOME: configDir, QNET_NO_ELECTRON_DOWNLOAD: '1' };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  const child = spawn(
    process.execPath,
    ['scripts/open.mjs', '--port', '0', '--state-dir', stateDir, '--isolation', 'netns'],
    { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  launcher = child;
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await until(() => /http:\/\/\S+\?token=\S+/.test(out), `the server's URL (got: ${out})`, 60_000);
  const url = new URL(/(http:\/\/\S+\?token=\S+)/.exec(out)![1]!);
  return { child, url, output: () => out, exited };
}

/**
 * Launches the lab through the page's WebSocket API, as the Launch button does; resolves once it runs, with a way
 * to wait for a state of it (the connection stays open and receives the engine's events).
 */
async function launchThroughApi(url: URL): Promise<{ seen: (state: string) => boolean; close: () => void }> {
  const ws = new WebSocket(`ws://${url.host}/api/ws?token=${url.searchParams.get('token')}`, {
    headers: { origin: url.origin },
  });
  const states: string[] = [];
  const result = await new Promise<{ ok: boolean; status?: { state: string }; error?: { message: string } }>(
    (resolve, reject) => {
      ws.once('error', reject);
      ws.once('open', () => {
        ws.send(JSON.stringify({ id: 1, events: true }));
        ws.send(
          JSON.stringify({
            id: 2,
            request: { type: 'launch', source: { kind: 'yaml', text: YAML }, options: { isolation: 'netns' } },
          }),
        );
      });
      ws.on('message', (data) => {
        const m = JSON.parse(String(data)) as {
          id?: number;
          result?: { ok: boolean };
          event?: { type: string; lab: string; state: string };
        };
        if (m.event?.type === 'labState' && m.event.lab === LAB) states.push(m.event.state);
        if (m.id === 2 && m.result) resolve(m.result);
      });
    },
  );
  expect(result.error?.message).toBeUndefined();
  expect(result.status?.state).toBe('running');
  return {
    seen: (state) => states.includes(state),
    close: () => ws.close(),
  };
}

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

const qemuOf = () => processesMentioning(stateDir).filter((p) => p.argv[0]?.includes('qemu'));

describe('Ctrl+C on npm start', () => {
  it('Ctrl+C, and Ctrl+C again while the labs stop, to the foreground group: the lab is stopped before the server exits', async () => {
    const { child, url, output, exited } = await startLauncher();
    const lab = await launchThroughApi(url);
    expect(qemuOf()).toHaveLength(2);
    expect(netnsExists(NETNS)).toBe(true);

    // What a terminal does on Ctrl+C (to the group), then an impatient second Ctrl+C while the lab is stopping.
    process.kill(-child.pid!, 'SIGINT');
    const port = Number(url.port);
    await until(async () => lab.seen('stopping') || !(await portOpen(port)), 'the server to begin stopping', 30_000);
    process.kill(-child.pid!, 'SIGINT');
    lab.close();
    expect(await exited, output()).toBe(0);

    expect({ qemu: qemuOf(), netns: netnsExists(NETNS), port: await portOpen(Number(url.port)) }).toEqual({
      qemu: [],
      netns: false,
      port: false,
    });
    expect(output()).toContain('stopping the labs');
  });

  it('SIGTERM to the launcher alone is passed on and the lab is stopped', async () => {
    const { child, url, output, exited } = await startLauncher();
    (await launchThroughApi(url)).close();
    expect(qemuOf()).toHaveLength(2);
    child.kill('SIGTERM');
    expect(await exited, output()).toBe(0);
    expect({ qemu: qemuOf(), netns: netnsExists(NETNS), port: await portOpen(Number(url.port)) }).toEqual({
      qemu: [],
      netns: false,
      port: false,
    });
  });
});
