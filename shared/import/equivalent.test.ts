import { describe, expect, test } from 'vitest';
import { networkEquivalent } from './equivalent';

const argv = (s: string) => s.split(' ');
const eq = (a: string, b: string) => networkEquivalent(argv(a), argv(b)).equivalent;
const Q = 'qemu-system-x86_64';

describe('networkEquivalent: what it ignores', () => {
  test('ids, order, and the -nic / -netdev+-device / -net forms', () => {
    expect(
      eq(
        `${Q} -nic user,model=e1000,mac=52:54:00:00:00:01`,
        `${Q} -device e1000,netdev=zz,mac=52:54:00:00:00:01,id=q -netdev user,id=zz`,
      ),
    ).toBe(true);
    expect(
      eq(
        `${Q} -net nic,model=e1000,macaddr=52:54:00:00:00:01 -net user`,
        `${Q} -netdev user,id=a -device e1000,netdev=a,mac=52:54:00:00:00:01`,
      ),
    ).toBe(true);
    // JSON is key=value; booleans are spelled many ways.
    expect(
      eq(
        `${Q} -netdev {"type":"user","id":"h","restrict":true} -device {"driver":"e1000","netdev":"h","csum":false}`,
        `${Q} -netdev user,id=u,restrict=yes -device e1000,netdev=u,csum=off`,
      ),
    ).toBe(true);
  });
  test('the virtio-net alias and a missing model resolve per machine; a MAC left to QEMU matches any', () => {
    expect(
      eq(
        `${Q} -netdev user,id=u -device virtio-net,netdev=u`,
        `${Q} -netdev user,id=u -device virtio-net-pci,netdev=u,mac=52:54:00:aa:bb:cc`,
      ),
    ).toBe(true);
    expect(eq(`${Q} -nic user`, `${Q} -machine pc -nic user,model=e1000`)).toBe(true);
    expect(eq(`${Q} -M q35 -nic user`, `${Q} -M q35 -nic user,model=e1000e`)).toBe(true);
  });
  test('what a lab cannot reproduce: tap scripts and descriptors, a kernel-picked tap name, the helper path', () => {
    expect(
      eq(
        `${Q} -netdev tap,id=t,fds=3:4,vhostfds=5:6 -device virtio-net-pci,netdev=t`,
        `${Q} -netdev tap,id=t,ifname=qn1,script=no,downscript=no,vhost=on,queues=2 -device virtio-net-pci,netdev=t`,
      ),
    ).toBe(true);
    expect(
      eq(
        `${Q} -netdev bridge,id=b -device e1000,netdev=b`,
        `${Q} -netdev bridge,id=b,br=br0,helper=/x/helper -device e1000,netdev=b`,
      ),
    ).toBe(true);
  });
  test('a hub of one NIC and one backend is the direct peering; QEMU defaults written out', () => {
    expect(
      eq(
        `${Q} -netdev user,id=u -netdev hubport,id=h0,hubid=3,netdev=u -netdev hubport,id=h1,hubid=3 -device e1000,netdev=h1`,
        `${Q} -netdev user,id=u -device e1000,netdev=u`,
      ),
    ).toBe(true);
    expect(
      eq(
        `${Q} -netdev stream,id=s,addr.type=unix,addr.path=/s,reconnect=2 -device e1000,netdev=s`,
        `${Q} -netdev stream,id=s,server=off,addr.type=unix,addr.path=/s,reconnect-ms=2000 -device e1000,netdev=s`,
      ),
    ).toBe(true);
    expect(
      eq(
        `${Q} -netdev user,id=u,ipv6=off,hostfwd=::2222-:22 -device e1000,netdev=u`,
        `${Q} -netdev user,id=u,ipv4=on,ipv6=off,hostfwd=tcp:0.0.0.0:2222-:22 -device e1000,netdev=u`,
      ),
    ).toBe(true);
  });
});

describe('networkEquivalent: what it catches', () => {
  const base = `${Q} -netdev user,id=u,hostfwd=tcp:127.0.0.1:2222-:22 -device e1000,netdev=u,mac=52:54:00:00:00:01`;
  test.each([
    [
      'another MAC',
      `${Q} -netdev user,id=u,hostfwd=tcp:127.0.0.1:2222-:22 -device e1000,netdev=u,mac=52:54:00:00:00:02`,
    ],
    [
      'another model',
      `${Q} -netdev user,id=u,hostfwd=tcp:127.0.0.1:2222-:22 -device rtl8139,netdev=u,mac=52:54:00:00:00:01`,
    ],
    [
      'another option',
      `${Q} -netdev user,id=u,hostfwd=tcp:127.0.0.1:2223-:22 -device e1000,netdev=u,mac=52:54:00:00:00:01`,
    ],
    ['another backend', `${Q} -netdev socket,id=u,listen=:2222 -device e1000,netdev=u,mac=52:54:00:00:00:01`],
    ['a NIC more', `${base} -device e1000`],
    [
      'a device property more',
      `${Q} -netdev user,id=u,hostfwd=tcp:127.0.0.1:2222-:22 -device e1000,netdev=u,mac=52:54:00:00:00:01,romfile=`,
    ],
    ['no peer', `${Q} -netdev user,id=u,hostfwd=tcp:127.0.0.1:2222-:22 -device e1000,mac=52:54:00:00:00:01`],
  ])('%s', (_, other) => {
    const r = networkEquivalent(argv(base), argv(other));
    expect(r.equivalent).toBe(false);
    expect(r.differences.length).toBeGreaterThan(0);
  });
  test('NICs on a hub are not the same NICs on separate backends', () => {
    expect(eq(`${Q} -net nic -net nic -net user`, `${Q} -nic user -nic user`)).toBe(false);
  });
});
