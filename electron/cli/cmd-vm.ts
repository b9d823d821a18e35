import { parseArgs } from 'node:util';
import type { VmAction, VmState } from '../../shared/api';
import { findRunningLab, STATE_DIR_HELP, STATE_DIR_OPTION, stateDirOf } from './lab-common';
import { CliError, UsageError } from './usage';
import type { Io } from './usage';

/** The usage of `qnet start|stop|restart`. */
export function vmUsage(action: VmAction): string {
  return `usage: qnet ${action} LAB VM [--state-dir DIR]

Starts, stops or restarts one guest of a running lab (VM is its node id or name: a VM or a UML instance) or one
VDE switch (its node id, with its slirpvde); the rest of the lab keeps running. Guests plugged into a restarted
switch must be restarted too: QEMU's vde netdev does not reconnect.
stop powers the guest down (system_powerdown, then quit, then signals); start boots it again (a crashed one too);
restart does both. Its peers see it go and come back as a cable would: a stream or socket client of QEMU 7.2 does
not reconnect to a restarted server by itself. A link set down stays down.

options:
${STATE_DIR_HELP}
  -h, --help           show this help`;
}

const said = (state: VmState): string =>
  state.state === 'running' ? `running (pid ${state.pid})` : state.state === 'crashed' ? 'crashed' : state.state;

/** `qnet start|stop|restart LAB VM`: exit 0 once the guest is in the state the action leaves it in. */
export async function vmCommand(action: VmAction, args: string[], io: Io): Promise<number> {
  const usage = vmUsage(action);
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...STATE_DIR_OPTION, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return (io.out(`${usage}\n`), 0);
  if (positionals.length !== 2) throw new UsageError(`${action} takes LAB and VM`, usage);
  const [lab, vm] = positionals as [string, string];
  const stateDir = stateDirOf(values, usage);
  const found = await findRunningLab(stateDir, lab, io);
  const client = found.engine.client;
  try {
    const r = await client.request({ type: 'vmControl', lab, vm, action });
    if (!r.ok) throw new CliError(`qnet ${action}: ${r.error.message}`);
    io.out(`${lab}: ${r.vm} is ${said(r.state)}\n`);
    return 0;
  } finally {
    client.close();
  }
}
