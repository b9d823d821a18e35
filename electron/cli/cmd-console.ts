import { parseArgs } from 'node:util';
import type { EngineEvent } from '../../shared/api';
import { STATE_DIR_HELP, STATE_DIR_OPTION, attachConsole, findRunningLab, findVm, stateDirOf } from './lab-common';
import { describeExitStatus } from './lab-progress';
import { CliError, UsageError } from './usage';
import type { Io } from './usage';

const CONSOLE_USAGE = `usage: qnet console LAB VM [--state-dir DIR]

Attaches this terminal to a guest's serial console through the engine running the lab: prints what the console
buffered so far, then live output; what you type goes to the guest. Ctrl+] detaches (the guest keeps running).
When stdin is not a terminal (a pipe), its bytes are sent as they come and end of input detaches.
Exit status: 0 when detached or the guest stopped, 1 when the guest crashed or the engine went away.

options:
${STATE_DIR_HELP}
  -h, --help           show this help`;

/** Ctrl+]: the detach key of telnet and virsh console. */
const DETACH = 0x1d;

/** The console's terminal (tests pass a pipe). */
export interface ConsoleTerminal {
  readonly input: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  readonly write: (data: string) => void;
}

const processTerminal: ConsoleTerminal = { input: process.stdin, write: (d) => void process.stdout.write(d) };

/** `qnet console LAB VM`. */
export async function consoleCommand(
  args: string[],
  io: Io,
  terminal: ConsoleTerminal = processTerminal,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...STATE_DIR_OPTION, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return (io.out(`${CONSOLE_USAGE}\n`), 0);
  if (positionals.length !== 2) throw new UsageError('console takes LAB and VM', CONSOLE_USAGE);
  const [labName, vmName] = positionals as [string, string];
  const stateDir = stateDirOf(values, CONSOLE_USAGE);
  const { engine, status } = await findRunningLab(stateDir, labName, io);
  const client = engine.client;
  try {
    const vm = findVm(status, vmName).vm;
    let finish: (code: number, note: string) => void = () => {};
    const finished = new Promise<{ code: number; note: string }>(
      (resolve) => (finish = (code, note) => resolve({ code, note })),
    );
    const onEvent = (e: EngineEvent) => {
      if (e.type === 'vmState' && e.vm === vm) {
        if (e.state.state === 'crashed') finish(1, `${vm} crashed (${describeExitStatus(e.state.exit)})`);
        else if (e.state.state === 'stopped') finish(0, `${vm} stopped`);
      } else if (e.type === 'labState' && (e.state === 'stopped' || e.state === 'failed'))
        finish(e.state === 'stopped' ? 0 : 1, `lab ${labName} ${e.state}`);
    };
    const attached = await attachConsole(client, labName, vm, 0, terminal.write, onEvent);
    if (!attached.ok) throw new CliError(`qnet console: ${attached.message}`);
    const tty = terminal.input.isTTY === true && typeof terminal.input.setRawMode === 'function';
    io.err(`[attached to ${labName}/${vm}${tty ? '; Ctrl+] detaches' : ''}]\n`);
    if (attached.attachment.truncated)
      io.err('[the start of the console output was dropped from the buffer; "qnet logs" has it all]\n');
    void client.closed.then(() => finish(1, 'lost the engine'));

    let inputs = Promise.resolve();
    const send = (data: string) => {
      inputs = inputs.then(async () => {
        const r = await client.request({ type: 'consoleInput', lab: labName, vm, data });
        if (!r.ok) finish(1, r.error.message);
      });
    };
    const onData = (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      const cut = tty ? bytes.indexOf(DETACH) : -1;
      const data = (cut >= 0 ? bytes.subarray(0, cut) : bytes).toString('utf8');
      if (data !== '') send(data);
      if (cut >= 0) void inputs.then(() => finish(0, 'detached'));
    };
    const onEnd = () => void inputs.then(() => finish(0, 'detached (end of input)'));
    if (tty) terminal.input.setRawMode?.(true);
    terminal.input.on('data', onData);
    terminal.input.on('end', onEnd);
    terminal.input.resume();

    const { code, note } = await finished;
    terminal.input.off('data', onData);
    terminal.input.off('end', onEnd);
    if (tty) terminal.input.setRawMode?.(false);
    terminal.input.pause();
    await inputs;
    if (!client.isClosed()) await attached.attachment.detach();
    io.err(`${tty ? '\r\n' : '\n'}[${note}]\n`);
    return code;
  } finally {
    client.close();
  }
}
