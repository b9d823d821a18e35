import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A kernel and initramfs that QEMU accepts at machine init but that never run: for guests started paused (-S).
 *
 * QEMU loads `-kernel` while it builds the machine, before -S takes effect, so an empty file fails on x86
 * ("could not load kernel") and 4 KiB of zeros fails with an initrd ("linux kernel too old to load a ram disk").
 * What x86 (QEMU 7.2) accepts is a file with a Linux boot-protocol setup header: "HdrS" at 0x202, protocol
 * 2.15, the loaded-high flag, 4 setup sectors and an initrd ceiling. The same bytes load as a raw image on arm
 * `virt`. The guest is never resumed, so nothing executes.
 */
export function writePausedGuest(dir: string): { kernel: string; initrd: string } {
  mkdirSync(dir, { recursive: true });
  const k = Buffer.alloc(16 * 1024);
  k[0x1f1] = 4; // setup_sects: (4 + 1) * 512 bytes of setup, the rest is the "kernel"
  k.writeUInt16LE(0xaa55, 0x1fe); // boot_flag
  k.write('HdrS', 0x202, 'latin1'); // header magic
  k.writeUInt16LE(0x020f, 0x206); // boot protocol 2.15
  k[0x211] = 0x01; // loadflags: LOADED_HIGH
  k.writeUInt32LE(0x37ffffff, 0x22c); // initrd_addr_max
  const kernel = join(dir, 'vmlinuz-paused');
  const initrd = join(dir, 'initrd-paused.img');
  writeFileSync(kernel, k);
  writeFileSync(initrd, Buffer.alloc(4096));
  return { kernel, initrd };
}
