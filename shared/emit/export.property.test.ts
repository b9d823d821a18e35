import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '../compiler';
import { DEFAULT_TARGET } from '../compiler/target';
import { CURRENT_VERSION, loadTopology, type Topology } from '../model';
import { emitScripts } from './scripts';

/**
 * The export end to end: topologies whose free text (VM names, kernel paths and append lines, extra arguments, NAT
 * host names) is hostile are compiled and exported, and the exported up.sh is run by bash with a stand-in
 * qemu-system-x86_64 first on PATH. The stand-in records the argv it got, makes the QMP socket path up.sh waits
 * for, and sleeps. What it records must be exactly the argv the compiler produced, and no canary file that a word
 * tries to create may appear.
 */

const work = mkdtempSync(join(tmpdir(), 'qnet-export-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const bin = join(work, 'bin');
mkdirSync(bin);
const CANARY = join(work, 'canary');
const FAKE_QEMU = `#!/bin/bash
printf '%s\\0' "$@" >"$QNET_FAKE_OUT/$$.argv"
prev=
for a in "$@"; do
  if [ "$prev" = -qmp ]; then p=\${a#unix:}; : >"\${p%%,*}"; fi
  prev=$a
done
exec sleep 30
`;
writeFileSync(join(bin, 'qemu-system-x86_64'), FAKE_QEMU);
chmodSync(join(bin, 'qemu-system-x86_64'), 0o755);

/** Pieces that mean something to bash or QEMU, and ones that try to run something. */
const NASTY = [
  "'",
  '"',
  '`',
  '\\',
  '$',
  '${HOME}',
  '\n',
  ' ',
  '*',
  '?',
  '[a]',
  '~',
  '!',
  '#',
  ';',
  '&',
  '|',
  '>',
  '<',
  ',',
  ',,',
  '=',
  "'\\''",
  'é',
  '😀',
  '\u00a0',
  `$(touch ${CANARY})`,
  `\`touch ${CANARY}\``,
  `'; touch ${CANARY}; '`,
];
const text = fc
  .array(fc.oneof(fc.constantFrom(...NASTY), fc.string({ unit: 'binary', maxLength: 4 })), {
    minLength: 1,
    maxLength: 8,
  })
  .map((p) => p.join(''))
  .filter((s) => s.length > 0 && !s.includes('\0') && s.trim() !== '');

function topology(name: string, kernel: string, append: string, extra: string, hostname: string): unknown {
  return {
    version: CURRENT_VERSION,
    name: 'hostile',
    nodes: [
      {
        id: 'vm1',
        kind: 'vm',
        name,
        boot: { type: 'kernel', kernel: `/boot/${kernel}`, append },
        extraArgs: ['-smbios', `type=1,serial=${extra}`],
        nics: [{ id: 'eth0' }],
      },
      { id: 'wan', kind: 'nat', hostname },
    ],
    links: [{ a: 'vm1:eth0', b: 'wan' }],
  };
}

/** Runs the exported up.sh; returns the argv each stand-in QEMU got. */
function runUp(files: readonly { path: string; content: string }[], run: string): string[][] {
  const dir = join(work, run);
  const out = join(dir, 'out');
  mkdirSync(out, { recursive: true });
  for (const f of files) writeFileSync(join(dir, f.path), f.content, { mode: 0o755 });
  const r = spawnSync('bash', [join(dir, 'up.sh')], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, QNET_FAKE_OUT: out },
    timeout: 20_000,
  });
  const got = readdirSync(out).map((f) => {
    const fields = readFileSync(join(out, f), 'utf8').split('\0');
    fields.pop();
    try {
      process.kill(Number(f.split('.')[0]), 'SIGKILL');
    } catch {
      // already gone
    }
    return fields;
  });
  expect(r.status, `up.sh failed:\n${r.stdout}\n${r.stderr}`).toBe(0);
  return got;
}

describe('export', () => {
  it('bash runs the exported up.sh and QEMU gets exactly the compiled argv, whatever the names hold; nothing runs', () => {
    let n = 0;
    fc.assert(
      fc.property(text, text, text, text, text, (name, kernel, append, extra, hostname) => {
        const loaded = loadTopology(JSON.stringify(topology(name, kernel, append, extra, hostname)));
        if (!loaded.ok) return; // the schema refuses it: nothing to export
        const run = `run${n++}`;
        const plan = compile(loaded.topology as Topology, { ...DEFAULT_TARGET, stateDir: join(work, run, 'state') });
        if (plan.diagnostics.some((d) => d.severity === 'error')) return;
        const exported = emitScripts(plan);
        expect(exported.ok ? [] : exported.errors).toEqual([]);
        if (!exported.ok) return;
        const got = runUp(exported.files, run);
        expect(got).toEqual(plan.vms.map((vm) => vm.argv.slice(1)));
        expect(existsSync(CANARY)).toBe(false);
      }),
      { numRuns: 25 },
    );
    expect(n).toBeGreaterThan(10);
  }, 120_000);
});
