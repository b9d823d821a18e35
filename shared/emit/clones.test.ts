import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OverlayPlan } from '../compiler/plan';
import { backingMember } from './clones';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'qnet-clones-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A clone plan of `base` at `path`, as far as backingMember reads it. */
function overlayOf(base: string, path: string): OverlayPlan {
  return { base, baseFormat: 'qcow2', path, create: [], info: [], rebase: [], keep: true };
}

describe('backingMember: what up.sh looks for in the real qemu-img info --output=json', () => {
  const names = [
    'plain.qcow2',
    'with space.qcow2',
    'dq"uote.qcow2',
    "sq'uote.qcow2",
    'back\\slash.qcow2',
    'ä-latin1.qcow2',
    '€-bmp.qcow2',
    '😀-astral.qcow2',
    'tab\there.qcow2',
    'new\nline.qcow2',
    'ctl\u0001.qcow2',
  ];
  it.each(names)('%j', (name) => {
    const base = join(dir, name);
    const path = join(dir, `clone-${names.indexOf(name)}.qcow2`);
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', base, '1M']);
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', base, '-F', 'qcow2', path]);
    const info = execFileSync('qemu-img', ['info', '--output=json', path], { encoding: 'utf8' });
    expect(info).toContain(backingMember(overlayOf(base, path)));
    // And a clone of another image is told apart: the same name one letter off is not found.
    expect(info).not.toContain(backingMember(overlayOf(`${base}x`, path)));
  });
});
