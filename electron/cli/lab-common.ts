import type { EngineApi, EngineEvent, LabStatus, VmStatus } from '../../shared/api';
import { discoverLabs, engineOf, type Discovery, type LiveEngine } from '../engine/control-discovery';
import { defaultStateDir } from '../engine/host-paths';
import { ConsoleFeed } from '../../shared/console-feed';
import { shellQuote } from '../../shared/emit/quote';
import { checkFlag } from './flags';
import { CliError, type Io } from './usage';

export const STATE_DIR_OPTION = { 'state-dir': { type: 'string' } } as const;
export const STATE_DIR_HELP = `  --state-dir DIR      where labs keep sockets, logs and journals (default: $QNET_STATE_DIR, else /run/qnet for
                       root, else $XDG_RUNTIME_DIR/qnet, else ~/.qnet); it must be yours alone (owned by you,
                       writable by nobody else), or it is refused`;

/** The base state directory from --state-dir (absolute) or the default. */
export function stateDirOf(values: { 'state-dir'?: string | undefined }, usage: string): string {
  const dir = values['state-dir'] ?? defaultStateDir();
  checkFlag('stateDir', dir, usage);
  return dir.replace(/\/+$/, '') || '/';
}

/** ` --state-dir DIR` for a hint to run another command, when DIR is not the default. */
export function stateDirFlag(stateDir: string): string {
  return stateDir === defaultStateDir().replace(/\/+$/, '') ? '' : ` --state-dir ${shellQuote(stateDir)}`;
}

/**
 * The engines and stale labs under `stateDir` (control-discovery.ts); a control socket that is not the user's own
 * is not used, and said so on stderr.
 */
export async function discover(
  stateDir: string,
  io: Io,
  options: { removeDeadSockets?: boolean } = {},
): Promise<Discovery> {
  const discovery = await discoverLabs(stateDir, options);
  for (const { why } of discovery.ignored) io.err(`qnet: warning: ${why}\n`);
  return discovery;
}

export interface FoundLab {
  readonly discovery: Discovery;
  readonly engine: LiveEngine;
  readonly status: LabStatus;
}

/** The live engine running `lab` under `stateDir`; a CliError saying why when there is none. */
export async function findRunningLab(stateDir: string, lab: string, io: Io): Promise<FoundLab> {
  const discovery = await discover(stateDir, io);
  const found = engineOf(discovery, lab);
  if (found) {
    discovery.close(found.engine.client);
    return { discovery, ...found };
  }
  discovery.close();
  if (discovery.stale.some((s) => s.lab === lab))
    throw new CliError(`qnet: the engine of lab ${lab} is gone (stale lab): run "qnet down ${lab}"`);
  const known = discovery.engines.flatMap((e) => e.labs.map((l) => l.lab));
  throw new CliError(
    `qnet: no running lab "${lab}" under ${stateDir}${known.length ? ` (running: ${known.join(', ')})` : ''}`,
  );
}

/** The guest named `vm` (by its name or node id), or a CliError listing the lab's guests. */
export function findVm(status: LabStatus, vm: string): VmStatus {
  const found = status.vms.find((v) => v.vm === vm) ?? status.vms.find((v) => v.node === vm);
  if (!found)
    throw new CliError(
      `qnet: lab ${status.lab} has no guest "${vm}" (guests: ${status.vms.map((v) => v.vm).join(', ') || 'none'})`,
    );
  return found;
}

export interface ConsoleAttachment {
  readonly subscription: string;
  readonly truncated: boolean;
  /** Stops the console stream and the event listener. */
  detach(): Promise<void>;
}

/**
 * Streams a guest's console from `fromSeq`: the backlog first, then live chunks, joined by shared/console-feed.ts
 * (console events can arrive before the subscribe result). Other events of the lab go to `onEvent`.
 */
export async function attachConsole(
  api: EngineApi,
  lab: string,
  vm: string,
  fromSeq: number,
  onData: (data: string) => void,
  onEvent: (event: EngineEvent) => void = () => {},
): Promise<{ ok: true; attachment: ConsoleAttachment } | { ok: false; message: string }> {
  const feed = new ConsoleFeed((chunk) => onData(chunk.data));
  const unsubscribe = api.subscribe((event) => {
    if (event.type === 'console') {
      if (event.lab === lab && event.vm === vm) feed.event(event);
    } else if ('lab' in event && event.lab === lab) onEvent(event);
  });
  const r = await api.request({ type: 'consoleSubscribe', lab, vm, fromSeq });
  if (!r.ok) {
    unsubscribe();
    return { ok: false, message: r.error.message };
  }
  feed.answer(r);
  return {
    ok: true,
    attachment: {
      subscription: r.subscription,
      truncated: r.truncated,
      async detach() {
        unsubscribe();
        await api.request({ type: 'consoleUnsubscribe', subscription: r.subscription });
      },
    },
  };
}
