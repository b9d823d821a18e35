import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, openSync, readSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { EngineEvent } from '../../shared/api';
import { foreignFile } from '../engine/state-dir';
import { findProgram } from '../engine/which';
import { findRunningLab, STATE_DIR_HELP, STATE_DIR_OPTION, stateDirOf } from './lab-common';
import { CliError, UsageError } from './usage';
import type { Io } from './usage';

/** What `qnet capture` takes: its usage line and `qnet --help`'s list both show this one text. */
export const CAPTURE_SYNOPSIS = 'capture LAB LINK|BRIDGE [-w FILE] [--wireshark] [--duration SECONDS]';

/** What it does, in `qnet --help`'s list. */
export const CAPTURE_SUMMARY =
  "capture a running lab's link or a bridge's segment into a pcap (tshark, Wireshark or -w FILE)";

export const CAPTURE_USAGE = `usage: qnet ${CAPTURE_SYNOPSIS} [--state-dir DIR]

Captures a running lab's link: QEMU's filter-dump on the netdev of a guest NIC on it writes a pcap into the lab's
state directory (DIR/LAB/capture-LINK-N.pcap, kept after the capture). A bridge node's id captures its whole
segment: dumpcap on the bridge, inside the lab's network. Packets are shown as they come: decoded by
tshark on stdout, or in Wireshark, or copied into FILE. Ctrl+C (or the end of --duration, or the lab stopping)
stops the capture and removes the filter (or ends dumpcap).

options:
  -w, --write FILE     copy the pcap into FILE as it grows (nothing is printed per packet)
  --wireshark          open Wireshark on the live capture (wireshark -k -i -)
  --duration SECONDS   stop after this many seconds
${STATE_DIR_HELP}
  -h, --help           show this help`;

export interface CaptureDeps {
  /** Calls back on SIGINT or SIGTERM; returns the function that stops listening. */
  readonly onSignal?: (onSignal: () => void) => () => void;
}

const processSignals = (onSignal: () => void) => {
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
};

/** Where the captured bytes go: a file, or the stdin of Wireshark or tshark. */
interface Sink {
  write(bytes: Buffer): void;
  end(): Promise<void>;
}

function fileSink(path: string): Sink {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
  } catch (err) {
    throw new CliError(`qnet capture: cannot write ${path}: ${(err as Error).message}`);
  }
  return {
    write: (bytes) => void writeSync(fd, bytes),
    end: async () => closeSync(fd),
  };
}

function programSink(argv: readonly string[], io: Io): Sink {
  const child: ChildProcess = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => io.out(d.toString()));
  child.stderr!.on('data', (d: Buffer) => io.err(d.toString()));
  child.stdin!.on('error', () => {}); // a closed viewer is the user's choice
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    write: (bytes) => void (child.stdin!.writable && child.stdin!.write(bytes)),
    end: async () => {
      child.stdin!.end();
      await exited;
    },
  };
}

/** Reads a pcap QEMU is writing, from where it was last read; never through a symlink, only the user's own file. */
function follower(path: string) {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  const why = foreignFile(fd, path);
  if (why !== null) {
    closeSync(fd);
    throw new CliError(`qnet capture: ${why}: refused`);
  }
  const buf = Buffer.alloc(256 * 1024);
  let total = 0;
  return {
    read(sink: Sink): void {
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, total);
        if (n <= 0) return;
        total += n;
        sink.write(Buffer.from(buf.subarray(0, n)));
      }
    },
    get bytes() {
      return total;
    },
    close: () => closeSync(fd),
  };
}

/** `qnet capture LAB LINK`: exit 0 once the capture stopped cleanly. */
export async function captureCommand(args: string[], io: Io, deps: CaptureDeps = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...STATE_DIR_OPTION,
      write: { type: 'string', short: 'w' },
      wireshark: { type: 'boolean' },
      duration: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return (io.out(`${CAPTURE_USAGE}\n`), 0);
  if (positionals.length !== 2) throw new UsageError('capture takes LAB and LINK', CAPTURE_USAGE);
  const [lab, link] = positionals as [string, string];
  const duration = values.duration === undefined ? null : Number(values.duration);
  if (duration !== null && !(Number.isFinite(duration) && duration > 0))
    throw new UsageError(`--duration must be a number of seconds above 0, not "${values.duration}"`, CAPTURE_USAGE);
  if (values.wireshark && !findProgram('wireshark'))
    throw new CliError(
      'qnet capture: wireshark is not installed (Debian package wireshark); -w FILE writes a pcap it can open later',
    );
  const tshark = !values.write && !values.wireshark ? findProgram('tshark') : null;

  const stateDir = stateDirOf(values, CAPTURE_USAGE);
  const found = await findRunningLab(stateDir, lab, io);
  const client = found.engine.client;
  try {
    let finish: (why: string) => void = () => {};
    const finished = new Promise<string>((resolve) => (finish = resolve));
    const off = client.subscribe((e: EngineEvent) => {
      if (e.type === 'labState' && e.lab === lab && e.state !== 'running') finish(`lab ${lab} is ${e.state}`);
      if (e.type === 'linkState' && e.lab === lab && e.link === link && e.capture === undefined)
        finish('the capture was stopped');
    });
    const started = await client.request({ type: 'captureStart', lab, link });
    if (!started.ok) throw new CliError(`qnet capture: ${started.error.message}`);
    const file = started.file;
    const sink = values.write
      ? fileSink(values.write)
      : values.wireshark
        ? programSink(['wireshark', '-k', '-i', '-'], io)
        : tshark
          ? programSink([tshark, '-l', '-n', '-i', '-'], io)
          : null;
    io.err(`capturing link ${link} of ${lab} into ${file} (Ctrl+C stops)\n`);
    if (!sink)
      io.err('tshark is not installed (Debian package tshark): packets are not shown here, only written to the pcap\n');
    const tail = follower(file);
    const timer = setInterval(() => sink && tail.read(sink), 200);
    const stopSignals = (deps.onSignal ?? processSignals)(() => finish('interrupted'));
    const timeout = duration === null ? null : setTimeout(() => finish(`${duration} s passed`), duration * 1000);
    void client.closed.then(() => finish('the engine is gone'));
    const why = await finished;
    stopSignals();
    if (timeout) clearTimeout(timeout);
    clearInterval(timer);
    off();
    const stopped = client.isClosed() ? null : await client.request({ type: 'captureStop', lab, link });
    if (sink) {
      tail.read(sink);
      await sink.end();
    }
    tail.close();
    const where = values.write ? `${values.write} (and ${file})` : file;
    io.err(`capture stopped (${why}): ${tail.bytes} bytes in ${where}\n`);
    if (stopped && !stopped.ok && stopped.error.code !== 'INVALID_REQUEST')
      throw new CliError(`qnet capture: ${stopped.error.message}`);
    return 0;
  } finally {
    client.close();
  }
}
