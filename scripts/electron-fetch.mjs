// Fetches Electron's binary for `npm start` when `npm ci` did not (.npmrc keeps install scripts off), with Electron's
// own installer, so ELECTRON_MIRROR, ELECTRON_CUSTOM_DIR, the proxy variables and its cache (~/.cache/electron) all
// apply. The installer shows no progress until 30 s have passed and then only on a terminal, so the progress here is
// ours: the bytes in the private temporary directory the installer downloads into (TMPDIR, which @electron/get uses).
// A failed attempt is remembered for a day in the user's cache, so a machine that cannot reach the download pays
// the time limit once a day rather than on every start.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants, homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers';

const RETRY_AFTER_MS = 24 * 60 * 60 * 1000;
const DEFAULT_LIMIT_S = 60;

const require = createRequire(import.meta.url);
const electronDir = dirname(require.resolve('electron/package.json'));
const version = require('electron/package.json').version;

/** Where a failed download is remembered: the user's own cache directory. */
function markerPath(env) {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'qnet', 'electron-download.json');
}

/** The mirror the installer will use, as @electron/get reads it (npm config first, then the environment). */
function mirrorOf(env) {
  return env.npm_config_electron_mirror || env.NPM_CONFIG_ELECTRON_MIRROR || env.ELECTRON_MIRROR || '';
}

/** The remembered failure for this version and mirror, when it is younger than a day. */
function recentFailure(env) {
  const path = markerPath(env);
  let marker;
  try {
    marker = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
  if (marker?.version !== version || marker.mirror !== mirrorOf(env)) return null;
  const retry = Number(marker.at) + RETRY_AFTER_MS;
  if (!(retry > Date.now())) return null;
  return { path, reason: String(marker.reason), at: new Date(marker.at), retry: new Date(retry) };
}

/** Bytes under dir (the installer's temporary download), 0 when it is gone. */
function bytesUnder(dir) {
  let total = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    try {
      total += e.isDirectory() ? bytesUnder(p) : statSync(p).size;
    } catch {
      // The installer moves the finished file into its cache while we look.
    }
  }
  return total;
}

/** The installer's own words for a failure: the first line of the stack it prints, or its last line. */
function installerReason(stderr, code, signal) {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('at '));
  return lines[0] ?? `Electron's installer exited with ${signal ?? `status ${code}`} and said nothing`;
}

/**
 * Runs node_modules/electron/install.js with a time limit, printing progress; resolves to {} once the binary is
 * installed, or to { reason } (the installer's failure, the time limit, a download skipped) to fall back with.
 */
export async function fetchElectron({ env = process.env, out = process.stdout } = {}) {
  const manual = 'fetch it with `node node_modules/electron/install.js`';
  if (env.QNET_NO_ELECTRON_DOWNLOAD)
    return { reason: `Electron's binary is not installed and QNET_NO_ELECTRON_DOWNLOAD is set (${manual})` };
  const failed = recentFailure(env);
  if (failed) {
    return {
      reason:
        `Electron's binary is not installed: its download failed at ${failed.at.toISOString()} (${failed.reason}); ` +
        `the next try is after ${failed.retry.toISOString()}, or now after \`rm ${failed.path}\``,
    };
  }

  const limitS =
    Number(env.QNET_ELECTRON_DOWNLOAD_TIMEOUT) > 0 ? Number(env.QNET_ELECTRON_DOWNLOAD_TIMEOUT) : DEFAULT_LIMIT_S;
  const mirror = mirrorOf(env);
  out.write(
    `Qnet Studio: downloading Electron ${version}'s binary (${process.platform}-${process.arch}) from ` +
      `${mirror || "Electron's GitHub releases (ELECTRON_MIRROR picks another)"} with Electron's installer, ` +
      `for at most ${limitS} s (QNET_ELECTRON_DOWNLOAD_TIMEOUT); QNET_NO_ELECTRON_DOWNLOAD=1 skips this.\n`,
  );
  const scratch = mkdtempSync(join(tmpdir(), 'qnet-electron-'));
  try {
    const result = await runInstaller(env, scratch, limitS, out);
    if (!result.reason) {
      rmSync(markerPath(env), { force: true });
      out.write(`Qnet Studio: Electron's binary is installed.\n`);
      return result;
    }
    const path = markerPath(env);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify({ version, mirror, at: Date.now(), reason: result.reason }) + '\n');
    return {
      reason: `Electron's binary could not be downloaded: ${result.reason} (no new try for a day; ${manual} or \`rm ${path}\` to try again)`,
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** One run of Electron's installer, killed at the time limit; progress once a second on a terminal, else every 5 s. */
function runInstaller(env, scratch, limitS, out) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(electronDir, 'install.js')], {
      env: { ...env, TMPDIR: scratch },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stdout.on('data', (d) => (stderr += d.toString()));
    child.stderr.on('data', (d) => (stderr += d.toString()));
    const started = Date.now();
    const tty = Boolean(out.isTTY);
    let shown = false;
    const progress = setInterval(
      () => {
        const s = Math.round((Date.now() - started) / 1000);
        const line = `  ${(bytesUnder(scratch) / 1e6).toFixed(1)} MB after ${s} s of ${limitS} s`;
        out.write(tty ? `\r${line}\u001b[K` : `${line}\n`);
        shown = true;
      },
      tty ? 1000 : 5000,
    );
    // Ctrl+C (or kill PID) while downloading ends the installer and this start, leaving no temporary download.
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    const interrupted = (signal) => {
      child.kill('SIGKILL');
      rmSync(scratch, { recursive: true, force: true });
      process.exit(128 + constants.signals[signal]);
    };
    for (const signal of signals) process.on(signal, interrupted);
    let timedOut = false;
    const limit = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, limitS * 1000);
    child.on('close', (code, signal) => {
      clearInterval(progress);
      clearTimeout(limit);
      for (const signal of signals) process.off(signal, interrupted);
      if (tty && shown) out.write('\n');
      if (timedOut) resolve({ reason: `the download did not finish within ${limitS} s` });
      else if (code === 0) resolve({});
      else resolve({ reason: installerReason(stderr, code, signal) });
    });
  });
}
