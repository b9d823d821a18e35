/**
 * Finding the labs under a base state directory: live engines through their control sockets
 * (`engine-<pid>.sock`), and labs whose engine died, by the journal left in `<stateDir>/<lab>/engine.journal`.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { LabStatus } from '../../shared/api';
import { connectControl, type ControlClient } from './control-client';
import { controlKeyPath, pidOfControlSocket } from './control-socket';
import { JOURNAL_FILE } from './journal';
import { checkPrivateDir, StateDirError } from './state-dir';

export interface LiveEngine {
  readonly pid: number;
  readonly socket: string;
  readonly client: ControlClient;
  readonly labs: readonly LabStatus[];
}

/** A lab with a journal and no engine running it: `qnet down LAB` recovers it. */
export interface StaleLab {
  readonly lab: string;
  readonly stateDir: string;
}

export interface Discovery {
  readonly engines: readonly LiveEngine[];
  readonly stale: readonly StaleLab[];
  /** Control sockets nobody listens on (their engine died); removed when asked to. */
  readonly deadSockets: readonly string[];
  /** Control sockets not used because they are not the user's own (planted by someone else): each with why. */
  readonly ignored: readonly { readonly socket: string; readonly why: string }[];
  /** Closes every client except those kept. */
  close(keep?: ControlClient): void;
}

function readdir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Connects to every engine under `stateDir` and lists its labs; finds labs with a journal and no engine. */
export async function discoverLabs(
  requested: string,
  options: { readonly removeDeadSockets?: boolean } = {},
): Promise<Discovery> {
  // Nothing under a directory someone else could write is used: not its sockets, not its journals.
  const dir = checkPrivateDir(requested);
  if (!dir.ok && !dir.missing) throw new StateDirError(`qnet: ${dir.message}`);
  const stateDir = dir.ok ? dir.path : requested;
  const names = dir.ok ? readdir(stateDir) : [];
  const engines: LiveEngine[] = [];
  const deadSockets: string[] = [];
  const ignored: { socket: string; why: string }[] = [];
  await Promise.all(
    names
      .filter((n) => pidOfControlSocket(n) !== null)
      .map(async (name) => {
        const socket = join(stateDir, name);
        const connected = await connectControl(socket);
        if (!connected.ok && connected.error.code === 'NOT_TRUSTED') {
          ignored.push({ socket, why: connected.error.message });
          return;
        }
        if (!connected.ok) {
          deadSockets.push(socket);
          if (options.removeDeadSockets) {
            rmSync(socket, { force: true });
            rmSync(controlKeyPath(socket), { force: true });
          }
          return;
        }
        const listed = await connected.client.request({ type: 'list' });
        if (!listed.ok) {
          connected.client.close();
          return;
        }
        engines.push({ pid: pidOfControlSocket(name)!, socket, client: connected.client, labs: listed.labs });
      }),
  );
  engines.sort((a, b) => a.pid - b.pid);
  const live = new Set(engines.flatMap((e) => e.labs.flatMap((l) => [l.stateDir.replace(/\/+$/, ''), l.lab])));
  const stale = names
    .filter(
      (n) =>
        existsSync(join(stateDir, n, JOURNAL_FILE)) &&
        !live.has(join(stateDir, n)) &&
        !live.has(n) &&
        !live.has(join(requested, n)),
    )
    .sort()
    .map((lab) => ({ lab, stateDir: join(stateDir, lab) }));
  return {
    engines,
    stale,
    deadSockets,
    ignored,
    close(keep) {
      for (const e of engines) if (e.client !== keep) e.client.close();
    },
  };
}

/** The engine running `lab`, if any. */
export function engineOf(discovery: Discovery, lab: string): { engine: LiveEngine; status: LabStatus } | null {
  for (const engine of discovery.engines) {
    const status = engine.labs.find((l) => l.lab === lab);
    if (status) return { engine, status };
  }
  return null;
}
