import { parseArgs } from 'node:util';
import { CliError, UsageError } from './usage';
import type { Io } from './usage';
import { qemuCacheDir } from '../engine/host-paths';
import { GuestBuildError } from '../guest/errors';
import { FETCHABLE_QEMU, fetchQemu } from '../qemu/fetch';

const USAGE = `usage: qnet qemu fetch VERSION [--refresh] [--force] [--json]

Downloads QEMU VERSION (${FETCHABLE_QEMU.join(', ')}: Debian 12's bookworm-backports) through a private apt view and
unpacks it into ~/.cache/qnet/qemu/VERSION, beside the system's QEMU (no root, no change to apt's sources).
Choose it for a lab with --qemu ~/.cache/qnet/qemu/VERSION. Does nothing when it is already there.

options:
  --refresh     ask the mirror whether backports moved on, and fetch again if so
  --force       fetch and unpack again
  --json        print {dir, banner, built, stamp} as JSON
  -h, --help    show this help`;

/** \`qnet qemu fetch\`: the CLI face of fetchQemu. */
export async function qemuCommand(args: string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === '-h' || sub === '--help') {
    io.out(`${USAGE}\n`);
    return sub ? 0 : 2;
  }
  if (sub !== 'fetch') throw new UsageError(`unknown qemu command "${sub}"`, USAGE);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      refresh: { type: 'boolean' },
      force: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  const [version, ...extra] = positionals;
  if (!version || extra.length > 0) throw new UsageError('name one QEMU version to fetch', USAGE);
  if (!FETCHABLE_QEMU.includes(version))
    throw new UsageError(
      `QEMU ${version} cannot be fetched; the versions known are ${FETCHABLE_QEMU.join(', ')}`,
      USAGE,
    );
  try {
    const fetched = await fetchQemu({
      version,
      cacheDir: qemuCacheDir(),
      force: values.force ?? false,
      refresh: values.refresh ?? false,
      log: (line) => io.err(`${line}\n`),
    });
    io.out(values.json ? `${JSON.stringify(fetched, null, 2)}\n` : `${fetched.dir}\n`);
    return 0;
  } catch (error) {
    if (error instanceof GuestBuildError) throw new CliError(`qnet qemu fetch: ${error.message} [${error.code}]`);
    throw error;
  }
}
