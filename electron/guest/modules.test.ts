import { describe, expect, it } from 'vitest';
import {
  formatModulesDep,
  isBuiltin,
  loadOrder,
  modinfoDepends,
  moduleName,
  parseModulesDep,
  readModinfo,
} from './modules';

const MODULES_DEP = `kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko kernel/net/core/failover.ko
kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko
kernel/net/core/failover.ko:
kernel/drivers/net/ethernet/8390/ne2k-pci.ko.xz: kernel/drivers/net/ethernet/8390/8390.ko.xz
kernel/drivers/net/ethernet/8390/8390.ko.xz:
kernel/drivers/net/ethernet/intel/e1000/e1000.ko:
`;

/** A minimal ELF64 LE object with a section string table and a .modinfo section. */
function fakeModule(modinfo: string): Uint8Array {
  const shstrtab = '\0.shstrtab\0.modinfo\0';
  const info = new TextEncoder().encode(modinfo);
  const strings = new TextEncoder().encode(shstrtab);
  const dataAt = 64;
  const shoff = dataAt + strings.length + info.length;
  const elf = new Uint8Array(shoff + 3 * 64);
  const view = new DataView(elf.buffer);
  elf.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  view.setBigUint64(0x28, BigInt(shoff), true);
  view.setUint16(0x3a, 64, true);
  view.setUint16(0x3c, 3, true);
  view.setUint16(0x3e, 1, true);
  elf.set(strings, dataAt);
  elf.set(info, dataAt + strings.length);
  const header = (i: number, name: number, offset: number, size: number) => {
    view.setUint32(shoff + i * 64, name, true);
    view.setBigUint64(shoff + i * 64 + 0x18, BigInt(offset), true);
    view.setBigUint64(shoff + i * 64 + 0x20, BigInt(size), true);
  };
  header(1, 1, dataAt, strings.length);
  header(2, shstrtab.indexOf('.modinfo'), dataAt + strings.length, info.length);
  return elf;
}

describe('module names', () => {
  it('are the basename without suffixes, dashes as underscores', () => {
    expect(moduleName('kernel/drivers/net/ethernet/8390/ne2k-pci.ko.xz')).toBe('ne2k_pci');
    expect(moduleName('virtio_net.ko')).toBe('virtio_net');
    expect(moduleName('i2c-algo-bit.ko.zst')).toBe('i2c_algo_bit');
  });
});

describe('parseModulesDep', () => {
  it('maps each module to its path and dependency names', () => {
    const deps = parseModulesDep(MODULES_DEP);
    expect(deps.get('virtio_net')).toEqual({
      path: 'kernel/drivers/net/virtio_net.ko',
      depends: ['net_failover', 'failover'],
    });
    expect(deps.get('ne2k_pci')?.depends).toEqual(['8390']);
    expect(deps.get('failover')?.depends).toEqual([]);
  });
});

describe('loadOrder', () => {
  const deps = parseModulesDep(MODULES_DEP);
  const dependsOf = (name: string) => deps.get(name)?.depends;

  it('puts every module after its dependencies, each once', () => {
    const { order, absent } = loadOrder(['virtio_net', 'ne2k-pci', 'e1000', 'net_failover'], dependsOf);
    expect(order).toEqual(['failover', 'net_failover', 'virtio_net', '8390', 'ne2k_pci', 'e1000']);
    expect(absent).toEqual([]);
  });

  it('reports wanted modules the kernel lacks and leaves them out', () => {
    expect(loadOrder(['virtio_pci', 'e1000'], dependsOf)).toEqual({ order: ['e1000'], absent: ['virtio_pci'] });
  });

  it('refuses a missing dependency and a cycle', () => {
    expect(() => loadOrder(['a'], (n) => (n === 'a' ? ['b'] : undefined))).toThrow(/module b, needed by a/);
    expect(() => loadOrder(['a'], (n) => (n === 'a' ? ['b'] : ['a']))).toThrow(/cycle: a -> b -> a/);
  });
});

describe('readModinfo', () => {
  it('reads depends= from the .modinfo section of an ELF64 module', () => {
    const info = readModinfo(
      fakeModule('license=GPL\0depends=net_failover,virtio\0name=virtio_net\0alias=a\0alias=b\0'),
    );
    expect(info && modinfoDepends(info)).toEqual(['net_failover', 'virtio']);
    expect(info?.get('alias')).toEqual(['a', 'b']);
  });

  it('reads an empty depends= as no dependencies, and a non-ELF file as not a module', () => {
    const info = readModinfo(fakeModule('depends=\0name=failover\0'));
    expect(info && modinfoDepends(info)).toEqual([]);
    expect(
      readModinfo(new TextEncoder().encode('not an elf file at all, but long enough to have a header......')),
    ).toBeUndefined();
  });
});

describe('modules.builtin and modules.dep for the guest', () => {
  it('knows built-in modules by name', () => {
    const builtin = 'kernel/drivers/virtio/virtio.ko\nkernel/drivers/virtio/virtio_ring.ko\n';
    expect(isBuiltin(builtin, 'virtio_ring')).toBe(true);
    expect(isBuiltin(builtin, 'virtio_net')).toBe(false);
  });

  it('writes depmod-style lines with the guest paths', () => {
    const modules = [
      { name: 'failover', path: 'kernel/net/core/failover.ko' },
      { name: 'net_failover', path: 'kernel/drivers/net/net_failover.ko' },
    ];
    const text = formatModulesDep(modules, (n) => (n === 'net_failover' ? ['failover'] : []));
    expect(text).toBe(
      'kernel/net/core/failover.ko:\nkernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko\n',
    );
  });
});
