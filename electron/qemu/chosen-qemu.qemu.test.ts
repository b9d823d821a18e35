// A QEMU the user chooses with --qemu (here the fetched 10.0; npm test's setup fetches it): the CLI probes the target
// from that binary (its version decides the realization, its binary and -L directories are what the plan runs), a
// path that holds no QEMU is a usage error naming it, and an engine given the choice runs it: two tiny guests on a
// stream link ping each other on QEMU 10.0.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { LabPlan } from '../../shared/compiler/plan';
import { qemuCacheDir } from '../engine/host-paths';
import { buildGuests, cleanupAll, launchLab, leftovers, startEngine } from '../testkit/scenarios/harness';
import { processesMentioning } from '../testkit/procs';
import { buildCli, qnet as runQnet } from '../testkit/qnetCli';
import { chosenQemu, fetchedQemu10 } from './chosen';

const dir = mkdtempSync(join(tmpdir(), 'qnchosen-'));
const install = fetchedQemu10(qemuCacheDir());
const qemuDir = join(qemuCacheDir(), '10.0');

const TOPOLOGY = `version: 2
name: chosen10
nodes:
  - { id: a, kind: vm, memory: 128, boot: { type: tiny }, nics: [{ id: eth0, ip: 10.0.31.1/24 }] }
  - { id: b, kind: vm, memory: 128, boot: { type: tiny }, nics: [{ id: eth0, ip: 10.0.31.2/24 }] }
links:
  - { a: 'a:eth0', b: 'b:eth0', transport: stream }
`;
const file = join(dir, 'chosen10.qnet.yaml');

function qnet(...args: string[]) {
  return runQnet(args, { env: { QNET_STATE_DIR: dir } });
}

beforeAll(async () => {
  writeFileSync(file, TOPOLOGY);
  buildCli();
  await buildGuests(['x86_64']);
}, 900_000);
afterEach(async () => {
  expect(await cleanupAll(), 'left behind after the test').toEqual([]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--qemu DIR|BINARY', () => {
  test('qnet compile probes the chosen QEMU: its version picks the realization, the plan runs its binary with -L', () => {
    for (const chosen of [qemuDir, install.binaries.x86_64!]) {
      const r = qnet('compile', '--json', '--qemu', chosen, file);
      expect(r.code, r.err).toBe(0);
      const plan = JSON.parse(r.out) as LabPlan;
      expect(plan.vms.map((v) => v.argv[0])).toEqual([install.binaries.x86_64, install.binaries.x86_64]);
      expect(plan.vms[0]!.argv.slice(1, 5)).toEqual(['-L', install.dataDirs[0], '-L', install.dataDirs[1]]);
      expect(plan.processes.find((p) => p.kind === 'vm')?.env).toEqual(install.env);
      // 10.0's stream client reconnects (reconnect-ms, 9.2+): no start order. The system's 7.2 has neither.
      expect(
        plan.vms.flatMap((v) => v.argv).some((a) => a.startsWith('stream,') && a.endsWith(',reconnect-ms=1000')),
      ).toBe(true);
      expect(plan.processes.map((p) => p.dependsOn)).toEqual([[], []]);
    }
    const system = JSON.parse(qnet('compile', '--json', file).out) as LabPlan;
    expect(system.vms[0]!.argv[0]).toBe('qemu-system-x86_64');
    expect(system.vms.flatMap((v) => v.argv).some((a) => a.includes('reconnect'))).toBe(false);
  });

  test('a path holding no QEMU, or --qemu with --qemu-version, is a usage error naming it', () => {
    const missing = qnet('validate', '--qemu', join(dir, 'nowhere'), file);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain(`--qemu: the chosen QEMU ${join(dir, 'nowhere')} does not exist`);
    const empty = qnet('compile', '--qemu', dir, file);
    expect(empty.code).toBe(2);
    expect(empty.err).toContain(`--qemu: the chosen QEMU ${dir} holds no qemu-system-<arch> binary`);
    const both = qnet('compile', '--qemu', qemuDir, '--qemu-version', '9.2', file);
    expect(both.code).toBe(2);
    expect(both.err).toContain('--qemu and --qemu-version exclude each other');
  });

  test('an engine given the choice runs it: two tiny guests on a reconnecting stream link ping on QEMU 10.0', async () => {
    const engine = startEngine(undefined, { qemu: chosenQemu(install) });
    const lab = await launchLab(engine, TOPOLOGY);
    const qemus = processesMentioning(lab.stateDir).filter((p) => p.argv[0]?.includes('qemu-system'));
    expect(qemus.map((p) => p.argv[0])).toEqual([install.binaries.x86_64, install.binaries.x86_64]);
    await lab.run('a', 'ping -c 1 -W 5 10.0.31.2', /1 packets received|, 0% packet loss/);
    await lab.stop();
    expect(leftovers(lab.stateDir, lab.netns)).toEqual([]);
  });
});
