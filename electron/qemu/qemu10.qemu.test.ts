// QEMU 10.0's own realizations, for real (the fetched backport; npm test's setup fetches it): the stream link's
// client reconnects (`reconnect-ms`), so the compiler drops the start order, and the connector started first does
// connect once its listener comes up, again after the listener restarts; QMP says so with NETDEV_STREAM_CONNECTED
// and NETDEV_STREAM_DISCONNECTED. Guests run paused (-S): a netdev connects at startup, no guest needs to boot.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { compile } from '../../shared/compiler/index';
import type { LabPlan, VmPlan } from '../../shared/compiler/plan';
import { target, topo } from '../../shared/compiler/testkit';
import { qemuCacheDir } from '../engine/host-paths';
import { QmpClient, type QmpEvent } from '../engine/qmp';
import { chosenQemu, fetchedQemu10 } from './chosen';

const base = mkdtempSync(join(tmpdir(), 'qnq10-'));
const kids: ChildProcess[] = [];
afterEach(() => {
  for (const k of kids.splice(0)) k.kill('SIGKILL');
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

const install = fetchedQemu10(qemuCacheDir());
const vm = (id: string) => ({ kind: 'vm' as const, id, boot: { type: 'none' as const }, nics: [{ id: 'e0' }] });

function start(plan: LabPlan, v: VmPlan): ChildProcess {
  const child = spawn(v.argv[0]!, [...v.argv.slice(1), '-S'], { stdio: 'ignore', env: { ...process.env, ...v.env } });
  kids.push(child);
  return child;
}

async function qmp(v: VmPlan): Promise<{ client: QmpClient; events: QmpEvent[] }> {
  const r = await QmpClient.connect(v.qmp, { deadlineMs: 10_000 });
  if (!r.ok) throw new Error(`${v.node}: QMP: ${r.error.message}`);
  const events: QmpEvent[] = [];
  r.value.subscribe((e) => events.push(e));
  return { client: r.value, events };
}

describe('QEMU 10.0 (Debian 12 backports)', () => {
  test('stream with reconnect-ms: the client started first connects, and again after its server restarts', async () => {
    const stateDir = join(base, 'state');
    const plan = compile(
      topo({
        name: 'recon',
        nodes: [vm('srv'), vm('cli')],
        links: [{ a: 'srv:e0', b: 'cli:e0', transport: 'stream' }],
      }),
      target({ stateDir, qemuVersion: { major: 10, minor: 0 }, qemu: chosenQemu(install), tinyGuest: {} }),
    );
    mkdirSync(plan.stateDir, { recursive: true });
    const [srv, cli] = ['srv', 'cli'].map((id) => plan.vms.find((v) => v.node === id)!);
    expect(srv!.argv[0]).toBe(install.binaries.x86_64);
    expect(srv!.argv.slice(1, 5)).toEqual(['-L', install.dataDirs[0], '-L', install.dataDirs[1]]);
    expect(plan.processes.find((p) => p.id === 'vm-srv')?.env).toEqual(install.env);
    // The order dependency is gone: the client reconnects.
    expect(plan.processes.map((p) => p.dependsOn)).toEqual([[], []]);
    const client = cli!.argv.find((a) => a.startsWith('stream,') && a.includes('server=off')) ?? '';
    expect(client).toMatch(/,reconnect-ms=1000$/);

    start(plan, cli!);
    const c = await qmp(cli!);
    await new Promise((r) => setTimeout(r, 1500)); // the client has tried (and failed) at least once
    expect(c.events.filter((e) => e.event === 'NETDEV_STREAM_CONNECTED')).toEqual([]);
    let server = start(plan, srv!);
    const connected = await c.client.waitEvent((e) => e.event === 'NETDEV_STREAM_CONNECTED', 15_000);
    expect(connected.ok, 'NETDEV_STREAM_CONNECTED on the client').toBe(true);
    if (connected.ok) expect(connected.value.data).toMatchObject({ 'netdev-id': 'net-e0', addr: { type: 'unix' } });

    server.kill('SIGTERM');
    const gone = await c.client.waitEvent((e) => e.event === 'NETDEV_STREAM_DISCONNECTED', 15_000);
    expect(gone.ok, 'NETDEV_STREAM_DISCONNECTED on the client').toBe(true);
    if (gone.ok) expect(gone.value.data).toEqual({ 'netdev-id': 'net-e0' });
    await new Promise((r) => server.once('exit', r));
    server = start(plan, srv!);
    const again = await c.client.waitEvent(
      (e) => e.event === 'NETDEV_STREAM_CONNECTED' && e !== (connected.ok ? connected.value : null),
      15_000,
    );
    expect(again.ok, 'the client reconnected to the restarted server').toBe(true);
    c.client.close();
  });
});
