import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './main';
import type { Io } from './usage';

// validate and compile in-process, for a fixed QEMU version (no probe).
function capture(): Io & { out_: () => string; err_: () => string } {
  let out = '';
  let err = '';
  return { out: (t) => void (out += t), err: (t) => void (err += t), out_: () => out, err_: () => err };
}

let dir = '';
let file = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'qnet-diag-'));
  file = join(dir, 'twice.qnet.yaml');
  writeFileSync(
    file,
    [
      'version: 1',
      'name: twice',
      'nodes:',
      '  - { id: a, kind: vm, nics: [{ id: e0 }] }',
      '  - { id: c, kind: vm, nics: [{ id: e0 }] }',
      '  - { id: d, kind: vm, nics: [{ id: e0 }] }',
      '  - { id: h, kind: hub }',
      'links:',
      '  - { a: a:e0, b: c:e0 }',
      '  - { a: d:e0, b: c:e0 }',
      '  - { a: c:e0, b: nowhere }',
      '',
    ].join('\n'),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('diagnostics carry their YAML line', () => {
  it("qnet validate prints file:line: for each diagnostic with a path (structural or the compiler's)", async () => {
    const io = capture();
    expect(await runCli(['validate', file, '--qemu-version', '7.2'], io)).toBe(1);
    const lines = io.err_().split('\n');
    expect(lines).toContain(
      `twice.qnet.yaml:10: error PORT_LINKED_TWICE: link d:e0 - c:e0: NIC "c:e0" is already used by link a:e0 - c:e0`,
    );
    expect(lines.find((l) => l.includes('LINK_DANGLING'))).toMatch(/^twice\.qnet\.yaml:11: error LINK_DANGLING: /);
    expect(lines.find((l) => l.includes('NIC_NO_PEER'))).toMatch(/^twice\.qnet\.yaml:6: warning NIC_NO_PEER: d:e0 /);
  });
  it('qnet compile prints them too, and --json adds line and column to them', async () => {
    const text = capture();
    expect(await runCli(['compile', file, '--qemu-version', '7.2'], text)).toBe(1);
    expect(text.err_()).toContain('twice.qnet.yaml:10: error PORT_LINKED_TWICE');
    const json = capture();
    expect(await runCli(['compile', file, '--qemu-version', '7.2', '--json'], json)).toBe(1);
    const plan = JSON.parse(json.out_()) as { diagnostics: { code: string; line?: number; column?: number }[] };
    expect(plan.diagnostics.find((d) => d.code === 'PORT_LINKED_TWICE')).toMatchObject({ line: 10, column: 19 });
    expect(plan.diagnostics.find((d) => d.code === 'NIC_NO_PEER')).toMatchObject({ line: 6 });
  });
});

describe('every diagnostic placed by its path', () => {
  it('in a file of an older format too: a layout entry of format 1 is found where format 1 writes it', async () => {
    const old = join(dir, 'old.qnet.yaml');
    writeFileSync(
      old,
      'version: 1\nname: old\nnodes:\n  - { id: a, kind: vm }\nlayout:\n  a: { x: 1, y: 2 }\n  ghost: { x: 3, y: 4 }\n',
    );
    const io = capture();
    expect(await runCli(['validate', old, '--qemu-version', '7.2'], io)).toBe(0);
    expect(io.err_()).toContain('old.qnet.yaml:7: warning LAYOUT_UNKNOWN_NODE');
  });
});

describe('fixes and privilege in the terminal', () => {
  it('prints each alternative fix after the first', async () => {
    const hub = join(dir, 'hub.qnet.yaml');
    writeFileSync(
      hub,
      'version: 1\nname: hubspan\nnodes:\n  - { id: a, kind: vm, nics: [{ id: e0 }] }\n  - { id: b, kind: vm, nics: [{ id: e0 }] }\n  - { id: h, kind: hub }\nlinks:\n  - { a: a:e0, b: h }\n  - { a: b:e0, b: h }\n',
    );
    const io = capture();
    expect(await runCli(['validate', hub, '--qemu-version', '7.2'], io)).toBe(1);
    expect(io.err_()).toContain(
      "error HUB_SPANS_VMS: h joins NICs of a, b: a QEMU hub lives inside one VM's process, so it cannot join several VMs\n  fix: Make h a VDE switch\n  or:  Make h a multicast segment\n",
    );
  });
  it('the external-bridge example needs helper, under root and under user, and user mode offers helper', async () => {
    const example = join(import.meta.dirname, '../../assets/examples/03-bridge-helper.qnet.yaml');
    const root = capture();
    expect(await runCli(['validate', example, '--qemu-version', '7.2'], root)).toBe(0);
    expect(root.out_()).toMatch(/needs privilege helper\n$/);
    const user = capture();
    expect(await runCli(['validate', example, '--qemu-version', '7.2', '--privilege', 'user'], user)).toBe(1);
    expect(user.err_()).toContain(
      'error ROOT_REQUIRED: this lab needs helper privilege but runs as user: bridge br through qemu-bridge-helper\n  fix: Allow helper privilege for this lab\n',
    );
    expect(user.err_()).toMatch(/needs privilege helper\n$/);
  });
});
