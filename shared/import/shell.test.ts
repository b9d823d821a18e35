import { describe, expect, test } from 'vitest';
import { Source } from './source';
import { splitShell, wordOffset } from './shell';

const words = (text: string) => splitShell(text).commands.map((c) => c.words.map((w) => w.text));

describe('splitShell', () => {
  test('quotes, escapes and continuations, as a shell reads them', () => {
    expect(words(`qemu -append 'console=ttyS0 root=/dev/vda' -name "a \\"b\\" \\$c" x\\ y`)).toEqual([
      ['qemu', '-append', 'console=ttyS0 root=/dev/vda', '-name', 'a "b" $c', 'x y'],
    ]);
    // A trailing backslash joins lines; a line of only a backslash too; CRLF endings are fine.
    expect(words('qemu \\\n  -m 512 \\\n\\\n  -S\r\nnext')).toEqual([['qemu', '-m', '512', '-S'], ['next']]);
    expect(words("a ''")).toEqual([['a', '']]);
  });
  test('comments, separators, pipes and background jobs end commands; redirections are set aside', () => {
    const r = splitShell('# a comment\nA=1 qemu -x y 2>&1 | tee log.txt & echo hi; b # trailing\nc>out d');
    expect(r.commands.map((c) => c.words.map((w) => w.text))).toEqual([
      ['A=1', 'qemu', '-x', 'y'],
      ['tee', 'log.txt'],
      ['echo', 'hi'],
      ['b'],
      ['c', 'd'],
    ]);
    expect(r.commands[0]!.setAside.map((s) => s.text)).toEqual(['2>&1']);
    expect(r.commands[4]!.setAside.map((s) => s.text)).toEqual(['>out']);
    expect(words('a && b || c')).toEqual([['a'], ['b'], ['c']]);
  });
  test('expansions stay as text and are listed with their place', () => {
    const [w] = splitShell('qemu -kernel "${KERNEL}" -m $RAM -x $(pwd)/a `id`').commands;
    const texts = w!.words.map((x) => x.text);
    expect(texts).toEqual(['qemu', '-kernel', '${KERNEL}', '-m', '$RAM', '-x', '$(pwd)/a', '`id`']);
    expect(w!.words[2]!.expansions).toEqual([{ index: 0, text: '${KERNEL}' }]);
    expect(w!.words[6]!.expansions).toEqual([{ index: 0, text: '$(pwd)' }]);
    // A dollar before nothing nameable is a dollar.
    expect(words('echo $ a$')).toEqual([['echo', '$', 'a$']]);
  });
  test('here-documents are data, not commands', () => {
    expect(words("cat <<'EOF' >x\nqemu-system-x86_64 -m 1\nEOF\nqemu-system-x86_64 -m 2")).toEqual([
      ['cat'],
      ['qemu-system-x86_64', '-m', '2'],
    ]);
  });
  test('an array assignment is a command of its elements, over lines, named by the array', () => {
    const r = splitShell('local -a ARGS=(qemu-system-x86_64 -m \'512\'\n  -S) && run "${ARGS[@]}"\nE=()');
    expect(r.commands.map((c) => [c.array ?? null, c.words.map((w) => w.text)])).toEqual([
      [null, ['local', '-a']],
      ['ARGS', ['qemu-system-x86_64', '-m', '512', '-S']],
      [null, ['run', '${ARGS[@]}']],
      ['E', []],
    ]);
    // Not an assignment: a quoted name, a subshell.
    expect(words('"A="(x) (y)')).toEqual([['A='], ['x'], ['y']]);
  });
  test('unquoted JSON (as ps prints libvirt argv) keeps its quotes', () => {
    expect(words('qemu -netdev {"type":"user","id":"n0"} -S')).toEqual([
      ['qemu', '-netdev', '{"type":"user","id":"n0"}', '-S'],
    ]);
  });
  test('every character of a word knows its line and column in the source', () => {
    const text = 'qemu \\\n  -netdev "user,id=n1,\\\nhostfwd=x"';
    const src = new Source(text);
    const w = splitShell(text).commands[0]!.words[2]!;
    expect(w.text).toBe('user,id=n1,hostfwd=x');
    expect(src.at(wordOffset(w, 0))).toEqual({ line: 2, column: 12 });
    expect(src.at(wordOffset(w, w.text.indexOf('hostfwd')))).toEqual({ line: 3, column: 1 });
  });
  test('an unterminated quote is a problem at the quote', () => {
    const r = splitShell("qemu -name 'oops\n-m 1");
    expect(r.problems).toEqual([{ message: 'this single quote is never closed', at: 11 }]);
    expect(splitShell('a "b').problems).toHaveLength(1);
  });
});
