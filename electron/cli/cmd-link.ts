import { parseArgs } from 'node:util';
import { findRunningLab, STATE_DIR_HELP, STATE_DIR_OPTION, stateDirOf } from './lab-common';
import { CliError, UsageError } from './usage';
import type { Io } from './usage';

export const LINK_USAGE = `usage: qnet link LAB LINK down|up [--state-dir DIR]

Sets a link of a running lab down or up, as pulling and plugging its cable: QEMU's set_link on the guest NICs at
its ends (both ends of a link between two guests), so the guests see their carrier go and come back. The link's
id is the one in the topology file (\`qnet status\` lists the links that are down).

options:
${STATE_DIR_HELP}
  -h, --help           show this help`;

/** `qnet link LAB LINK down|up`: exit 0 once the link is in that state. */
export async function linkCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...STATE_DIR_OPTION, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return (io.out(`${LINK_USAGE}\n`), 0);
  if (positionals.length !== 3) throw new UsageError('link takes LAB, LINK and down or up', LINK_USAGE);
  const [lab, link, state] = positionals as [string, string, string];
  if (state !== 'down' && state !== 'up')
    throw new UsageError(`the link's state must be down or up, not "${state}"`, LINK_USAGE);
  const stateDir = stateDirOf(values, LINK_USAGE);
  const found = await findRunningLab(stateDir, lab, io);
  const client = found.engine.client;
  try {
    const r = await client.request({ type: 'setLink', lab, link, up: state === 'up' });
    if (!r.ok) throw new CliError(`qnet link: ${r.error.message}`);
    io.out(`${lab}: link ${link} is ${state}\n`);
    return 0;
  } finally {
    client.close();
  }
}
