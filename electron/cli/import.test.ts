import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTopology } from '../../shared/model';
import { importCommand } from './cmd-import';
import { buildCli, qnet as runQnet } from '../testkit/qnetCli';

// Runs the real bundled CLI (bin/qnet.js → dist/qnet.mjs) on the corpus of real command lines.
const root = join(import.meta.dirname, '../..');
const corpus = join(root, 'shared/import/fixtures/qemu-cmdlines');
let tmp = '';

function qnet(args: string[], input?: string) {
  return runQnet(['import', ...args, '--qemu-version', '10.1', '--privilege', 'root'], {
    env: { QNET_STATE_DIR: '/run/qnet-test' },
    ...(input === undefined ? {} : { input }),
  });
}

beforeAll(() => {
  buildCli();
  tmp = mkdtempSync(join(tmpdir(), 'qnet-import-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('qnet import', () => {
  it('writes the topology of a script and prints each diagnostic at its line and column', () => {
    const out = join(tmp, 'pair.qnet.yaml');
    const r = qnet([join(corpus, 'qemu-doc-netdev-socket-listen-connect-2vms.args'), '-o', out]);
    expect(r.code).toBe(0);
    expect(r.err).toContain('qemu-doc-netdev-socket-listen-connect-2vms.args:2:20: info IMPORT_KEPT: vm1 keeps');
    expect(r.err).toMatch(/pair\.qnet\.yaml: warning LINK_ALL_INTERFACES/);
    expect(r.err).toContain('2 VMs, 2 nodes, 1 link; import: 0 errors');
    const loaded = loadTopology(readFileSync(out, 'utf8'));
    expect(loaded.ok && loaded.topology.links).toMatchObject([
      { a: 'vm1:eth0', b: 'vm2:eth0', transport: 'socket', port: 1234 },
    ]);
  });
  it('reads standard input and prints the topology; errors make the exit status 1 and say the drawing is partial', () => {
    const r = qnet(['-'], 'qemu-system-x86_64 -netdev user,id=u \\\n  -device e1000,netdev=nope\n');
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      '<stdin>:2:17: error IMPORT_NETDEV_UNKNOWN: vm1: netdev=nope names no -netdev of this command line',
    );
    expect(r.err).toContain('(the drawing is partial)');
    expect(r.out).toMatch(/^version: 2\nname: imported\n/);
  });
  it('says why when nothing can be imported, with no stack trace', () => {
    const none = qnet(['-'], 'echo hello\n');
    expect(none.code).toBe(1);
    expect(none.err).toContain('<stdin>:1:1: error IMPORT_NO_QEMU');
    expect(none.out).toBe('');
    const dir = qnet([tmp]);
    expect(dir.code).toBe(1);
    expect(dir.err).toMatch(/is a directory/);
    expect(dir.err).not.toMatch(/\n\s+at /);
  });
  it('never writes through a symbolic link planted at the output', () => {
    const link = join(tmp, 'planted.qnet.yaml');
    symlinkSync(join(tmp, 'victim'), link);
    const r = qnet([join(corpus, 'qemu-doc-nic-vde.args'), '-o', link]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('is a symbolic link');
  });
  it('turns every corpus file into a topology that loads, or says why not', async () => {
    for (const f of readdirSync(corpus).filter((x) => x.endsWith('.args'))) {
      const out = join(tmp, `${f}.qnet.yaml`);
      // In process (the command itself, not the bundle) to keep this quick; the cases above run the bundle.
      const r = { err: '', out: '', code: 0 };
      r.code = await importCommand([join(corpus, f), '-o', out, '--qemu-version', '10.1', '--privilege', 'root'], {
        out: (t) => (r.out += t),
        err: (t) => (r.err += t),
      });
      expect(r.err, f).toMatch(/: \d+ VMs?, \d+ nodes?, \d+ links?; import: /);
      expect(loadTopology(readFileSync(out, 'utf8')).ok, f).toBe(true);
      // Exit 1 only with an error diagnostic printed.
      if (r.code !== 0) expect(r.err, f).toMatch(/: error [A-Z_]+:/);
    }
  });
});
