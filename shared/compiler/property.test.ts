import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { compile } from './index';
import type { LabPlan } from './plan';
import { declaredIds } from './selfcheck';
import { optValue } from '../qemuopts';
import { target, topo, valuesOf } from './testkit';
import type { TopologyInput } from '../model/schema';
import { linkId } from '../model/endpoint';

const OTHER_KINDS = ['nat', 'bridge', 'hub', 'vde', 'mcast', 'tap'] as const;

/** A random lab: VMs with NICs, some switches, and links from NICs to switches or to other VMs' NICs. */
const arbLab = fc
  .record({
    nicCounts: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 25 }),
    others: fc.array(fc.constantFrom(...OTHER_KINDS), { maxLength: 8 }),
    wires: fc.array(
      fc.tuple(
        fc.nat(),
        fc.nat(),
        fc.boolean(),
        fc.constantFrom('auto', 'dgram', 'socket', 'stream'),
        fc.constantFrom('unix', 'inet'),
      ),
      { maxLength: 80 },
    ),
    fixedMacs: fc.array(fc.nat(), { maxLength: 5 }),
    name: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,15}$/),
  })
  .map(({ nicCounts, others, wires, fixedMacs, name }) => {
    const nics: { vm: string; nic: string }[] = [];
    const nodes: NonNullable<TopologyInput['nodes']> = nicCounts.map((count, i) => {
      const ids = Array.from({ length: count }, (_, j) => `eth${j}`);
      ids.forEach((nic) => nics.push({ vm: `vm${i}`, nic }));
      return { kind: 'vm' as const, id: `vm${i}`, nics: ids.map((id) => ({ id })) };
    });
    // Fixed MACs, distinct, on some NICs.
    const fixed = new Set<number>();
    fixedMacs.forEach((n, k) => {
      const target = nics[n % Math.max(1, nics.length)];
      if (!target || fixed.has(n % nics.length)) return;
      fixed.add(n % nics.length);
      const vm = nodes.find((x) => x.id === target.vm) as { nics: { id: string; mac?: string }[] };
      const nic = vm.nics.find((x) => x.id === target.nic);
      if (nic) nic.mac = `52:54:00:00:00:${(k + 1).toString(16).padStart(2, '0')}`;
    });
    others.forEach((kind, i) => nodes.push({ kind, id: `${kind}${i}` } as never));
    const used = new Set<number>();
    const tapUsed = new Set<string>();
    const links: NonNullable<TopologyInput['links']> = [];
    for (const [x, y, toVm, transport, family] of wires) {
      if (nics.length === 0) break;
      const i = x % nics.length;
      if (used.has(i)) continue;
      const from = nics[i]!;
      if (toVm || others.length === 0) {
        const j = y % nics.length;
        if (used.has(j) || nics[j]!.vm === from.vm) continue;
        used.add(i).add(j);
        links.push({ a: `${from.vm}:${from.nic}`, b: `${nics[j]!.vm}:${nics[j]!.nic}`, transport, family });
      } else {
        const k = y % others.length;
        const id = `${others[k]}${k}`;
        if (others[k] === 'tap') {
          if (tapUsed.has(id)) continue;
          tapUsed.add(id);
        }
        used.add(i);
        links.push({ a: `${from.vm}:${from.nic}`, b: id });
      }
    }
    return topo({ name, nodes, links });
  });

function shuffle<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function macsOf(p: LabPlan): string[] {
  return p.vms.flatMap((v) =>
    [...valuesOf(v.argv, '-device'), ...valuesOf(v.argv, '-nic')]
      .map((d) => optValue(d, 'mac'))
      .filter((m): m is string => m !== undefined),
  );
}

function boundPaths(p: LabPlan): string[] {
  const out: string[] = [];
  for (const v of p.vms) {
    out.push(v.console, v.qmp);
    for (const n of valuesOf(v.argv, '-netdev')) {
      if (n.startsWith('stream,') && n.includes('server=on')) out.push(optValue(n, 'addr.path') ?? '');
      if (n.startsWith('dgram,')) out.push(optValue(n, 'local.path') ?? '');
    }
  }
  return out.filter((x) => x !== '');
}

function boundPorts(p: LabPlan): string[] {
  const out: string[] = [];
  for (const v of p.vms) {
    for (const n of valuesOf(v.argv, '-netdev')) {
      if (n.startsWith('stream,') && n.includes('server=on') && optValue(n, 'addr.port'))
        out.push(`tcp:${optValue(n, 'addr.port')}`);
      if (n.startsWith('dgram,') && optValue(n, 'local.port') && optValue(n, 'remote.host') === '127.0.0.1')
        out.push(`udp:${optValue(n, 'local.port')}`);
      if (n.startsWith('socket,') && optValue(n, 'listen')) out.push(`tcp:${optValue(n, 'listen')}`);
      if (n.startsWith('socket,') && optValue(n, 'udp')) out.push(`udp:${optValue(n, 'localaddr')?.split(':')[1]}`);
    }
  }
  return out;
}

const ifnamesOf = (p: LabPlan) =>
  p.hostSteps
    .filter((s) => s.argv.join(' ').match(/^ip (tuntap add dev|link add) /))
    .map((s) => s.argv[s.argv[1] === 'tuntap' ? 4 : 3]!);
const unique = (xs: readonly string[]) => expect(new Set(xs).size).toBe(xs.length);

describe('compile properties', () => {
  test('deterministic: twice the same plan, and the same argv whatever the node and link order', () => {
    fc.assert(
      fc.property(arbLab, fc.integer(), (t, seed) => {
        const tg = target();
        const p1 = compile(t, tg);
        expect(compile(t, tg)).toEqual(p1);
        const p2 = compile({ ...t, nodes: shuffle(t.nodes, seed), links: shuffle(t.links, seed + 1) }, tg);
        expect(p2.vms).toEqual(p1.vms);
        expect(p2.hostSteps).toEqual(p1.hostSteps);
        expect(p2.processes).toEqual(p1.processes);
        expect(p2.privilege).toBe(p1.privilege);
      }),
      { numRuns: 150 },
    );
  });
  test('unique MACs, interface names, ports, socket paths and QEMU ids per process; no unpeered netdev', () => {
    fc.assert(
      fc.property(arbLab, fc.constantFrom(6, 7, 8, 9), (t, major) => {
        const p = compile(t, target({ qemuVersion: { major, minor: 2 }, isolation: major === 8 ? 'netns' : 'host' }));
        unique(macsOf(p));
        for (const mac of macsOf(p)) expect(mac).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
        const names = ifnamesOf(p);
        unique(names);
        for (const n of names) expect(n.length).toBeLessThanOrEqual(15);
        unique(boundPorts(p));
        unique(boundPaths(p));
        for (const v of p.vms) {
          const ids = declaredIds(v.argv);
          for (const option of ['-netdev', '-device', '-chardev', '-object'])
            unique(
              ids.filter((x) => x.option === option || (option === '-netdev' && x.option === '-nic')).map((x) => x.id),
            );
          for (const { id } of ids) expect(id).toMatch(/^[A-Za-z][A-Za-z0-9._-]*$/);
        }
        expect(p.diagnostics.filter((d) => d.code === 'NETDEV_NO_PEER')).toEqual([]);
        expect(p.processes.map((x) => x.id)).toHaveLength(new Set(p.processes.map((x) => x.id)).size);
      }),
      { numRuns: 150 },
    );
  });
  test('what the plan says of each guest is what its argv does (binary, accel, boot files, bound ports)', () => {
    fc.assert(
      fc.property(arbLab, fc.boolean(), (t, kvm) => {
        const p = compile(t, target({ kvm }));
        for (const v of p.vms) {
          expect(v.argv[0]).toBe(v.binary);
          expect(valuesOf(v.argv, '-accel')).toEqual([v.accel]);
          for (const f of v.bootFiles)
            expect(v.argv.some((a) => a === f.path || a.includes(`file=${f.path}`))).toBe(true);
          const netdevs = [...valuesOf(v.argv, '-netdev'), ...valuesOf(v.argv, '-nic')];
          for (const port of v.ports) expect(netdevs.some((n) => n.includes(String(port.port)))).toBe(true);
          for (const n of v.nics) if (n.mac !== null) expect(v.argv.some((a) => a.includes(`mac=${n.mac}`))).toBe(true);
          // set_link and filter-dump name these ids: each is a netdev the argv declares, on the link the file has.
          for (const n of v.nics) {
            expect(n.netdev === null).toBe(n.link === null);
            if (n.netdev !== null)
              expect(declaredIds(v.argv).some((d) => d.option !== '-device' && d.id === n.netdev)).toBe(true);
            const wired = t.links?.find((l) => [l.a, l.b].includes(`${v.node}:${n.nic}`));
            if (n.link !== null) expect(wired && linkId(wired)).toBe(n.link);
          }
        }
        expect(new Set(p.needs.programs.map((x) => x.program))).toEqual(
          new Set([
            ...p.hostSteps.flatMap((s) => [s.argv[0], ...(s.undo ? [s.undo[0]] : [])]),
            ...p.processes.map((x) => x.argv[0]),
            ...(p.netns ? ['ip'] : []),
          ]),
        );
      }),
      { numRuns: 100 },
    );
  });
  test('two labs with the same drawing get different tap names and MACs', () => {
    const mk = (name: string) =>
      compile(
        topo({
          name,
          nodes: [
            { kind: 'vm', id: 'v', nics: [{ id: 'e0' }] },
            { kind: 'bridge', id: 'br' },
          ],
          links: [{ a: 'v:e0', b: 'br' }],
        }),
        target(),
      );
    const [a, b] = [mk('one'), mk('two')];
    expect(ifnamesOf(a)).not.toEqual(ifnamesOf(b));
    expect(macsOf(a)).not.toEqual(macsOf(b));
  });
});
