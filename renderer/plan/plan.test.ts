import { describe, expect, it } from 'vitest';
import { compile, DEFAULT_TARGET } from '../../shared/compiler';
import { loadTopology } from '../../shared/model';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { linkLabels } from './linkLabels';
import { backend, backendLabel } from '../../shared/compiler/backend';
import { pageTarget } from './target';
import { machinePairs } from '../../shared/compiler/machine';
import { hostProbe } from '../../shared/compiler/testkit';
import { errorCount, setupText, teardownText } from './commandText';
import { shellLine } from '../../shared/emit';

const root = join(import.meta.dirname, '../..');
function example(name: string) {
  const r = loadTopology(readFileSync(join(root, 'assets/examples', name), 'utf8'), name);
  if (!r.ok) throw new Error('bad example');
  return r.topology;
}

describe("the page's target", () => {
  it('keeps the NIC models of the pairs the topology uses, keys in the CLI order', () => {
    const t = example('09-aarch64-virt.qnet.yaml');
    expect(machinePairs(t)).toEqual(['aarch64/virt']);
    const probe = hostProbe({ nicModels: { 'x86_64/q35': ['e1000'], 'aarch64/virt': ['virtio-net-device'] } });
    const target = compile(t, pageTarget({ probe, options: {} })).target;
    expect(target.nicModels).toEqual({ 'aarch64/virt': ['virtio-net-device'] });
    expect(Object.keys(target).slice(-2)).toEqual(['nicModels', 'vhostNet']);
  });
  it('has no nicModels when the CLI would not probe them (--qemu-version, no QEMU)', () => {
    const probe = hostProbe({ nicModels: { 'x86_64/q35': ['e1000'] } });
    expect('nicModels' in pageTarget({ probe, options: { qemuVersion: { major: 7, minor: 2 } } })).toBe(false);
    expect('nicModels' in pageTarget({ probe: { ...probe, qemu: {} }, options: {} })).toBe(false);
  });
});

describe('linkLabels', () => {
  it('reads how each link is realized from the compiled argv', () => {
    for (const [file, want] of [
      ['02-tap-bridge.qnet.yaml', /^tap qn/],
      ['05-socket-pair.qnet.yaml', /^socket (listen|connect)$/],
      ['06-mcast-bus.qnet.yaml', /^mcast 230\.0\.0\.6:1234$/],
      ['07-hub-nat-uplink.qnet.yaml', /^hubport$/],
    ] as const) {
      const t = example(file);
      const labels = [...linkLabels(t, compile(t, DEFAULT_TARGET)).values()];
      expect(labels.length, file).toBeGreaterThan(0);
      expect(
        labels.some((l) => want.test(l)),
        `${file}: ${labels.join(', ')}`,
      ).toBe(true);
    }
  });
  it('names netdev types', () => {
    expect(
      backendLabel(
        backend('stream', [
          ['server', 'on'],
          ['addr.type', 'unix'],
          ['addr.path', '/x'],
        ]),
      ),
    ).toBe('stream');
    expect(backendLabel(backend('socket', [['mcast', '230.0.0.1:1234']]))).toBe('mcast 230.0.0.1:1234');
    expect(
      backendLabel(
        backend('tap', [
          ['ifname', 'qn1a03'],
          ['script', 'no'],
        ]),
      ),
    ).toBe('tap qn1a03');
  });
});

describe('target options', () => {
  const probed = { probe: hostProbe(), options: {} };
  it('override privilege, isolation and state dir in place, keeping the key order', () => {
    const plain = pageTarget(probed);
    const over = pageTarget(probed, { privilege: 'user', isolation: 'netns', stateDir: '/run/user/1000/qn' });
    expect(Object.keys(over)).toEqual(Object.keys(plain));
    expect(over).toMatchObject({ privilege: 'user', isolation: 'netns', stateDir: '/run/user/1000/qn' });
  });
  it('a user privilege on the tap-bridge example raises ROOT_REQUIRED', () => {
    const t = example('02-tap-bridge.qnet.yaml');
    const plan = compile(t, pageTarget(probed, { privilege: 'user' }));
    expect(plan.diagnostics.find((d) => d.code === 'ROOT_REQUIRED')?.fix?.action).toEqual({
      kind: 'set-target',
      field: 'privilege',
      value: 'root',
    });
  });
});

describe('commandText', () => {
  it('setup lines in order, teardown lines in reverse with only the steps that have an undo', () => {
    const t = example('02-tap-bridge.qnet.yaml');
    const plan = compile(t, DEFAULT_TARGET);
    const setup = setupText(plan).trimEnd().split('\n');
    expect(setup).toHaveLength(plan.hostSteps.length);
    expect(setup[0]).toBe(shellLine(plan.hostSteps[0]!.argv));
    const down = teardownText(plan).trimEnd().split('\n');
    const undos = plan.hostSteps.filter((s) => s.undo);
    expect(down).toHaveLength(undos.length);
    expect(down[0]).toBe(shellLine(undos[undos.length - 1]!.undo!));
    expect(errorCount(plan)).toBe(0);
  });
});
