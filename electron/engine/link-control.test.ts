import { describe, expect, it } from 'vitest';
import { compile } from '../../shared/compiler/index';
import { target, topo } from '../../shared/compiler/testkit';
import { LinkCaptures } from './capture';
import { LinkControl, linkEnds } from './link-control';

const plan = compile(
  topo({
    name: 'ends',
    nodes: [
      { kind: 'vm', id: 'a', nics: [{ id: 'e0' }, { id: 'e1' }, { id: 'e2' }] },
      { kind: 'vm', id: 'b', nics: [{ id: 'e0' }] },
      { kind: 'bridge', id: 'br' },
      { kind: 'tap', id: 't' },
    ],
    links: [
      { id: 'p2p', a: 'a:e0', b: 'b:e0' },
      { id: 'lan', a: 'a:e1', b: 'br' },
      { id: 'uplink', a: 't', b: 'br' },
    ],
  }),
  target(),
);

describe('link control', () => {
  it('finds each link with a guest NIC and its netdevs from the plan: both ends of a VM-VM link, none unlinked', () => {
    expect(
      Object.fromEntries(
        [...linkEnds(plan)].map(([l, ends]) => [l, ends.map((e) => `${e.node}:${e.nic}=${e.netdev}`)]),
      ),
    ).toEqual({
      p2p: ['a:e0=net-e0', 'b:e0=net-e0'],
      lan: ['a:e1=net-e1'],
    });
  });

  it('refuses a link without a guest NIC by name, listing the ones it can act on; a guest not running is said', async () => {
    const c = new LinkControl('ends', plan, () => null);
    expect(await c.set('uplink', false)).toEqual({
      ok: false,
      error: {
        code: 'LINK_NOT_FOUND',
        message: 'lab ends has no link uplink with a guest NIC on it (links: p2p, lan)',
      },
    });
    expect(await c.set('p2p', false)).toEqual({
      ok: false,
      error: { code: 'NOT_RUNNING', message: 'a is not running, so link p2p cannot be set down' },
    });
    expect(c.statuses()).toEqual([
      { link: 'p2p', up: true },
      { link: 'lan', up: true },
    ]);
  });

  it('a capture needs a link with a guest NIC and a running guest on it; nothing is written otherwise', async () => {
    const c = new LinkCaptures('ends', plan, () => null);
    expect(await c.start('uplink')).toMatchObject({ ok: false, error: { code: 'LINK_NOT_FOUND' } });
    expect(await c.start('p2p')).toEqual({
      ok: false,
      error: { code: 'NOT_RUNNING', message: 'no guest on link p2p is running, so it cannot be captured' },
    });
    expect(await c.stop('p2p')).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    expect(c.links()).toEqual([]);
  });
});
