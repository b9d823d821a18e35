import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { argvWordProblem, shellLine, shellQuote, shellWordIn, type Relocation } from './quote';

const work = mkdtempSync(join(tmpdir(), 'qnet-quote-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Run a bash script, return stdout split on NUL (the trailing empty field dropped). */
function bashFields(script: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const run = spawnSync('bash', ['-c', script], { encoding: 'utf8', env, maxBuffer: 1 << 28 });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  const fields = run.stdout.split('\0');
  expect(fields.pop()).toBe('');
  return fields;
}

/** What bash makes of each argv: one `printf '%s\0' COUNT <line>` per argv, read back and regrouped. */
function roundTrip(argvs: readonly (readonly string[])[]): string[][] {
  const script = argvs.map((argv) => `printf '%s\\0' ${argv.length} ${shellLine(argv)}`).join('\n');
  const fields = bashFields(script);
  const out: string[][] = [];
  while (fields.length > 0) out.push(fields.splice(0, Number(fields.shift())));
  return out;
}

const noNul = (s: string): boolean => !s.includes('\0');
/** Pieces that mean something to bash or to QEMU's option parser. */
const NASTY = [
  "'",
  '"',
  '`',
  '$(',
  ')',
  '${',
  '}',
  '$',
  '\\',
  '\n',
  '\r',
  '\t',
  ' ',
  '*',
  '?',
  '[',
  ']',
  '~',
  '!',
  '#',
  ';',
  '&&',
  '|',
  '||',
  '&',
  '>',
  '<',
  '-',
  '--',
  '=',
  ',',
  ',,',
  '\\n',
  "'\\''",
  'é',
  '中',
  '😀',
  '\u200b',
  '\u00a0',
];
const nasty = fc
  .array(fc.oneof(fc.constantFrom(...NASTY), fc.string({ maxLength: 3 })), { maxLength: 12 })
  .map((p) => p.join(''));
const anyUnicode = fc.string({ unit: 'binary', maxLength: 40 }).filter(noNul);
const graphemes = fc.string({ unit: 'grapheme', maxLength: 20 }).filter(noNul);
const word = fc.oneof(nasty, anyUnicode, graphemes, fc.constant(''));
/** An argv like the compiler's: a program, then options whose values are names, paths, kernel append lines. */
const argv = fc
  .tuple(fc.constantFrom('qemu-system-x86_64', 'ip', 'vde_switch'), fc.array(word, { maxLength: 8 }))
  .map(([program, args]) => [program, ...args]);

describe('shellQuote', () => {
  it('leaves plain words bare and quotes everything else', () => {
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('virtio-net-pci,netdev=n0')).toBe('virtio-net-pci,netdev=n0');
    expect(shellQuote('/tmp/qnet/lab/vm1.qmp')).toBe('/tmp/qnet/lab/vm1.qmp');
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('~')).toBe("'~'");
    expect(shellQuote('é')).toBe("'é'");
  });

  it('bash reads every quoted argv back exactly (arbitrary unicode and nasty strings)', () => {
    fc.assert(
      fc.property(fc.array(argv, { minLength: 1, maxLength: 40 }), (argvs) => {
        expect(roundTrip(argvs)).toEqual(argvs);
      }),
      { numRuns: 400 },
    );
  });

  it('keeps a command name a command name (reserved words, assignments, odd names)', () => {
    const bin = mkdtempSync(join(work, 'bin-'));
    const names = ['if', 'time', 'then', 'a=b', "x y'$(z)", 'FOO=bar baz', '!', '{', '-dash'];
    for (const name of names) {
      writeFileSync(join(bin, name), '#!/usr/bin/env bash\nprintf \'%s\\0\' "${0##*/}" "$@"\n');
      chmodSync(join(bin, name), 0o755);
    }
    const script = names.map((n) => shellLine([n, 'arg 1', ''])).join('\n');
    const fields = bashFields(script, { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` });
    expect(fields).toEqual(names.flatMap((n) => [n, 'arg 1', '']));
  });

  it('never runs anything found in a word (canary)', () => {
    const canary = join(work, 'pwned');
    const attacks = [
      `$(touch ${canary})`,
      `\`touch ${canary}\``,
      `'; touch ${canary}; '`,
      `"; touch ${canary}; "`,
      `\n touch ${canary}\n`,
      `$'\\x27'; touch ${canary}`,
      `\\'; touch ${canary} #`,
      `x && touch ${canary}`,
      `| touch ${canary}`,
      `> ${canary}`,
      `\${IFS}$(touch\${IFS}${canary})`,
      `'"'"'; touch ${canary}; '"'"'`,
    ];
    const argvs = attacks.map((a) => ['echo', a, `--name=${a}`, `path=/tmp/${a}/x`]);
    expect(roundTrip(argvs)).toEqual(argvs);
    bashFields(argvs.map((a) => `${shellLine(a)} >/dev/null`).join('\n'));
    expect(existsSync(canary)).toBe(false);
  });

  it('names the words no argv can hold', () => {
    expect(argvWordProblem('fine\nword')).toBeNull();
    expect(argvWordProblem('a\0b')).toMatch(/NUL/);
    expect(argvWordProblem('\uD800x')).toMatch(/surrogate/);
    expect(argvWordProblem('😀')).toBeNull();
  });

  it('relocates a directory in a word to its variable, and bash reads the word back with the value in its place', () => {
    const dir = fc.constantFrom('/run/qnet/lab', "/tmp/it's here", '/home/a b/.qnet/x', '/s');
    const value = fc.constantFrom('/home/other/.qnet/lab', '/v $x `y`', '/', "/q'w");
    const piece = fc.oneof(nasty, fc.string({ maxLength: 4 }).filter(noNul));
    fc.assert(
      fc.property(
        dir,
        value,
        piece,
        piece,
        fc.constantFrom('', '/', '/vm.sock', ',server=on'),
        (literal, val, pre, mid, post) => {
          // A literal counts only as a whole path: what precedes it ends a path, what follows starts one or ends the word.
          const sep = pre === '' || !/[A-Za-z0-9_./-]$/.test(pre) ? pre : `${pre}=`;
          fc.pre(!pre.includes(literal) && !mid.includes(literal));
          const word = `${sep}${literal}${post}:${mid}`;
          const relocations: Relocation[] = [{ literal, variable: 'STATE', tail: '/t' }];
          const [got] = bashFields(`printf '%s\\0' ${shellWordIn(word, relocations)}`, { ...process.env, STATE: val });
          expect(got).toBe(`${sep}${val}/t${post}:${mid}`);
          // Inside a longer path it stays as it is.
          const [kept] = bashFields(`printf '%s\\0' ${shellWordIn(`/x${literal}/a`, relocations)}`, {
            ...process.env,
            STATE: val,
          });
          expect(kept).toBe(`/x${literal}/a`);
        },
      ),
      { numRuns: 60 },
    );
  });
});
