import { readlinkSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabPlan } from '../../shared/compiler/plan';
import { killPids, processesMentioning } from '../testkit/procs';
import { example, leftovers, NO_KVM, planOf, testTarget } from '../testkit/lab';
import { LabRunner } from './lab';

/*
 * A running rootless lab (isolation userns) is acted on inside its namespace, through its holder: a command the
 * engine runs there (LabRunner.runInLab) sees the lab's bridge and taps, the host never does; a guest restarted on
 * its own comes back in the same namespace. The stand-in guest boots nothing: TCG spins on it, which is all a
 * process's namespace needs. Real guests pinging after a restart are proven as an unprivileged user in
 * electron/cli/rootless.qemu.test.ts.
 */

let base: string;
let plan: LabPlan;
let runner: LabRunner;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'qnet-userns-lab-'));
  plan = planOf(example('02-'), testTarget(base, { isolation: 'userns', privilege: 'user' }));
  runner = new LabRunner({ plan, preflightEnv: { kvm: NO_KVM }, stopTimeouts: { powerdownMs: 300 } });
});

afterAll(async () => {
  await runner.dispose();
  killPids(processesMentioning(plan.stateDir).map((p) => p.pid));
  expect(leftovers(plan), `left behind by ${plan.lab}`).toEqual([]);
  rmSync(base, { recursive: true, force: true });
});

const netOf = (pid: number) => readlinkSync(`/proc/${pid}/ns/net`);
const pidOf = (vm: string) => {
  const s = runner.status().vms.find((v) => v.vm === vm)?.state;
  return s?.state === 'running' ? s.pid : -1;
};

describe('a running userns lab, acted on inside its namespace', () => {
  it('before launch nothing of the lab exists: a command for it is not run', async () => {
    expect(runner.inLab(['ip', 'link'])).toBeNull();
    const r = await runner.runInLab(['ip', 'link']);
    expect(r.ok).toBe(false);
    expect(r.stderr).toMatch(/holds no namespace/);
  });

  it('runInLab sees the bridge and taps the host does not have; a restarted guest rejoins the namespace', async () => {
    const launched = await runner.launch();
    if (!launched.ok) throw new Error(launched.error.message);
    const host = netOf(process.pid);
    const lab = netOf(pidOf('alpha'));
    expect(lab).not.toBe(host);

    const links = await runner.runInLab(['ip', '-br', 'link']);
    expect(links.ok, links.stderr).toBe(true);
    const made = (kind: string) => plan.hostSteps.flatMap((s) => (s.creates?.kind === kind ? [s.creates.name] : []));
    const [bridge = ''] = made('bridge');
    expect(bridge).not.toBe('');
    expect(links.stdout).toMatch(new RegExp(`^${bridge}\\s+UP`, 'm'));
    const taps = made('tap');
    expect(taps).toHaveLength(2);
    for (const tap of taps) expect(links.stdout).toMatch(new RegExp(`^${tap}@?\\S*\\s`, 'm'));
    const onHost = await new LabRunner({ plan: { ...plan, target: { ...plan.target, isolation: 'host' } } }).runInLab([
      'ip',
      '-br',
      'link',
    ]);
    expect(onHost.stdout).not.toMatch(new RegExp(`^${bridge}\\s`, 'm'));

    const before = pidOf('beta');
    const r = await runner.controlVm('beta', 'restart');
    expect(r.ok, JSON.stringify(r)).toBe(true);
    const after = pidOf('beta');
    expect(after).not.toBe(before);
    expect(netOf(after)).toBe(lab);
    const again = await runner.runInLab(['ip', '-br', 'link', 'show', 'master', bridge]);
    expect(again.stdout.split('\n').filter(Boolean)).toHaveLength(taps.length);

    expect(await runner.stop()).toEqual({ ok: true });
    expect(runner.inLab(['true'])).toBeNull();
  });
});
