import { parseArgs } from 'node:util';
import { describeShaping } from '../../shared/compiler/shaping';
import { LinkShaping } from '../../shared/model/schema';
import { findRunningLab, STATE_DIR_HELP, STATE_DIR_OPTION, stateDirOf } from './lab-common';
import { CliError, UsageError } from './usage';
import type { Io } from './usage';

export const LINK_USAGE = `usage: qnet link LAB LINK down|up [--state-dir DIR]
       qnet link LAB LINK [rate RATE] [delay TIME] [jitter TIME] [loss PCT] [duplicate PCT] [--state-dir DIR]
       qnet link LAB LINK unshaped [--state-dir DIR]

Sets a link of a running lab down or up, as pulling and plugging its cable: QEMU's set_link on the guest NICs at
its ends (both ends of a link between two guests), so the guests see their carrier go and come back. The link's
id is the one in the topology file (\`qnet status\` lists the links that are down or shaped).

With shaping words, replaces the link's shaping (what is not named is off), both ways: tc on the tap that realizes
the link (what reaches its guest) and on an ifb its tap's ingress is sent through (what the guest sends), in the
lab's network. RATE like 1mbit or 512kbit (tbf); delay, jitter, loss and duplicate need the kernel's netem (module
sch_netem). \`unshaped\` takes it all off. A link between two guests is no tap: link the guests to a bridge (or a
guest to a tap node) to shape their links.

options:
${STATE_DIR_HELP}
  -h, --help           show this help`;

const SHAPING_KEYS = ['rate', 'delay', 'jitter', 'loss', 'duplicate'] as const;

/** The shaping the words after LINK name, or a usage error naming the word that is wrong. */
function shapingOf(words: readonly string[]): LinkShaping {
  if (words.length === 1 && words[0] === 'unshaped') return {};
  if (words.length === 1)
    throw new UsageError(
      `after LINK: down, up, unshaped, or a shaping such as "rate 1mbit", not "${words[0]}"`,
      LINK_USAGE,
    );
  if (words.length % 2 !== 0)
    throw new UsageError(
      `after LINK: down, up, unshaped, or pairs like "rate 1mbit" (got ${words.join(' ')})`,
      LINK_USAGE,
    );
  const raw: Record<string, string | number> = {};
  for (let i = 0; i < words.length; i += 2) {
    const key = words[i] ?? '';
    const value = words[i + 1] ?? '';
    if (!(SHAPING_KEYS as readonly string[]).includes(key))
      throw new UsageError(`"${key}" is no shaping of a link (${SHAPING_KEYS.join(', ')})`, LINK_USAGE);
    raw[key] = key === 'loss' || key === 'duplicate' ? Number(value.replace(/%$/, '')) : value;
  }
  const parsed = LinkShaping.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`${issue?.path.join('.') ?? 'shaping'}: ${issue?.message ?? 'invalid'}`, LINK_USAGE);
  }
  return parsed.data;
}

/** `qnet link LAB LINK down|up|SHAPING`: exit 0 once the link is in that state. */
export async function linkCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...STATE_DIR_OPTION, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return (io.out(`${LINK_USAGE}\n`), 0);
  if (positionals.length < 3) throw new UsageError('link takes LAB, LINK and down, up or a shaping', LINK_USAGE);
  const [lab, link, ...words] = positionals as [string, string, ...string[]];
  const state = words.length === 1 && (words[0] === 'down' || words[0] === 'up') ? words[0] : null;
  const shaping = state === null ? shapingOf(words) : null;
  const stateDir = stateDirOf(values, LINK_USAGE);
  const found = await findRunningLab(stateDir, lab, io);
  const client = found.engine.client;
  try {
    if (shaping !== null) {
      const r = await client.request({ type: 'setShaping', lab, link, shaping });
      if (!r.ok) throw new CliError(`qnet link: ${r.error.message}`);
      const now = r.link.shaping;
      io.out(`${lab}: link ${link} ${now ? `shaped: ${describeShaping(now)}` : 'unshaped'}\n`);
      return 0;
    }
    const r = await client.request({ type: 'setLink', lab, link, up: state === 'up' });
    if (!r.ok) throw new CliError(`qnet link: ${r.error.message}`);
    io.out(`${lab}: link ${link} is ${state}\n`);
    return 0;
  } finally {
    client.close();
  }
}
