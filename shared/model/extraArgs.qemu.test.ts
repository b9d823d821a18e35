import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QmpClient } from '../../electron/engine/qmp';
import { networkingArg } from './extraArgs';

/*
 * The refusal list of extraArgs.ts is grounded: each smuggled form, given to the real QEMU beside a drawn SLiRP
 * backend (`-netdev user,id=n0`, what a drawn NAT compiles to), really creates a NIC on it, a port forward, or a
 * capture. Every QEMU is paused (-S) and in a throwaway network namespace (unshare -n), and killed after.
 */

let dir = '';
const children: ChildProcess[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'qnet-smuggle-'));
});
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Starts a paused QEMU with `args` after the drawn backend; runs the HMP command; returns what it printed. */
async function hmpOf(name: string, args: readonly string[], command: string): Promise<string> {
  const qmp = join(dir, `${name}.qmp`);
  const child = spawn(
    'unshare',
    [
      '-n',
      'qemu-system-x86_64',
      '-nodefaults',
      '-display',
      'none',
      '-S',
      '-M',
      'q35',
      '-accel',
      'tcg',
      '-m',
      '64',
      '-qmp',
      `unix:${qmp},server=on,wait=off`,
      '-netdev',
      'user,id=n0',
      ...args,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    const c = await QmpClient.connect(qmp, { deadlineMs: 15_000 });
    if (!c.ok) throw new Error(`${name}: ${c.error.message}; qemu said: ${stderr}`);
    const out = await c.value.execute<string>('human-monitor-command', { 'command-line': command });
    await c.value.execute('quit');
    c.value.close();
    if (!out.ok) throw new Error(`${name}: ${out.error.message}`);
    return out.value;
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

describe('networking smuggled through extra arguments, on the real QEMU', () => {
  it('each form refused is one QEMU turns into a NIC on the drawn backend, a forward or a capture', async () => {
    const cfg = join(dir, 'nic.cfg');
    writeFileSync(cfg, '[device "d9"]\n  driver = "e1000"\n  netdev = "n0"\n');
    const nics: [string, string[], RegExp][] = [
      [
        'device-driver-prop',
        ['-device', 'id=d0,driver=virtio-net-pci,netdev=n0'],
        /d0: .*type=nic,model=virtio-net-pci[^]*\\ n0: .*type=user/,
      ],
      [
        'device-json',
        ['-device', '{"driver":"e1000","id":"d0","netdev":"n0"}'],
        /d0: .*type=nic,model=e1000[^]*\\ n0: .*type=user/,
      ],
      // A NIC with no backend of its own (refused too, by its driver) gets the drawn one from -global or -set.
      [
        'global',
        ['-device', 'virtio-net-pci,id=d0', '-global', 'virtio-net-pci.netdev=n0'],
        /d0: .*type=nic[^]*\\ n0: .*type=user/,
      ],
      [
        'set',
        ['-device', 'e1000,id=d0', '-set', 'device.d0.netdev=n0'],
        /d0: .*type=nic,model=e1000[^]*\\ n0: .*type=user/,
      ],
      ['readconfig', ['-readconfig', cfg], /d9: .*type=nic,model=e1000[^]*\\ n0: .*type=user/],
      [
        'filter-dump',
        ['-device', 'e1000,id=d0,netdev=n0', '-object', `filter-dump,id=f0,netdev=n0,file=${join(dir, 'x.pcap')}`],
        /f0: type=filter-dump/,
      ],
    ];
    for (const [name, args, seen] of nics) {
      expect(await hmpOf(name, args, 'info network'), name).toMatch(seen);
      // The last option of each form is the one smuggled (the -device before it is refused on its own too).
      const smuggled = args.slice(-2);
      expect(networkingArg(smuggled), `${name} is refused`).not.toBeNull();
    }
    // Without the smuggled option the same NIC has no backend: it is -global / -set that attaches it.
    expect(await hmpOf('no-global', ['-device', 'virtio-net-pci,id=d0'], 'info network')).not.toMatch(/\\ n0:/);

    const forward = ['-device', 'e1000,id=d0,netdev=n0', '-set', 'netdev.n0.hostfwd=tcp:127.0.0.1:2222-:22'];
    expect(await hmpOf('set-hostfwd', forward, 'info usernet')).toMatch(/HOST_FORWARD.*127\.0\.0\.1\s+2222/);
    expect(networkingArg(forward.slice(-2))).not.toBeNull();
  });
});
