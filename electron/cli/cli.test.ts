import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, qnet as runQnet } from '../testkit/qnetCli';

// Runs the real bundled CLI (bin/qnet.js → dist/qnet.mjs) as a user would.
const root = join(import.meta.dirname, '../..');
const examples = readdirSync(join(root, 'assets/examples'))
  .filter((f) => f.endsWith('.qnet.yaml'))
  .sort();
let tmp = '';

function qnet(...args: string[]) {
  return runQnet(args, { env: { QNET_STATE_DIR: '/run/qnet-test' } });
}

beforeAll(() => {
  buildCli();
  tmp = mkdtempSync(join(tmpdir(), 'qnet-cli-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('qnet CLI', () => {
  it('has eleven examples', () => expect(examples).toHaveLength(11));

  it('prints usage with no command (exit 2) and with --help (exit 0)', () => {
    expect(qnet().code).toBe(2);
    const help = qnet('--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('validate FILE');
    const version = qnet('--version');
    expect(version.code).toBe(0);
    expect(version.out).toMatch(/^qnet \d+\.\d+\.\d+\n$/);
  });

  it.each(['validate', 'compile', 'export', 'schema'])('%s --help prints its usage', (cmd) => {
    const r = qnet(cmd, '--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^usage: qnet ${cmd}`));
  });

  it('refuses an unknown command and an unknown option with exit 2, on stderr', () => {
    const a = qnet('frobnicate');
    expect(a.code).toBe(2);
    expect(a.err).toContain('unknown command "frobnicate"');
    const b = qnet('compile', '--frob', 'x');
    expect(b.code).toBe(2);
    expect(b.err).toContain('--frob');
    expect(b.out).toBe('');
  });

  it.each(examples)('validates %s with no errors', (file) => {
    const r = qnet(
      'validate',
      `assets/examples/${file}`,
      ...(file.includes('helper') ? ['--privilege', 'helper'] : []),
    );
    expect(r.err).not.toMatch(/ error [A-Z_]+:/);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/: 0 errors,/);
  });

  it.each(examples)('compiles %s to JSON with a qemu argv per VM', (file) => {
    const r = qnet('compile', `assets/examples/${file}`, '--json', '--qemu-version', '7.2');
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.out);
    expect(plan.vms.length).toBeGreaterThan(0);
    for (const vm of plan.vms) {
      expect(vm.argv[0]).toMatch(/qemu-system-/);
      expect(vm.argv).toContain('-nodefaults');
    }
    for (const key of ['hostSteps', 'processes', 'diagnostics', 'privilege']) expect(plan).toHaveProperty(key);
  });

  it('without --isolation, compiles a lab for its own user namespace unless it reaches the host network, and says which', () => {
    const rootless = qnet('compile', 'assets/examples/02-tap-bridge.qnet.yaml', '--qemu-version', '7.2');
    expect(rootless.out).toContain('# this lab runs in a user + network namespace of its own, no root');
    expect(rootless.out).toContain('nsenter --preserve-credentials -t PID -U -n --');
    const json = (file: string) =>
      JSON.parse(qnet('compile', `assets/examples/${file}`, '--json', '--qemu-version', '7.2').out) as {
        target: { isolation: string };
        privilege: string;
      };
    expect(json('02-tap-bridge.qnet.yaml')).toMatchObject({ target: { isolation: 'userns' }, privilege: 'user' });
    expect(json('03-bridge-helper.qnet.yaml').target.isolation).toBe('host');
    const onHost = qnet('compile', 'assets/examples/03-bridge-helper.qnet.yaml', '--qemu-version', '7.2');
    expect(onHost.out).toContain("# this lab runs on the host's network, not in a namespace of its own: it reaches");
  });

  it.each(examples)('exports %s as up.sh and down.sh that bash parses', (file) => {
    const out = join(tmp, file);
    const r = qnet(
      'export',
      `assets/examples/${file}`,
      '-o',
      out,
      ...(file.includes('helper') ? ['--privilege', 'helper'] : []),
    );
    expect(r.err).not.toMatch(/ error [A-Z_]+:/);
    expect(r.code).toBe(0);
    for (const script of ['up.sh', 'down.sh']) {
      expect(statSync(join(out, script)).mode & 0o111).not.toBe(0);
      expect(spawnSync('bash', ['-n', join(out, script)]).status).toBe(0);
    }
  });

  it('names a missing file without a stack trace', () => {
    const r = qnet('validate', 'nope.qnet.yaml');
    expect(r.code).toBe(1);
    expect(r.err).toContain('cannot read nope.qnet.yaml: no such file');
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('names the node, field and line of a bad file, without a stack trace', () => {
    const bad = join(tmp, 'bad.qnet.yaml');
    writeFileSync(bad, 'version: 1\nname: bad\nnodes:\n  - id: r1\n    kind: vm\n    memory: 8\n');
    const r = qnet('validate', bad);
    expect(r.code).toBe(1);
    expect(r.err).toContain('bad.qnet.yaml:6');
    expect(r.err).toContain('r1');
    expect(r.err).toContain('memory');
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('exits 1 on a topology with errors and says which', () => {
    const hub = join(tmp, 'hub.qnet.yaml');
    writeFileSync(
      hub,
      [
        'version: 1',
        'name: hubspan',
        'nodes:',
        '  - { id: a, kind: vm, nics: [{ id: eth0 }] }',
        '  - { id: b, kind: vm, nics: [{ id: eth0 }] }',
        '  - { id: h, kind: hub }',
        'links:',
        '  - { a: a:eth0, b: h }',
        '  - { a: b:eth0, b: h }',
        '',
      ].join('\n'),
    );
    const v = qnet('validate', hub);
    expect(v.code).toBe(1);
    expect(v.err).toContain('HUB_SPANS_VMS');
    const e = qnet('export', hub, '-o', join(tmp, 'hub-out'));
    expect(e.code).toBe(1);
    expect(e.err).toContain('not exporting');
  });

  it('prints a JSON Schema', () => {
    const r = qnet('schema');
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.out);
    expect(schema.$schema).toMatch(/json-schema/);
    expect(JSON.stringify(schema)).toContain('vhost-user');
  });

  it('--accel decides what accel: auto VMs run on; a bad value is refused with exit 2', () => {
    const file = 'assets/examples/05-socket-pair.qnet.yaml';
    const accels = (...extra: string[]) => {
      const plan = JSON.parse(qnet('compile', file, '--json', '--qemu-version', '7.2', ...extra).out) as {
        vms: { argv: string[] }[];
      };
      return plan.vms.map((v) => v.argv[v.argv.indexOf('-accel') + 1]);
    };
    expect(accels()).toEqual(['tcg', 'tcg']);
    expect(accels('--accel', 'kvm')).toEqual(['kvm', 'kvm']);
    const bad = qnet('compile', file, '--accel', 'hvf');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--accel must be kvm or tcg (got "hvf")');
  });

  it('compile output is identical across runs (deterministic)', () => {
    const file = 'assets/examples/' + examples[0];
    const a = qnet('compile', file, '--json', '--qemu-version', '7.2').out;
    const b = qnet('compile', file, '--json', '--qemu-version', '7.2').out;
    expect(a).toBe(b);
    expect(readFileSync(join(root, file), 'utf8').length).toBeGreaterThan(0);
  });
});
