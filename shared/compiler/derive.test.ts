import { describe, expect, test } from 'vitest';
import {
  IdAllocator,
  IfnameAllocator,
  guestHostname,
  labSlug,
  labStateDir,
  netnsName,
  qemuIdent,
  utf8Bytes,
} from './derive';
import { PortAllocator } from './ports';

describe('derive', () => {
  test('lab slug lowercases and replaces odd characters', () => {
    expect(labSlug('My.Lab_1')).toBe('my-lab-1');
    expect(labSlug('---')).toMatch(/^lab-[a-z0-9]{6}$/);
  });
  test('state dir and netns', () => {
    expect(labStateDir('/tmp/qnet/', 'x')).toBe('/tmp/qnet/x');
    expect(netnsName('lab')).toBe('qn-lab');
    const long = netnsName('a-very-long-lab-name');
    expect(long.length).toBeLessThanOrEqual(15);
    expect(long).not.toBe(netnsName('a-very-long-lab-other'));
  });
  test('utf8 byte length', () => {
    expect(utf8Bytes('abc')).toBe(3);
    expect(utf8Bytes('é')).toBe(2);
    expect(utf8Bytes('€')).toBe(3);
    expect(utf8Bytes('😀')).toBe(4);
  });
  test('guest hostname', () => {
    expect(guestHostname('Web Server 1', 'vm1')).toBe('web-server-1');
    expect(guestHostname('!!!', 'Vm_1')).toBe('vm-1');
  });
  test('ifnames: reserved names are skipped, derived names differ between labs and stay <= 15 bytes', () => {
    const a = new IfnameAllocator('one');
    const first = a.derive('qn', 'k');
    const b = new IfnameAllocator('one');
    expect(b.reserve(first)).toBe(true);
    expect(b.reserve(first)).toBe(false);
    const second = b.derive('qn', 'k');
    expect(second).not.toBe(first);
    expect(new IfnameAllocator('two').derive('qn', 'k')).not.toBe(first);
    expect(first.length).toBeLessThanOrEqual(15);
  });
  test('qemu ids are identifiers and unique per allocator', () => {
    expect(qemuIdent('1abc')).toBe('q1abc');
    expect(qemuIdent('a:b')).toBe('a_b');
    const ids = new IdAllocator();
    expect(ids.peek('x')).toBe('x');
    expect(ids.take('x')).toBe('x');
    expect(ids.peek('x')).toBe('x-2');
    expect(ids.take('x')).toBe('x-2');
  });
  test('ports: explicit clash reported, derived ports skip taken ones and are stable', () => {
    const p = new PortAllocator('lab', 40000);
    const o = { what: 'x', nodes: [], links: [] };
    expect(p.reserve('tcp', 40000, o)).toBeNull();
    expect(p.reserve('tcp', 40000, o)).toBe(o);
    expect(p.reserve('udp', 40000, o)).toBeNull();
    const d = p.derive('tcp', 'k', 2, o);
    expect(d).not.toBeNull();
    expect(new PortAllocator('lab', 40000).derive('tcp', 'k', 2, o)).toBe(d);
  });
});
