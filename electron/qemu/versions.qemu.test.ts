// What differs between the installed QEMU 7.2 and the fetched 10.0, asked of both binaries (assets/examples/README.md
// cites each check): their help texts, the NIC models each lists per machine, which stream options each accepts, and
// where 10.0 looks for its modules. No guest boots: each question is one short run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parseNicModelHelp } from '../engine/probe-nic-models';
import { parseNetdevHelp } from '../engine/probe-qemu';
import { qemuCacheDir } from '../engine/host-paths';
import { fetchedQemu10 } from './chosen';
import { installArgs } from './install';

const install = fetchedQemu10(qemuCacheDir());
const dir = mkdtempSync(join(tmpdir(), 'qnvers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The environment without a QEMU_MODULE_DIR of its own: each run states what it needs. */
const { QEMU_MODULE_DIR: _inherited, ...env } = process.env;

/** One short run of a QEMU: its status and output. */
function run(binary: string, args: string[], more: Readonly<Record<string, string>> = {}, input?: string) {
  const r = spawnSync(binary, args, {
    encoding: 'utf8',
    timeout: 10_000,
    killSignal: 'SIGKILL',
    env: { ...env, ...more },
    ...(input !== undefined ? { input } : {}),
  });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

const run72 = (args: string[], input?: string) => run('qemu-system-x86_64', args, {}, input);
/** 10.0 as a launch runs it: its -L data directories and its QEMU_MODULE_DIR. */
const run10 = (args: string[], input?: string) =>
  run(install.binaries.x86_64!, [...installArgs(install), ...args], install.env, input);

const models = (version: '7.2' | '10.0', machine: string) => {
  const args = ['-M', machine, '-display', 'none', '-S', '-nic', 'model=help'];
  const r = version === '10.0' ? run10(args) : run72(args);
  expect(r.status, r.err).toBe(0);
  return { header: r.out.split('\n')[0], text: r.out, list: parseNicModelHelp(r.out) };
};

describe('QEMU 7.2 and 10.0 asked the same questions', () => {
  test('versions: the installed 7.2 and the fetched 10.0.2', () => {
    expect(run72(['--version']).out).toMatch(/^QEMU emulator version 7\.2\./);
    expect(run10(['--version']).out).toMatch(/^QEMU emulator version 10\.0\.2 /);
  });

  test('-netdev help: the same eleven backends', () => {
    const seven = parseNetdevHelp(run72(['-netdev', 'help']).out);
    expect(seven).toEqual([
      'socket',
      'stream',
      'dgram',
      'hubport',
      'tap',
      'user',
      'l2tpv3',
      'vde',
      'bridge',
      'vhost-user',
      'vhost-vdpa',
    ]);
    expect(parseNetdevHelp(run10(['-netdev', 'help']).out)).toEqual(seven);
  });

  test('-nic help: 7.2 refuses it; 10.0 lists the backends and every NIC model', () => {
    const seven = run72(['-display', 'none', '-nic', 'help']);
    expect(seven.status).toBe(1);
    expect(seven.err).toContain("-nic help: Parameter 'type' does not accept value 'help'");
    const ten = run10(['-display', 'none', '-nic', 'help']);
    expect(ten.status).toBe(0);
    expect(ten.out).toContain('Available netdev backend types:');
    expect(ten.out).toContain('Available NIC models (use -nic model=help for a filtered list):');
  });

  test('-M q35 -nic model=help: the header, the default model with its alias, pvrdma gone, igb and ne2k_isa new', () => {
    const seven = models('7.2', 'q35');
    const ten = models('10.0', 'q35');
    expect(seven.header).toBe('Supported NIC models:');
    expect(ten.header).toBe('Available NIC models for this configuration:');
    expect(seven.text).toMatch(/^virtio-net-pci$/m);
    expect(ten.text).toMatch(/^virtio-net-pci \(aka virtio\)$/m);
    expect(seven.list).toContain('pvrdma');
    expect(ten.list).not.toContain('pvrdma');
    for (const m of ['igb', 'ne2k_isa']) {
      expect(seven.list).not.toContain(m);
      expect(ten.list).toContain(m);
    }
  });

  test("-M isapc -nic model=help: 10.0 lists only the board's ISA card, 7.2 the PCI cards a PC without PCI cannot take", () => {
    expect(models('10.0', 'isapc').list).toEqual(['ne2k_isa']);
    const seven = models('7.2', 'isapc').list;
    expect(seven).toContain('e1000');
    expect(seven).not.toContain('ne2k_isa');
  });

  test('a stream client that retries: 7.2 knows neither reconnect nor reconnect-ms; 10.0 takes both', () => {
    const sock = join(dir, 'none.sock');
    for (const retry of ['reconnect=1', 'reconnect-ms=1000']) {
      const args = [
        '-display',
        'none',
        '-nodefaults',
        '-M',
        'none',
        '-netdev',
        `stream,id=s,server=off,addr.type=unix,addr.path=${sock},${retry}`,
        // Parsed and created, then QEMU quits: no guest runs.
        '-S',
        '-qmp',
        'stdio',
      ];
      const seven = run72(args);
      expect(seven.status).toBe(1);
      expect(seven.err).toContain(`Parameter '${retry.split('=')[0]}' is unexpected`);
      const ten = run10(args, '{"execute":"qmp_capabilities"}\n{"execute":"quit"}\n');
      expect(ten.status, ten.err).toBe(0);
      expect(ten.err).not.toContain('unexpected');
    }
  });

  test("modules: without QEMU_MODULE_DIR 10.0 looks in the system's (7.2's) module directory and finds none of its own", () => {
    const bare = run(install.binaries.x86_64!, ['-display', 'none', '-device', 'usb-host,help']);
    expect(bare.err).toContain("Device 'usb-host' not found");
    const own = run10(['-display', 'none', '-device', 'usb-host,help']);
    expect(own.status).toBe(0);
    expect(own.out).toContain('usb-host options:');
  });
});
