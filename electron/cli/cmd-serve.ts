import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startEngineHost } from '../engine/engine-host';
import { tinyGuestBuilder } from '../guest/ondemand';
import { COMMON_PAIRS, NicModelCache } from '../engine/probe-nic-models';
import { fetchedQemus, readQemuChoice } from '../engine/qemu-choice';
import { webRoutes } from '../server/routes';
import { startServer } from '../server/server';
import { targetNotes } from '../../shared/compiler/target';
import { cliTarget, TARGET_HELP, TARGET_OPTIONS } from './target-options';
import { CliError, UsageError } from './usage';
import type { Io } from './usage';

const SERVE_USAGE = `usage: qnet serve [--port N] [--host ADDR] [options]

Serves the Qnet Studio editor to a browser on 127.0.0.1 and prints its URL. The URL carries a random token: every
request to the API needs it. The page compiles with the same target as "qnet compile" given the same options.

options:
  --port N             port to listen on (default 5173; 0 picks a free one)
  --host ADDR          listen on another address than 127.0.0.1. Whoever reaches the API with the token can start
                       processes as you: only do this on a network you trust
${TARGET_HELP}
  -h, --help           show this help

environment:
  QNET_SERVE_TOKEN     the token to use instead of a fresh random one (at least 32 letters, digits, - or _): a
                       server restarted with the same token and port keeps the pages that were open on it`;

/** The token QNET_SERVE_TOKEN asks for (taken out of the environment, so no lab process inherits it), if any. */
function tokenFromEnvironment(): string | undefined {
  const token = process.env.QNET_SERVE_TOKEN;
  delete process.env.QNET_SERVE_TOKEN;
  if (token === undefined || token === '') return undefined;
  if (!/^[A-Za-z0-9_-]{32,}$/.test(token)) {
    throw new CliError('qnet serve: QNET_SERVE_TOKEN must be at least 32 letters, digits, "-" or "_"');
  }
  return token;
}

/** The package root (holding package.json), found from this file or the bundle in dist/. */
export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'assets', 'examples'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new CliError('qnet serve: cannot find the Qnet Studio folder (package.json with assets/)');
    dir = up;
  }
}

/** `qnet serve`: runs until SIGINT, SIGTERM or SIGHUP, then stops every lab it launched. */
export async function serveCommand(args: string[], io: Io, signal?: AbortSignal): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...TARGET_OPTIONS,
      port: { type: 'string' },
      host: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return (io.out(`${SERVE_USAGE}\n`), 0);
  if (positionals.length) throw new UsageError('serve takes no FILE', SERVE_USAGE);
  const port = Number(values.port ?? '5173');
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be 0-65535 (got "${values.port}")`, SERVE_USAGE);
  const host = values.host ?? '127.0.0.1';
  const root = packageRoot();
  const webRoot = resolve(root, 'dist', 'renderer');
  if (!existsSync(join(webRoot, 'index.html'))) {
    throw new CliError(`qnet serve: the editor is not built (${webRoot}/index.html is missing): run "npm run build"`);
  }
  const token = tokenFromEnvironment();
  const target = cliTarget(values, SERVE_USAGE);
  const { stateDir } = target.options;
  // The pairs most pages use, probed before the first page asks (the answers are cached for the engine too).
  const note = targetNotes(await target.probe(COMMON_PAIRS), target.options).qemu;
  if (note !== undefined) io.err(`qnet: note: ${note} (use --qemu-version)\n`);
  // One engine for every tab: labs launched from the page live here, and `qnet status/console/down` reach them
  // through its control socket, as they reach the desktop window's. It probes as the page's probe does (with
  // --accel's answer and --qemu's binary); --qemu-version changes what the page compiles for, not the QEMU a launch runs.
  const engineHost = await startEngineHost({
    stateDir,
    engine: {
      buildGuest: tinyGuestBuilder(),
      ...(target.kvm ? { kvm: target.kvm } : {}),
      ...(target.chosenQemu ? { qemu: target.chosenQemu } : {}),
      defaults: {
        ...(values.privilege ? { privilege: target.options.privilege } : {}),
        ...(values.isolation ? { isolation: target.options.isolation } : {}),
      },
    },
  });
  if (engineHost.controlError)
    io.err(`qnet serve: no control socket (${engineHost.controlError}); "qnet status" will not see this server's labs
`);
  const { engine } = engineHost;
  let server;
  try {
    server = await startServer({
      port,
      host,
      root: webRoot,
      engine,
      ...(token ? { token } : {}),
      routes: webRoutes(
        { ...target, chooseQemu: readQemuChoice, offers: () => fetchedQemus() },
        new NicModelCache(),
        join(root, 'assets', 'examples'),
      ),
    });
  } catch (error) {
    await engineHost.dispose();
    throw new CliError(`qnet serve: cannot listen on ${host}:${port}: ${(error as Error).message}`);
  }
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
    io.err(
      `qnet serve: WARNING: listening on ${host}, not only on this machine. Anyone who can reach it and has the token can start processes as you.\n`,
    );
  }
  io.out(
    `Qnet Studio is at ${server.url}\n(the token in the URL is the key to the API; Ctrl+C stops it and every lab it launched)\n`,
  );
  const stop = stopRequests(io, signal);
  await stop.requested;
  // No page or client can launch another lab while these stop.
  await server.close();
  await engineHost.dispose();
  stop.release();
  return 0;
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * `requested` resolves on the first SIGINT, SIGTERM or SIGHUP (or the abort). The handlers stay until `release`:
 * a signal that comes again (a second Ctrl+C, or the one `npm start` passes on besides the terminal's) must not
 * kill the server while it stops the labs.
 */
function stopRequests(io: Io, signal?: AbortSignal): { requested: Promise<void>; release: () => void } {
  let stopping = false;
  let done: () => void = () => {};
  const requested = new Promise<void>((resolve) => (done = resolve));
  const onSignal = () => {
    if (stopping) return io.err('qnet serve: still stopping the labs; it exits once they are stopped\n');
    stopping = true;
    io.err('qnet serve: stopping the labs it launched…\n');
    done();
  };
  for (const name of STOP_SIGNALS) process.on(name, onSignal);
  signal?.addEventListener('abort', onSignal, { once: true });
  return {
    requested,
    release: () => {
      for (const name of STOP_SIGNALS) process.off(name, onSignal);
    },
  };
}
