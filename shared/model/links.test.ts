import { describe, expect, it } from 'vitest';
import { linkRule, PORT_RULES } from './links';
import { NODE_KINDS, type NodeKind } from './schema';

const ALLOWED: [NodeKind, NodeKind, string][] = [
  ['vm', 'bridge', 'vm-bridge'],
  ['vm', 'tap', 'vm-tap'],
  ['tap', 'bridge', 'tap-bridge'],
  ['vm', 'vm', 'vm-vm'],
  ['vm', 'hub', 'vm-hub'],
  ['hub', 'nat', 'hub-backend'],
  ['hub', 'vde', 'hub-backend'],
  ['hub', 'tap', 'hub-backend'],
  ['hub', 'bridge', 'hub-backend'],
  ['hub', 'mcast', 'hub-backend'],
  ['hub', 'l2tpv3', 'hub-backend'],
  ['hub', 'vhost-user', 'hub-backend'],
  ['hub', 'vdpa', 'hub-backend'],
  ['hub', 'netdev', 'hub-backend'],
  ['vm', 'vde', 'vm-vde'],
  ['vm', 'nat', 'vm-nat'],
  ['vm', 'mcast', 'vm-mcast'],
  ['vm', 'l2tpv3', 'vm-l2tpv3'],
  ['vm', 'vhost-user', 'vm-vhost-user'],
  ['vm', 'vdpa', 'vm-vdpa'],
  ['vm', 'netdev', 'vm-netdev'],
  ['vm', 'testpmd', 'vm-testpmd'],
  ['bridge', 'host', 'bridge-uplink'],
  ['uml', 'mcast', 'uml-mcast'],
  ['uml', 'vde', 'uml-vde'],
  ['uml', 'bridge', 'uml-bridge'],
];

describe('linkRule', () => {
  it.each(ALLOWED)('allows %s - %s as %s, in both orders', (a, b, realization) => {
    expect(linkRule(a, b)).toEqual({ ok: true, realization });
    expect(linkRule(b, a)).toEqual({ ok: true, realization });
  });

  it('refuses every other pair with a sentence', () => {
    const allowed = new Set(ALLOWED.flatMap(([a, b]) => [`${a}/${b}`, `${b}/${a}`]));
    let refused = 0;
    for (const a of NODE_KINDS)
      for (const b of NODE_KINDS) {
        const r = linkRule(a, b);
        expect(r.ok).toBe(allowed.has(`${a}/${b}`));
        if (!r.ok) {
          refused++;
          expect(r.reason.length).toBeGreaterThan(20);
          expect(linkRule(b, a).ok).toBe(false);
        }
      }
    expect(refused).toBe(NODE_KINDS.length ** 2 - allowed.size);
  });

  it('says what to do for the common mistakes', () => {
    expect(linkRule('bridge', 'bridge')).toEqual({
      ok: false,
      reason: 'two bridges cannot be linked directly: put a VM or tap between them',
    });
    expect(linkRule('vm', 'host')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('link the VM to a bridge'),
    });
    expect(linkRule('nat', 'vde')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('through a VM or a hub'),
    });
    expect(linkRule('uml', 'vm')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('link both to one multicast segment'),
    });
    expect(linkRule('hub', 'uml')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('joins multicast segments, VDE switches and bridges only, not a hub'),
    });
  });
});

describe('PORT_RULES', () => {
  it('names ports on VMs and hosts only; single-link backends take one link', () => {
    expect(PORT_RULES.vm).toMatchObject({ ports: 'required', maxLinks: 1 });
    expect(PORT_RULES.host).toMatchObject({ ports: 'required', maxLinks: 1 });
    for (const k of ['l2tpv3', 'vhost-user', 'vdpa'] as const)
      expect(PORT_RULES[k]).toEqual({ ports: 'none', maxLinks: 1 });
    for (const k of ['bridge', 'hub', 'vde', 'nat', 'mcast', 'testpmd'] as const)
      expect(PORT_RULES[k]).toEqual({ ports: 'none', maxLinks: null });
    expect(PORT_RULES.tap).toEqual({ ports: 'none', maxLinks: 2 });
  });
});
