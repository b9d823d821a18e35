import { describe, expect, it } from 'vitest';
import { applyChanges } from '../doc/changes';
import { emptyDocument } from '../doc/factory';
import type { Topology } from '../../shared/model';
import { linkId } from '../../shared/model';
import { fixEffect } from './fixes';

const LINK = linkId({ a: 'vm1:eth0', b: 'vm2:eth0' });
import { withOption } from './targetOptions';

function doc(): Topology {
  return {
    ...emptyDocument(),
    nodes: [
      {
        id: 'vm1',
        kind: 'vm',
        arch: 'x86_64',
        accel: 'auto',
        smp: 1,
        memory: 256,
        boot: { type: 'tiny' },
        nics: [{ id: 'eth0', model: 'e1000', mac: 'auto', form: 'nic' }],
        extraArgs: [],
      },
      {
        id: 'vm2',
        kind: 'vm',
        arch: 'x86_64',
        accel: 'auto',
        smp: 1,
        memory: 256,
        boot: { type: 'tiny' },
        nics: [{ id: 'eth0', model: 'virtio', mac: 'auto', form: 'device' }],
        extraArgs: [],
      },
      {
        id: 'br1',
        kind: 'bridge',
        ifname: 'averyveryverylongname',
        stp: false,
        nat: false,
        external: true,
        hostfwd: [],
      },
      { id: 'hub1', kind: 'hub' },
    ],
    links: [{ a: 'vm1:eth0', b: 'vm2:eth0', transport: 'dgram', family: 'unix', port: 5000 }],
  };
}

function apply(d: Topology, action: Parameters<typeof fixEffect>[1]): Topology {
  const e = fixEffect(d, action);
  if (e.kind !== 'doc') throw new Error('not a document fix');
  return applyChanges(d, e.changes);
}

describe('fixEffect', () => {
  it('set-field on a node sets the value', () => {
    const d = apply(doc(), { kind: 'set-field', node: 'br1', path: ['external'], value: false });
    expect(d.nodes[2]).toMatchObject({ kind: 'bridge', external: false });
    expect(
      apply(doc(), { kind: 'set-field', node: 'vm1', path: ['nics', 0, 'form'], value: 'device' }).nodes[0],
    ).toMatchObject({ nics: [{ form: 'device' }] });
  });
  it('set-field with value undefined removes an optional field', () => {
    const d = apply(doc(), { kind: 'set-field', node: 'br1', path: ['ifname'], value: undefined });
    expect('ifname' in d.nodes[2]!).toBe(false);
  });
  it('set-field with value undefined resets a field that has a default to the default', () => {
    const d = apply(doc(), { kind: 'set-field', node: 'vm1', path: ['memory'], value: undefined });
    expect(d.nodes[0]).toMatchObject({ memory: 256 });
    const l = apply(doc(), { kind: 'set-field', on: 'link', node: LINK, path: ['transport'], value: undefined });
    expect(l.links[0]!.transport).toBe('auto');
  });
  it('set-field on a link edits the link', () => {
    const id = LINK;
    const e = fixEffect(doc(), { kind: 'set-field', on: 'link', node: id, path: ['port'], value: undefined });
    expect(e).toMatchObject({ kind: 'doc', changes: [{ type: 'replace-link', id }] });
    const d = apply(doc(), { kind: 'set-field', on: 'link', node: id, path: ['port'], value: undefined });
    expect(d.links[0]).toEqual({ a: 'vm1:eth0', b: 'vm2:eth0', transport: 'dgram', family: 'unix' });
    expect(
      apply(doc(), { kind: 'set-field', on: 'link', node: id, path: ['transport'], value: 'socket' }).links[0]!
        .transport,
    ).toBe('socket');
  });
  it('remove-link and convert-node', () => {
    expect(apply(doc(), { kind: 'remove-link', link: LINK }).links).toHaveLength(0);
    expect(apply(doc(), { kind: 'convert-node', node: 'hub1', toKind: 'vde' }).nodes[3]).toMatchObject({ kind: 'vde' });
  });
  it('set-target is a target option, not a document edit', () => {
    expect(fixEffect(doc(), { kind: 'set-target', field: 'privilege', value: 'root' })).toEqual({
      kind: 'target',
      field: 'privilege',
      value: 'root',
    });
  });
});

describe('withOption', () => {
  it('sets, keeps identity when unchanged, and removes', () => {
    const a = withOption({}, 'privilege', 'user');
    expect(a).toEqual({ privilege: 'user' });
    expect(withOption(a, 'privilege', 'user')).toBe(a);
    expect(withOption(a, 'privilege', undefined)).toEqual({});
  });
});
