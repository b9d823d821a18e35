import { parseArgs } from 'node:util';
import { CliError, UsageError } from './usage';
import type { Io } from './usage';
import { hostGuestArch, isGuestArch } from '../guest/arch';
import { buildTinyGuest } from '../guest/build';
import { GuestBuildError } from '../guest/errors';

const USAGE = `usage: qnet guest build [--arch x86_64|aarch64] [--force] [--refresh] [--json]

Builds the tiny guest (the distribution's kernel and a busybox initramfs) into ~/.cache/qnet/guest/ARCH,
from packages apt downloads (no root needed). Does nothing when the build there is current.

options:
  --arch ARCH   x86_64 or aarch64 (default: this machine's)
  --force       rebuild even when current
  --refresh     re-fetch the package lists of a foreign architecture
  --json        print {kernel, initrd, built, stamp} as JSON
  -h, --help    show this help`;

/** `qnet guest build`: the CLI face of buildTinyGuest. */
export async function guestCommand(args: string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === '-h' || sub === '--help') {
    io.out(`${USAGE}\n`);
    return sub ? 0 : 2;
  }
  if (sub !== 'build') throw new UsageError(`unknown guest command "${sub}"`, USAGE);
  const { values } = parseArgs({
    args: rest,
    options: {
      arch: { type: 'string' },
      force: { type: 'boolean' },
      refresh: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  const arch = values.arch ?? hostGuestArch();
  if (!arch || !isGuestArch(arch))
    throw new UsageError(`--arch must be x86_64 or aarch64, not ${arch ?? process.arch}`, USAGE);
  try {
    const guest = await buildTinyGuest({
      arch,
      force: values.force ?? false,
      refresh: values.refresh ?? false,
      log: (line) => io.err(`${line}\n`),
    });
    io.out(values.json ? `${JSON.stringify(guest, null, 2)}\n` : `kernel ${guest.kernel}\ninitrd ${guest.initrd}\n`);
    return 0;
  } catch (error) {
    if (error instanceof GuestBuildError) throw new CliError(`qnet guest build: ${error.message} [${error.code}]`);
    throw error;
  }
}
