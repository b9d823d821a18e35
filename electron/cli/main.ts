import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileCommand } from './cmd-compile';
import { exportCommand } from './cmd-export';
import { importCommand } from './cmd-import';
import { schemaCommand } from './cmd-schema';
import { packageRoot, serveCommand } from './cmd-serve';
import { guestCommand } from './cmd-guest';
import { qemuCommand } from './cmd-qemu';
import { validateCommand } from './cmd-validate';
import { upCommand } from './cmd-up';
import { downCommand } from './cmd-down';
import { statusCommand } from './cmd-status';
import { consoleCommand } from './cmd-console';
import { logsCommand } from './cmd-logs';
import { linkCommand } from './cmd-link';
import { CAPTURE_SUMMARY, CAPTURE_SYNOPSIS, captureCommand } from './cmd-capture';
import { vmCommand } from './cmd-vm';
import { snapshotCommand } from './cmd-snapshot';
import { StateDirError } from '../engine/state-dir';
import { CliError, UsageError, processIo, visibleIo } from './usage';
import type { Io } from './usage';

/** A command in the list: its words, then what it does, in the column when the words fit before it. */
function listed(synopsis: string, summary: string): string {
  const column = 23;
  return synopsis.length < column - 3
    ? `  ${synopsis.padEnd(column - 2)}${summary}`
    : `  ${synopsis}\n${' '.repeat(column)}${summary}`;
}

const USAGE = `usage: qnet COMMAND [options]

Qnet Studio's command line: QEMU network labs from *.qnet.yaml topologies.

commands:
  validate FILE        check a topology; exit 1 when it has errors
  compile FILE         print the QEMU command lines, host setup and diagnostics (--json for machines)
  export FILE -o DIR   write up.sh and down.sh that run the lab without Qnet Studio
  import FILE|-        draw a topology from QEMU command lines or a shell script (-o OUT.qnet.yaml)
  schema               print the JSON Schema of the file format
  up FILE              launch a lab (Ctrl+C stops it; --detach runs it in the background)
  down [LAB]           stop a lab and undo its host setup (also after its engine died)
  status               list the labs and their guests (--json for machines)
  console LAB VM       attach to a guest's serial console (Ctrl+] detaches)
  logs LAB VM          print a guest's console output (--follow)
  link LAB LINK down|up  set a running lab's link down or up (its guests lose or regain carrier)
${listed(CAPTURE_SYNOPSIS, CAPTURE_SUMMARY)}
  start|stop|restart LAB VM  start, stop or restart one guest of a running lab; the rest keeps running
  snapshot LAB save|load|delete|list [NAME]  save every guest's state of a running lab, load, delete, list them
  guest build          build the tiny guest (kernel + busybox initramfs) from the distribution's packages
  qemu fetch 10.0      unpack a second QEMU (Debian 12's backports) into ~/.cache/qnet/qemu, beside the system's
  serve                open the editor in a browser (http://127.0.0.1, with a token)

Run "qnet COMMAND --help" for a command's options; "qnet --version" prints the version.`;

const COMMANDS: Record<string, (args: string[], io: Io) => Promise<number>> = {
  validate: validateCommand,
  compile: compileCommand,
  export: exportCommand,
  import: (args, io) => importCommand(args, io),
  schema: schemaCommand,
  serve: serveCommand,
  guest: guestCommand,
  qemu: qemuCommand,
  up: (args, io) => upCommand(args, io),
  down: (args, io) => downCommand(args, io),
  status: statusCommand,
  console: (args, io) => consoleCommand(args, io),
  logs: (args, io) => logsCommand(args, io),
  link: linkCommand,
  capture: (args, io) => captureCommand(args, io),
  start: (args, io) => vmCommand('start', args, io),
  stop: (args, io) => vmCommand('stop', args, io),
  restart: (args, io) => vmCommand('restart', args, io),
  snapshot: (args, io) => snapshotCommand(args, io),
};

/** Runs the CLI on argv (without node and script); returns the exit code. Never lets a stack trace out. */
export async function runCli(argv: string[], rawIo: Io = processIo): Promise<number> {
  const [command, ...rest] = argv;
  // A guest's console is terminal output by design; everything else may quote a file and is made visible.
  const io = command === 'console' || command === 'logs' ? rawIo : visibleIo(rawIo);
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    io.out(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  if (command === '--version' || command === '-V') {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
    io.out(`qnet ${pkg.version}\n`);
    return 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    io.err(`qnet: unknown command "${command}"\n\n${USAGE}\n`);
    return 2;
  }
  try {
    return await run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`qnet ${command}: ${error.message}\n\n${error.usage}\n`);
      return 2;
    }
    if (error instanceof CliError) {
      io.err(`${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof StateDirError) {
      io.err(`${error.message}\n`);
      return 1;
    }
    const code = (error as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      io.err(`qnet ${command}: ${(error as Error).message}\n(run "qnet ${command} --help")\n`);
      return 2;
    }
    io.err(`qnet: internal error: ${(error as Error)?.message ?? String(error)}\n`);
    if (process.env.QNET_DEBUG) io.err(`${(error as Error)?.stack}\n`);
    return 70;
  }
}
