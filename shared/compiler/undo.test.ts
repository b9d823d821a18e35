import { describe, expect, it } from 'vitest';
import { compile } from './index';
import { netnsName } from './derive';
import { target, topo } from './testkit';
import { undoMismatch, type RecordedUndo } from './undo';

// Every kind of step with an undo: bridges (a derived and a chosen name) with NAT and an uplink, a tap node, the
// taps made for VM-to-bridge links, the ifb of a shaped link, and (netns) the namespace.
const lab = topo({
  name: 'undo-lab',
  nodes: [
    { id: 'a', kind: 'vm', nics: [{ id: 'eth0' }, { id: 'eth1' }] },
    { id: 'lan', kind: 'bridge', address: '10.9.0.254/24', nat: true },
    { id: 'br0', kind: 'bridge', ifname: 'br0' },
    { id: 't', kind: 'tap', ifname: 'tapx' },
    { id: 'h', kind: 'host', interfaces: [{ name: 'eth9' }] },
  ],
  links: [
    { a: 'a:eth0', b: 'lan', shaping: { rate: '1mbit' } },
    { a: 'a:eth1', b: 't' },
    { a: 't', b: 'br0' },
    { a: 'h:eth9', b: 'lan' },
  ],
});

const recorded =
  (netns: string | null) =>
  (s: { id: string; undo: readonly string[] | null; needsRoot: boolean; inNetns: boolean }): RecordedUndo => ({
    step: s.id,
    undo: s.undo ?? [],
    needsRoot: s.needsRoot,
    netns: s.inNetns ? netns : null,
  });

describe('undoMismatch: an undo read back from a journal is one the compiler writes', () => {
  it.each(['host', 'netns'] as const)('accepts every undo the compiler writes (%s)', (isolation) => {
    const plan = compile(lab, target({ isolation, stateDir: '/run/qnet' }));
    const undos = plan.hostSteps.filter((s) => s.undo !== null);
    const shapes = new Set(undos.map((s) => s.id.replace(/-.*$/, '')));
    expect([...shapes].sort()).toEqual(
      isolation === 'netns' ? ['bridge', 'ifb', 'nat', 'netns', 'tap'] : ['bridge', 'ifb', 'nat', 'tap', 'uplink'],
    );
    for (const s of undos) expect(undoMismatch(recorded(plan.netns)(s), plan.lab, plan.netns), s.id).toBeNull();
  });

  it("refuses any other command, another lab's names, a wrong namespace or a user-run undo, saying why", () => {
    const plan = compile(lab, target({ isolation: 'netns', stateDir: '/run/qnet' }));
    const ns = plan.netns!;
    const ok = (over: Partial<RecordedUndo>): RecordedUndo => ({
      step: 'bridge-lan',
      undo: ['ip', 'link', 'del', 'qnb1'],
      needsRoot: true,
      netns: ns,
      ...over,
    });
    const cases: [RecordedUndo, string | null, RegExp][] = [
      [ok({ undo: ['sh', '-c', 'touch /tmp/pwned'] }), ns, /undone by ip link del NAME, not by sh -c touch/],
      [ok({ step: 'cmd', undo: ['touch', '/tmp/pwned'] }), ns, /no step of the compiler is called "cmd"/],
      [ok({ undo: ['ip', 'link', 'del', '-force'] }), ns, /not an interface name/],
      [ok({ undo: ['ip', 'link', 'del', 'a/b'] }), ns, /not an interface name/],
      [
        ok({ undo: ['ip', 'link', 'del', 'qnb1', 'extra'] }),
        ns,
        /undone by ip link del NAME, not by ip link del qnb1 extra/,
      ],
      [ok({ step: 'netns', undo: ['ip', 'netns', 'del', 'qn-other'], netns: null }), ns, /undone by ip netns del/],
      [
        ok({ step: 'nat-table', undo: ['nft', 'delete', 'table', 'ip', 'qnet_other'], netns: null }),
        null,
        /undone by nft delete table ip qnet_undo_lab/,
      ],
      [
        ok({ step: 'uplink-lan-eth9', undo: ['ip', 'link', 'set', 'eth0', 'nomaster'], netns: null }),
        null,
        /does not take "eth0"/,
      ],
      [ok({ netns: 'qn-else' }), ns, /runs in namespace qn-else/],
      [ok({}), 'qn-else', /not lab undo-lab's/],
      [ok({ needsRoot: false }), ns, /runs as root/],
    ];
    for (const [r, labNetns, why] of cases) expect(undoMismatch(r, plan.lab, labNetns), JSON.stringify(r)).toMatch(why);
    expect(undoMismatch(ok({}), plan.lab, ns)).toBeNull();
    expect(netnsName(plan.lab)).toBe(ns);
  });
});
