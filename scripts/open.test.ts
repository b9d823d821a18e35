import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../electron/testkit/engine';

/*
 * `npm start` with Electron's binary missing: scripts/open.mjs runs Electron's real installer, which fails, and falls
 * back to `qnet serve`, saying why. The installer only ever sees a mirror on loopback (a refused port, or a server
 * that accepts and never answers), its own cache in a scratch directory, and ELECTRON_OVERRIDE_DIST_PATH on an empty
 * directory (electron's own variable: the binary is missing there whether or not this checkout has one). Every other
 * electron/npm setting is dropped from the environment so nothing can send it elsewhere.
 */

const root = join(import.meta.dirname, '..');
const REFUSED = 'http://127.0.0.1:9/';

let scratch = '';
let launcher: ChildProcess | null = null;
let silent: Server | null = null;
const held: Socket[] = [];

beforeAll(() => {
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
  scratch = mkdtempSync('/tmp/qnet-open-');
}, 300_000);

afterEach(async () => {
  const child = launcher;
  launcher = null;
  if (child?.pid && child.exitCode === null && child.signalCode === null) {
    const gone = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid, 'SIGTERM');
    await gone;
  }
});

afterAll(async () => {
  for (const s of held) s.destroy();
  await new Promise((resolve) => (silent ? silent.close(resolve) : resolve(null)));
  rmSync(scratch, { recursive: true, force: true });
});

/** The environment of a user at a desktop whose npm and electron settings are only the ones given. */
function userEnv(cache: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/electron|^npm_|proxy|^QNET_/i.test(k)) env[k] = v;
  }
  const dist = mkdtempSync(join(scratch, 'dist-'));
  return {
    ...env,
    DISPLAY: ':99',
    XDG_CACHE_HOME: cache,
    XDG_CONFIG_HOME: join(scratch, 'config'),
    ELECTRON_OVERRIDE_DIST_PATH: dist,
    ...extra,
  };
}

/** Runs the launcher until the server's URL is printed; returns everything it printed by then and the URL. */
async function start(env: NodeJS.ProcessEnv): Promise<{ url: URL; out: string }> {
  const stateDir = mkdtempSync(join(scratch, 'state-'));
  const child = spawn(process.execPath, ['scripts/open.mjs', '--port', '0', '--state-dir', stateDir], {
    cwd: root,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  launcher = child;
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await until(() => /http:\/\/\S+\?token=\S+/.test(out), `the server's URL (got: ${out})`, 60_000);
  return { url: new URL(/(http:\/\/\S+\?token=\S+)/.exec(out)![1]!), out };
}

/** The editor's page as the printed URL serves it. */
async function page(url: URL): Promise<{ status: number; html: boolean }> {
  const res = await fetch(url);
  return { status: res.status, html: (await res.text()).includes('<div id="root">') };
}

describe('npm start without Electron binary', () => {
  it('tries the download with Electron installer, falls back to qnet serve with its reason, then does not retry for a day', async () => {
    const cache = mkdtempSync(join(scratch, 'cache-'));
    const env = userEnv(cache, { ELECTRON_MIRROR: REFUSED });

    const first = await start(env);
    expect(first.out).toContain(`downloading Electron `);
    expect(first.out).toContain(`from ${REFUSED} with Electron's installer, for at most 60 s`);
    expect(first.out).toContain('QNET_NO_ELECTRON_DOWNLOAD=1 skips this');
    expect(first.out).toMatch(
      /cannot open the desktop window: Electron's binary could not be downloaded: RequestError: connect ECONNREFUSED 127\.0\.0\.1:9 .*serving the editor in your browser instead/,
    );
    expect(await page(first.url)).toEqual({ status: 200, html: true });
    expect(existsSync(join(cache, 'qnet/electron-download.json'))).toBe(true);
    // Nothing was fetched into the installer's cache or the override directory.
    expect(existsSync(join(cache, 'electron'))).toBe(false);
    expect(readdirSync(env.ELECTRON_OVERRIDE_DIST_PATH!)).toEqual([]);

    await stopLauncher();
    const second = await start(env);
    expect(second.out).not.toContain('downloading Electron');
    expect(second.out).toMatch(
      /Electron's binary is not installed: its download failed at \S+ \(RequestError: connect ECONNREFUSED 127\.0\.0\.1:9\); the next try is after \S+, or now after `rm .*electron-download\.json`/,
    );
    expect(await page(second.url)).toEqual({ status: 200, html: true });

    // Another mirror is another attempt: the remembered failure was that mirror's.
    await stopLauncher();
    const port = await silentServer();
    const third = await start({
      ...env,
      ELECTRON_MIRROR: `http://127.0.0.1:${port}/`,
      QNET_ELECTRON_DOWNLOAD_TIMEOUT: '1',
    });
    expect(third.out).toContain(`downloading Electron `);
  });

  it('a download that hangs shows progress and is ended at the time limit, then the editor is served', async () => {
    const port = await silentServer();
    const env = userEnv(mkdtempSync(join(scratch, 'cache-')), {
      ELECTRON_MIRROR: `http://127.0.0.1:${port}/`,
      QNET_ELECTRON_DOWNLOAD_TIMEOUT: '6',
    });
    const { url, out } = await start(env);
    expect(out).toContain('for at most 6 s (QNET_ELECTRON_DOWNLOAD_TIMEOUT)');
    expect(out).toMatch(/^ {2}0\.0 MB after 5 s of 6 s$/m);
    expect(out).toContain(
      "cannot open the desktop window: Electron's binary could not be downloaded: the download did not finish within 6 s",
    );
    expect(await page(url)).toEqual({ status: 200, html: true });
  });

  it('QNET_NO_ELECTRON_DOWNLOAD, or no display, serves at once without downloading', async () => {
    const skip = await start(
      userEnv(mkdtempSync(join(scratch, 'cache-')), { ELECTRON_MIRROR: REFUSED, QNET_NO_ELECTRON_DOWNLOAD: '1' }),
    );
    expect(skip.out).not.toContain('downloading Electron');
    expect(skip.out).toContain(
      "cannot open the desktop window: Electron's binary is not installed and QNET_NO_ELECTRON_DOWNLOAD is set",
    );
    await stopLauncher();

    const headless = userEnv(mkdtempSync(join(scratch, 'cache-')), { ELECTRON_MIRROR: REFUSED });
    delete headless.DISPLAY;
    delete headless.WAYLAND_DISPLAY;
    const noDisplay = await start(headless);
    expect(noDisplay.out).not.toContain('downloading Electron');
    expect(noDisplay.out).toContain('cannot open the desktop window: no display');
    expect(await page(noDisplay.url)).toEqual({ status: 200, html: true });
  });
});

async function stopLauncher(): Promise<void> {
  const child = launcher!;
  launcher = null;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid!, 'SIGTERM');
  await gone;
}

/** A loopback server that accepts connections and never answers: a download that makes no progress. */
async function silentServer(): Promise<number> {
  if (!silent) {
    silent = createServer((s) => held.push(s));
    await new Promise<void>((resolve) => silent!.listen(0, '127.0.0.1', resolve));
  }
  const address = silent.address();
  if (!address || typeof address === 'string') throw new Error('the silent server has no port');
  return address.port;
}
