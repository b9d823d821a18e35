import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultStateDir, shortStateDir } from './host-paths';
import { checkPrivateDir, effectiveUid, ensureLabDir, ensurePrivateDir } from './state-dir';

let root: string;
const me = effectiveUid();
const asRoot = me === 0;

beforeEach(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'qnet-statedir-')));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('state directories', () => {
  it('makes a missing base 0700 (and its missing parents), and returns its real path', () => {
    const base = join(root, 'a', 'b', 'qnet');
    expect(ensurePrivateDir(base)).toEqual({ ok: true, path: base });
    expect(statSync(base).mode & 0o777).toBe(0o700);
    expect(statSync(join(root, 'a')).mode & 0o777).toBe(0o700);
    expect(ensureLabDir(join(base, 'lab'))).toEqual({ ok: true, path: join(base, 'lab') });
    expect(statSync(join(base, 'lab')).mode & 0o777).toBe(0o700);
  });

  it('refuses a directory writable by its group or by anyone, naming it and the fix', () => {
    for (const mode of [0o770, 0o777, 0o1777]) {
      const dir = join(root, `m${mode.toString(8)}`);
      mkdirSync(dir);
      chmodSync(dir, mode);
      const r = checkPrivateDir(dir);
      expect(r.ok).toBe(false);
      if (!r.ok)
        expect(r.message).toBe(
          `the state directory ${dir} is writable by ${mode & 0o002 ? 'anyone' : 'its group'} (mode 0${mode.toString(8)}): chmod 700 ${dir}`,
        );
    }
  });

  it('refuses a directory below one that others can write (not sticky); accepts one below sticky /tmp', () => {
    const open = join(root, 'open');
    mkdirSync(join(open, 'qnet'), { recursive: true, mode: 0o700 });
    chmodSync(open, 0o777);
    const r = checkPrivateDir(join(open, 'qnet'));
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.message).toBe(
        `${open}, above the state directory ${join(open, 'qnet')}, is writable by anyone (mode 0777): chmod go-w ${open}, or use a directory of your own: --state-dir DIR or $QNET_STATE_DIR`,
      );
    expect(statSync('/tmp').mode & 0o1000).toBe(0o1000);
    expect(checkPrivateDir(root).ok).toBe(true); // under /tmp, which is sticky
  });

  it.runIf(asRoot)("refuses (as root) a directory of another user's, or one below another user's directory", () => {
    const theirs = join(root, 'theirs');
    mkdirSync(theirs, { mode: 0o700 });
    chownSync(theirs, 65534, 65534);
    const r = checkPrivateDir(theirs);
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.message).toMatch(
        new RegExp(
          `^the state directory ${theirs} belongs to uid 65534, not to root: whoever owns it can plant journals`,
        ),
      );
    const below = join(root, 'parent');
    mkdirSync(join(below, 'qnet'), { recursive: true, mode: 0o700 });
    chownSync(below, 65534, 65534);
    const q = ensureLabDir(join(below, 'qnet', 'lab'));
    expect(q.ok).toBe(false);
    if (!q.ok)
      expect(q.message).toMatch(
        new RegExp(`^${below}, above the state directory ${join(below, 'qnet')}, belongs to uid 65534, not to root`),
      );
  });

  it('checks the real path of a symlinked base; refuses a lab directory reached through a symlink; refuses a file', () => {
    const real = join(root, 'real');
    mkdirSync(real, { mode: 0o700 });
    symlinkSync(real, join(root, 'link'));
    expect(checkPrivateDir(join(root, 'link'))).toEqual({ ok: true, path: real });
    mkdirSync(join(root, 'elsewhere'), { mode: 0o700 });
    symlinkSync(join(root, 'elsewhere'), join(real, 'lab'));
    const r = ensureLabDir(join(real, 'lab'));
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.message).toBe(
        `the lab directory ${join(real, 'lab')} is reached through a symlink (its real path is ${join(root, 'elsewhere')}): use the real path as the state directory`,
      );
    writeFileSync(join(root, 'file'), '');
    expect(checkPrivateDir(join(root, 'file'))).toEqual({
      ok: false,
      missing: false,
      message: `the state directory ${join(root, 'file')} is not a directory`,
    });
    expect(checkPrivateDir(join(root, 'none'))).toMatchObject({ ok: false, missing: true });
  });

  it("defaults to a directory the user owns, never a predictable one in /tmp; the short one is the user's too", () => {
    expect(defaultStateDir({}, 0)).toBe('/run/qnet');
    expect(defaultStateDir({ XDG_RUNTIME_DIR: '/run/user/1000' }, 1000)).toBe('/run/user/1000/qnet');
    expect(defaultStateDir({ HOME: '/home/ann' }, 1000)).toBe('/home/ann/.qnet');
    expect(defaultStateDir({ QNET_STATE_DIR: '/srv/q', HOME: '/home/ann' }, 1000)).toBe('/srv/q');
    expect(shortStateDir({}, 0)).toBe('/run/qn');
    expect(shortStateDir({ XDG_RUNTIME_DIR: '/run/user/1000' }, 1000)).toBe('/run/user/1000/qn');
    expect(shortStateDir({ HOME: '/home/ann' }, 1000)).toBe('/home/ann/.qn');
  });
});
