/**
 * An engine in a process of its own, for the scenarios that need one: run as another user (bridge helper), or
 * killed mid-lab (recovery). Run with `node node_modules/tsx/dist/cli.mjs engine-child.ts COMMAND …`.
 *
 *   preflight --file F [--privilege P] [--isolation I] --state-dir D [--qemu Q]   prints {"kind":"preflight","problems":[…]}
 *   up --file F [--privilege P] [--isolation I] --state-dir D [--qemu Q] [--ping VM:ADDR]…
 *       launches, waits for every guest's ready line, prints {"kind":"running",…}; pings, prints {"kind":"pinged"};
 *       then on the stdin line "stop" stops the lab, prints {"kind":"stopped"} and exits.
 * Every message is one JSON line on stdout; a failure prints {"kind":"error","message":…} and exits 1.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Isolation, Privilege } from '../../../shared/compiler/plan';
import { launchLab, preflightOf, startEngine } from './harness';

const say = (m: object) => process.stdout.write(`${JSON.stringify(m)}\n`);

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  const opt = (name: string) => {
    const i = rest.indexOf(`--${name}`);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  const pings = rest.flatMap((a, i) => (rest[i - 1] === '--ping' ? [a] : []));
  const file = opt('file');
  const stateDir = opt('state-dir');
  if (!file || !stateDir) throw new Error('--file and --state-dir are required');
  const text = readFileSync(file, 'utf8');
  const options = {
    ...(opt('privilege') ? { privilege: opt('privilege') as Privilege } : {}),
    isolation: (opt('isolation') ?? 'netns') as Isolation,
    stateDir,
    // A chosen QEMU, as the editor's setting sends it.
    ...(opt('qemu') ? { qemu: opt('qemu') } : {}),
  };
  const engine = startEngine(stateDir);
  if (command === 'preflight') {
    say({ kind: 'preflight', problems: await preflightOf(engine, text, options) });
    await engine.api.dispose();
    return;
  }
  if (command !== 'up') throw new Error(`unknown command ${command}`);
  const lab = await launchLab(engine, text, options);
  const pids = Object.fromEntries(lab.status.vms.map((v) => [v.vm, v.state.state === 'running' ? v.state.pid : null]));
  say({
    kind: 'running',
    lab: lab.lab,
    stateDir: lab.stateDir,
    netns: lab.netns,
    pids,
    ready: Object.fromEntries(lab.ready),
  });
  for (const p of pings) {
    const [vm, addr] = p.split(':') as [string, string];
    await lab.run(vm, `ping -c 1 -W 5 ${addr}`, /1 packets received|, 0% packet loss/);
  }
  say({ kind: 'pinged' });
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line.trim() !== 'stop') continue;
    await lab.stop();
    await engine.api.dispose();
    say({ kind: 'stopped' });
    process.exit(0);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    say({ kind: 'error', message: err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err) });
    process.exit(1);
  },
);
