// Kernel module bookkeeping for the tiny guest: names, dependencies and load order. Pure: no I/O.

/** The module name of a .ko path as modules.dep and `depends=` spell it: basename, no suffix, `-` as `_`. */
export function moduleName(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  return base.replace(/\.ko(\.(xz|zst|gz))?$/, '').replaceAll('-', '_');
}

/** Dependencies per module name, read from a modules.dep text (`path: dep-path dep-path…`). */
export function parseModulesDep(text: string): Map<string, { path: string; depends: string[] }> {
  const modules = new Map<string, { path: string; depends: string[] }>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const path = line.slice(0, colon).trim();
    const depends = line
      .slice(colon + 1)
      .split(/\s+/)
      .filter(Boolean)
      .map(moduleName);
    modules.set(moduleName(path), { path, depends });
  }
  return modules;
}

/** The `key=value` strings of an ELF64 little-endian module's `.modinfo` section (undefined when not a module). */
export function readModinfo(elf: Uint8Array): Map<string, string[]> | undefined {
  const view = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const isElf64Le = elf.length >= 64 && view.getUint32(0) === 0x7f454c46 && elf[4] === 2 && elf[5] === 1;
  if (!isElf64Le) return undefined;
  const shoff = Number(view.getBigUint64(0x28, true));
  const shentsize = view.getUint16(0x3a, true);
  const shnum = view.getUint16(0x3c, true);
  const shstrndx = view.getUint16(0x3e, true);
  const section = (i: number) => {
    const at = shoff + i * shentsize;
    return {
      name: view.getUint32(at, true),
      offset: Number(view.getBigUint64(at + 0x18, true)),
      size: Number(view.getBigUint64(at + 0x20, true)),
    };
  };
  if (shoff + shnum * shentsize > elf.length || shstrndx >= shnum) return undefined;
  const names = section(shstrndx);
  const decoder = new TextDecoder();
  const cString = (from: number) => decoder.decode(elf.subarray(from, elf.indexOf(0, from)));
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    if (cString(names.offset + s.name) !== '.modinfo') continue;
    const info = new Map<string, string[]>();
    for (const entry of decoder.decode(elf.subarray(s.offset, s.offset + s.size)).split('\0')) {
      const eq = entry.indexOf('=');
      if (eq <= 0) continue;
      const key = entry.slice(0, eq);
      info.set(key, [...(info.get(key) ?? []), entry.slice(eq + 1)]);
    }
    return info;
  }
  return undefined;
}

/** The module names a module's `.modinfo` says it needs loaded first. */
export function modinfoDepends(info: Map<string, string[]>): string[] {
  return (info.get('depends') ?? [])
    .flatMap((v) => v.split(','))
    .filter(Boolean)
    .map(moduleName);
}

/**
 * The load order of `wanted` and everything they depend on: each module after its dependencies, otherwise in the
 * order asked. `dependsOf` returns undefined for a module the kernel does not have as a module (built in, or
 * absent): a wanted one is reported in `absent` and left out; a missing dependency or a cycle (a broken
 * modules.dep) throws.
 */
export function loadOrder(
  wanted: readonly string[],
  dependsOf: (name: string) => readonly string[] | undefined,
): { order: string[]; absent: string[] } {
  const order: string[] = [];
  const absent: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, chain: string[]) => {
    const seen = state.get(name);
    if (seen === 'done') return;
    if (seen === 'visiting') throw new Error(`module dependency cycle: ${[...chain, name].join(' -> ')}`);
    const depends = dependsOf(name);
    if (!depends) {
      if (chain.length > 0) throw new Error(`module ${name}, needed by ${chain.at(-1)}, is not in the kernel package`);
      state.set(name, 'done');
      absent.push(name);
      return;
    }
    state.set(name, 'visiting');
    for (const dep of depends) visit(dep, [...chain, name]);
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of wanted) visit(moduleName(name), []);
  return { order, absent };
}

/** Whether a kernel's modules.builtin text lists the module (so it needs no .ko). */
export function isBuiltin(modulesBuiltin: string, name: string): boolean {
  return modulesBuiltin.split('\n').some((line) => line.trim() && moduleName(line.trim()) === moduleName(name));
}

/**
 * A modules.dep text for the modules put into the guest, so busybox `modprobe` works there too; `dependsOf`
 * gives all of a module's dependencies, the one to load first last (depmod's order).
 */
export function formatModulesDep(
  modules: readonly { path: string; name: string }[],
  dependsOf: (name: string) => readonly string[],
): string {
  const pathOf = new Map(modules.map((m) => [m.name, m.path]));
  return modules
    .map(
      (m) =>
        `${m.path}:${dependsOf(m.name)
          .map((d) => ` ${pathOf.get(d) ?? ''}`)
          .join('')}\n`,
    )
    .join('');
}
