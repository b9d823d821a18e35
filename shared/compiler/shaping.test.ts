import { describe, expect, it } from 'vitest';
import { emitScripts } from '../emit';
import { compile } from './index';
import { describeShaping, rateBits, shapingArgv } from './shaping';
import { assembleTarget } from './target';
import { hostProbe, target, topo } from './testkit';

const onBridge = (shaping: Record<string, unknown>, extra: object = {}) =>
  topo({
    nodes: [
      { id: 'a', kind: 'vm', nics: [{ id: 'eth0' }, { id: 'eth1' }] },
      { id: 'b', kind: 'vm', nics: [{ id: 'eth0' }, { id: 'eth1' }] },
      { id: 'br', kind: 'bridge' },
    ],
    links: [
      { id: 'al', a: 'a:eth0', b: 'br', shaping },
      { id: 'bl', a: 'b:eth0', b: 'br' },
      { id: 'direct', a: 'a:eth1', b: 'b:eth1' },
    ],
    ...extra,
  });

/** The plan's shaping diagnostics (the test topologies have no tiny guest built, which is said too). */
const codes = (p: ReturnType<typeof compile>) =>
  p.diagnostics.map((d) => d.code).filter((c) => c === 'SHAPING_NOT_TAP' || c === 'NETEM_MISSING');

describe('shapingArgv', () => {
  it('a rate alone is a token bucket of 10 ms of the rate, never under two frames', () => {
    expect(shapingArgv('qn1', { rate: '1mbit' })).toEqual([
      'tc',
      'qdisc',
      'replace',
      'dev',
      'qn1',
      'root',
      'tbf',
      'rate',
      '1mbit',
      'burst',
      '3028',
      'latency',
      '100ms',
    ]);
    expect(shapingArgv('qn1', { rate: '10gbit' })[10]).toBe(String(10e9 / 8 / 100));
  });

  it('impairments are one netem qdisc that also takes the rate; nothing set takes the root qdisc off', () => {
    expect(shapingArgv('qn1', { delay: '20ms', jitter: '5ms', loss: 1, duplicate: 0.5, rate: '2mbit' })).toEqual(
      'tc qdisc replace dev qn1 root netem delay 20ms 5ms loss 1% duplicate 0.5% rate 2mbit'.split(' '),
    );
    expect(shapingArgv('qn1', { jitter: '5ms' })).toEqual(
      'tc qdisc replace dev qn1 root netem delay 0ms 5ms'.split(' '),
    );
    expect(shapingArgv('qn1', {})).toEqual('tc qdisc del dev qn1 root'.split(' '));
  });

  it('says itself in one line, and reads tc rates in bits per second', () => {
    expect(describeShaping({ rate: '1mbit', delay: '20ms', jitter: '5ms', loss: 2 })).toBe(
      'rate 1mbit, delay 20ms ± 5ms, loss 2%',
    );
    expect([rateBits('512kbit'), rateBits('1.5mbit'), rateBits('100bit')]).toEqual([512_000, 1_500_000, 100]);
  });
});

describe('a shaped link in the plan', () => {
  it('a guest NIC on a bridge: tc on its tap (toward the guest) and on an ifb fed by its ingress (from it)', () => {
    const plan = compile(onBridge({ rate: '1mbit' }), target({ isolation: 'netns' }));
    expect(codes(plan)).toEqual([]);
    const nic = plan.vms.find((v) => v.node === 'a')!.nics[0]!;
    expect(nic).toMatchObject({ link: 'al', shaping: { rate: '1mbit' } });
    const { tap, ifb } = nic as { tap: string; ifb: string };
    expect(ifb).toMatch(/^qi[0-9a-z]{6}$/);
    const ids = plan.hostSteps.map((s) => s.id);
    const shaping = ['ifb-al', 'ifb-al-up', 'shape-al-ingress', 'shape-al-redirect', 'shape-al', 'shape-al-ifb'];
    // After every tap is made (the redirect names the tap), in this order, one after the other.
    const first = ids.indexOf('ifb-al');
    expect(ids.slice(first, first + shaping.length)).toEqual(shaping);
    expect(first).toBeGreaterThan(ids.indexOf('tap-bl-up'));
    const step = (id: string) => plan.hostSteps.find((s) => s.id === id)!;
    expect(step('ifb-al')).toMatchObject({
      argv: ['ip', 'link', 'add', ifb, 'type', 'ifb'],
      undo: ['ip', 'link', 'del', ifb],
      creates: { kind: 'ifb', name: ifb },
      inNetns: true,
    });
    for (const id of shaping.slice(1)) expect(step(id)).toMatchObject({ inNetns: true, needsRoot: true, undo: null });
    expect(step('shape-al').argv).toEqual(shapingArgv(tap, { rate: '1mbit' }));
    expect(step('shape-al-ifb').argv).toEqual(shapingArgv(ifb, { rate: '1mbit' }));
    expect(step('shape-al').description).toBe(`Shape link al toward its guest on tap ${tap}: rate 1mbit`);
    expect(step('shape-al-ifb').description).toBe(`Shape link al from its guest on ifb ${ifb}: rate 1mbit`);
    expect(plan.needs.programs.map((p) => p.program)).toContain('tc');
    const scripts = emitScripts(plan);
    const up = scripts.ok ? scripts.files.find((f) => f.path === 'up.sh')?.content : undefined;
    for (const line of [
      `ip link add ${ifb} type ifb`,
      `tc qdisc add dev ${tap} ingress`,
      `tc filter add dev ${tap} parent ffff: protocol all u32 match u32 0 0 action mirred egress redirect dev ${ifb}`,
      `tc qdisc replace dev ${tap} root tbf rate 1mbit burst 3028 latency 100ms`,
      `tc qdisc replace dev ${ifb} root tbf rate 1mbit burst 3028 latency 100ms`,
    ])
      expect(up).toContain(line);
    // Its unshaped neighbour has a tap and an ifb name (for a live change) but no shaping and no ifb made; the
    // direct link has neither.
    const b = plan.vms.find((v) => v.node === 'b')!.nics[0]!;
    expect(b).not.toHaveProperty('shaping');
    expect(b.ifb).toMatch(/^qi/);
    expect(b.ifb).not.toBe(ifb);
    expect(ids.filter((id) => id.startsWith('ifb-') || id.startsWith('shape-'))).toEqual(shaping);
    expect(plan.vms.find((v) => v.node === 'a')!.nics[1]).not.toHaveProperty('tap');
    expect(plan.vms.find((v) => v.node === 'a')!.nics[1]).not.toHaveProperty('ifb');
  });

  it('in a user namespace the step needs no root', () => {
    const plan = compile(onBridge({ rate: '1mbit' }), target({ isolation: 'userns' }));
    for (const id of ['ifb-al', 'shape-al', 'shape-al-redirect', 'shape-al-ifb'])
      expect(plan.hostSteps.find((s) => s.id === id)).toMatchObject({ needsRoot: false, inNetns: true });
  });

  it('a link with no tap of the lab’s says shaping is unavailable and why, pointing at the field', () => {
    const direct = topo({
      nodes: [
        { id: 'a', kind: 'vm', nics: [{ id: 'eth0' }] },
        { id: 'b', kind: 'vm', nics: [{ id: 'eth0' }] },
      ],
      links: [{ id: 'w', a: 'a:eth0', b: 'b:eth0', shaping: { rate: '1mbit' } }],
    });
    const d = compile(direct, target()).diagnostics.find((x) => x.code === 'SHAPING_NOT_TAP')!;
    expect(d).toMatchObject({ severity: 'error', links: ['w'], path: ['links', 0, 'shaping'] });
    expect(d.message).toContain('it is not realized as a tap');
    expect(d.fix?.action).toEqual({ kind: 'set-field', node: 'w', on: 'link', path: ['shaping'], value: undefined });

    const helper = compile(onBridge({ rate: '1mbit' }), target({ privilege: 'helper', isolation: 'host' }));
    expect(helper.diagnostics.find((x) => x.code === 'SHAPING_NOT_TAP')?.message).toContain('qemu-bridge-helper');
    expect(helper.hostSteps.map((s) => s.id).filter((id) => /^(shape|ifb)-/.test(id))).toEqual([]);
  });

  it('a guest NIC on a tap node: shaped on that tap both ways; the tap node’s bridge link is refused, naming it', () => {
    const onTapNode = (shaping: Record<string, unknown> | undefined, bridgeShaping?: Record<string, unknown>) =>
      topo({
        nodes: [
          { id: 'a', kind: 'vm', nics: [{ id: 'eth0' }] },
          { id: 't', kind: 'tap', ifname: 'tapx' },
          { id: 'br', kind: 'bridge' },
        ],
        links: [
          { id: 'at', a: 'a:eth0', b: 't', ...(shaping ? { shaping } : {}) },
          { id: 'tb', a: 't', b: 'br', ...(bridgeShaping ? { shaping: bridgeShaping } : {}) },
        ],
      });
    for (const isolation of ['userns', 'netns', 'host'] as const) {
      const plan = compile(onTapNode({ rate: '2mbit' }), target({ isolation }));
      expect(codes(plan), isolation).toEqual([]);
      const nic = plan.vms[0]!.nics[0]!;
      expect(nic).toMatchObject({ link: 'at', tap: 'tapx', shaping: { rate: '2mbit' } });
      const argv = (id: string) => plan.hostSteps.find((s) => s.id === id)?.argv;
      expect(argv('shape-at')).toEqual(shapingArgv('tapx', { rate: '2mbit' }));
      expect(argv('shape-at-ifb')).toEqual(shapingArgv(nic.ifb!, { rate: '2mbit' }));
      expect(argv('shape-at-redirect')).toContain('tapx');
      // The tap node is made (and put on its bridge) before it is shaped.
      const ids = plan.hostSteps.map((s) => s.id);
      expect(ids.indexOf('ifb-at')).toBeGreaterThan(ids.indexOf('tap-t-up'));
    }
    // Unshaped: the NIC still names its tap and ifb, for a live change; no step is made.
    const plain = compile(onTapNode(undefined), target({ isolation: 'userns' }));
    expect(plain.vms[0]!.nics[0]).toMatchObject({ tap: 'tapx', ifb: expect.stringMatching(/^qi/) });
    expect(plain.hostSteps.map((s) => s.id).filter((id) => /^(shape|ifb)-/.test(id))).toEqual([]);

    const bridgeLink = compile(onTapNode(undefined, { rate: '1mbit' }), target({ isolation: 'userns' }));
    const d = bridgeLink.diagnostics.find((x) => x.code === 'SHAPING_NOT_TAP')!;
    expect(d).toMatchObject({ severity: 'error', links: ['tb'], path: ['links', 1, 'shaping'] });
    expect(d.message).toBe(
      'link tb: shaping is unavailable: tc shapes the tap of a link, and tap tapx of tap node t also carries link at to a: shape link at instead',
    );
  });

  it('a kernel without ifb: shaped toward the guest only, with a warning naming the modules; probe unknown is both ways', () => {
    const plan = compile(
      onBridge({ rate: '1mbit' }),
      assembleTarget(hostProbe({ ifb: false }), { isolation: 'userns' }),
    );
    const d = plan.diagnostics.find((x) => x.code === 'SHAPING_ONE_WAY')!;
    expect(d).toMatchObject({ severity: 'warning', links: ['al'], path: ['links', 0, 'shaping'] });
    expect(d.message).toContain('link al: only what reaches its guest is shaped');
    expect(d.message).toContain('modules ifb, cls_u32, act_mirred');
    const nic = plan.vms.find((v) => v.node === 'a')!.nics[0]!;
    expect(nic).toMatchObject({ tap: expect.stringMatching(/^qn/), shaping: { rate: '1mbit' } });
    expect(nic).not.toHaveProperty('ifb');
    expect(plan.hostSteps.map((s) => s.id).filter((id) => /^(shape|ifb)-/.test(id))).toEqual(['shape-al']);
    expect(plan.hostSteps.find((s) => s.id === 'shape-al')!.argv).toEqual(shapingArgv(nic.tap!, { rate: '1mbit' }));
    // An unshaped lab says nothing about it.
    expect(compile(onBridge({}), target({ ifb: false })).diagnostics.map((x) => x.code)).not.toContain(
      'SHAPING_ONE_WAY',
    );
    const unknown = compile(onBridge({ rate: '1mbit' }), assembleTarget(hostProbe({}), { isolation: 'userns' }));
    expect(unknown.diagnostics.map((x) => x.code)).not.toContain('SHAPING_ONE_WAY');
    expect(unknown.hostSteps.map((s) => s.id)).toContain('shape-al-ifb');
  });

  it('netem fields on a kernel without sch_netem are an error naming the module; unknown is assumed present', () => {
    const shaping = { rate: '1mbit', delay: '20ms', loss: 1 };
    const none = compile(onBridge(shaping), assembleTarget(hostProbe({ netem: false }), { isolation: 'netns' }));
    const d = none.diagnostics.find((x) => x.code === 'NETEM_MISSING')!;
    expect(d.severity).toBe('error');
    expect(d.message).toContain('link al: delay, loss need the kernel');
    expect(d.message).toContain('module sch_netem');
    expect(codes(compile(onBridge(shaping), target({ isolation: 'netns' })))).toEqual([]);
    expect(codes(compile(onBridge({ rate: '1mbit' }), target({ isolation: 'netns', netem: false })))).toEqual([]);
    // What the probe found about the kernel is the compile's input, not part of the plan.
    expect(none.target).not.toHaveProperty('netem');
  });
});
