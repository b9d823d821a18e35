import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QemuChoiceError, installArgs, resolveQemuInstall } from './install';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'qnet-install-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function program(path: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '#!/bin/sh\n');
  chmodSync(path, 0o755);
  return path;
}

describe('resolveQemuInstall', () => {
  it('gives an unpacked Debian package -L on its own data and seabios and its own module directory', () => {
    const x86 = program(join(root, 'usr/bin/qemu-system-x86_64'));
    const arm = program(join(root, 'usr/bin/qemu-system-aarch64'));
    mkdirSync(join(root, 'usr/share/qemu'), { recursive: true });
    mkdirSync(join(root, 'usr/share/seabios'), { recursive: true });
    mkdirSync(join(root, 'usr/lib/x86_64-linux-gnu/qemu'), { recursive: true });
    writeFileSync(join(root, 'usr/lib/x86_64-linux-gnu/qemu/ui-curses.so'), '');
    for (const chosen of [root, x86]) {
      const install = resolveQemuInstall(chosen);
      expect(install.binaries).toEqual({ x86_64: x86, aarch64: arm });
      expect(installArgs(install)).toEqual(['-L', join(root, 'usr/share/qemu'), '-L', join(root, 'usr/share/seabios')]);
      expect(install.env).toEqual({ QEMU_MODULE_DIR: join(root, 'usr/lib/x86_64-linux-gnu/qemu') });
    }
  });

  it('leaves a self-built prefix install to find its own data', () => {
    const bin = program(join(root, 'bin/qemu-system-riscv64'));
    const install = resolveQemuInstall(root);
    expect(install.binaries).toEqual({ riscv64: bin });
    expect(install.dataDirs).toEqual([]);
    expect(install.env).toEqual({});
  });

  it('names the path when it holds no QEMU or is not one', () => {
    expect(() => resolveQemuInstall(root)).toThrow(QemuChoiceError);
    expect(() => resolveQemuInstall(root)).toThrow(`the chosen QEMU ${root} holds no qemu-system-<arch> binary`);
    const other = program(join(root, 'bin/qemu-img'));
    expect(() => resolveQemuInstall(other)).toThrow('is not an executable qemu-system-<arch> binary');
    expect(() => resolveQemuInstall(join(root, 'nope'))).toThrow('does not exist');
  });
});
