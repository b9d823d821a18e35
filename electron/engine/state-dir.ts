/**
 * Trusting a state directory. Labs keep journals (replayed as root by recovery), sockets (the engine's control,
 * QEMU's QMP and consoles), pidfiles and logs there: whoever can write in it, or replace it, or any directory
 * above it, can make the engine kill, run or overwrite things. So a state directory is used only when
 * - it is a directory owned by the user (root's only when root-owned), writable by nobody else (no group or other
 *   write bit), reached through its real path (no symlink in it that someone else could swap), and
 * - every directory above it is owned by root or the user and writable by nobody else, unless it is sticky like
 *   /tmp (then nobody else can rename or delete what the user owns in it).
 * A base directory the engine makes is made 0700. Everything else is refused with a sentence naming the path
 * and the fix.
 */
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';

/** A state directory refused (the message names the path and the fix): the CLI prints it as is. */
export class StateDirError extends Error {
  override readonly name = 'StateDirError';
}

/** The effective uid of this process (who owns what it creates). */
export function effectiveUid(): number {
  return process.geteuid?.() ?? 0;
}

export type DirCheck =
  | { readonly ok: true; readonly path: string }
  | { readonly ok: false; readonly missing: boolean; readonly message: string };

const refuse = (message: string, missing = false): DirCheck => ({ ok: false, missing, message });
const octal = (mode: number) => `0${(mode & 0o7777).toString(8)}`;
const WHERE = 'use a directory of your own: --state-dir DIR or $QNET_STATE_DIR';

function errnoOf(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? '';
}

/** Why a file or directory is not its owner's alone: an owner other than `owners`, or writable by group or others. */
export type NotAlone = { readonly kind: 'owner' } | { readonly kind: 'writable'; readonly by: 'anyone' | 'its group' };

/**
 * The one rule of owner and mode for what the app trusts (state directories, their files, the trust store): owned
 * by one of `owners`, written by nobody else (a sticky directory above, like /tmp, when `stickyOk`). Null when so.
 */
export function notAlone(
  st: { readonly uid: number; readonly mode: number },
  owners: readonly number[],
  stickyOk = false,
): NotAlone | null {
  if (!owners.includes(st.uid)) return { kind: 'owner' };
  const sticky = (st.mode & 0o1000) !== 0;
  if ((st.mode & 0o022) !== 0 && !(stickyOk && sticky))
    return { kind: 'writable', by: (st.mode & 0o002) !== 0 ? 'anyone' : 'its group' };
  return null;
}

/**
 * The real path of state directory `dir` when it, and every directory above it, is safe for `uid` (see the file
 * comment); otherwise why not. `what` names it in messages ("the state directory", "the lab directory").
 */
export function checkPrivateDir(dir: string, uid: number = effectiveUid(), what = 'the state directory'): DirCheck {
  if (!dir.startsWith('/')) return refuse(`${what} ${dir} is not an absolute path`);
  let real: string;
  try {
    real = realpathSync(dir);
  } catch (err) {
    return errnoOf(err) === 'ENOENT'
      ? refuse(`${what} ${dir} does not exist`, true)
      : refuse(`cannot read ${what} ${dir}: ${(err as Error).message}`);
  }
  const chain: string[] = [];
  for (let d = real; ; d = dirname(d)) {
    chain.unshift(d);
    if (d === '/') break;
  }
  for (const d of chain) {
    let st;
    try {
      st = lstatSync(d);
    } catch (err) {
      return refuse(`cannot read ${d} (above ${what} ${dir}): ${(err as Error).message}`);
    }
    const own = d === real;
    const by = own ? `${what} ${dir}${real !== dir ? ` (${real})` : ''}` : `${d}, above ${what} ${dir},`;
    if (!st.isDirectory()) return refuse(`${by} is not a directory`);
    const problem = notAlone(st, own || uid === 0 ? [uid] : [0, uid], !own);
    if (problem?.kind === 'owner') {
      const whose = uid === 0 ? 'root' : `you (uid ${uid})${own ? '' : ' or root'}`;
      return refuse(
        `${by} belongs to uid ${st.uid}, not to ${whose}: whoever owns it can plant journals, sockets and symlinks there; ${WHERE}`,
      );
    }
    if (problem?.kind === 'writable') {
      const fix = own ? `chmod 700 ${real}` : `chmod go-w ${d}, or ${WHERE}`;
      return refuse(`${by} is writable by ${problem.by} (mode ${octal(st.mode)}): ${fix}`);
    }
  }
  return { ok: true, path: real };
}

/** Makes `dir` when it is missing (mode 0700, and any missing parents 0700 too), then checks it (checkPrivateDir). */
export function ensurePrivateDir(dir: string, uid: number = effectiveUid(), what = 'the state directory'): DirCheck {
  const first = checkPrivateDir(dir, uid, what);
  if (first.ok || !first.missing) return first;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    return refuse(`cannot create ${what} ${dir}: ${(err as Error).message}`);
  }
  return checkPrivateDir(dir, uid, what);
}

/**
 * The lab directory `labDir` (`<base>/<lab>`), made when missing, both it and its base checked: the base made
 * 0700 when missing. The path must be real already (the engine compiles with the base's real path), so that every
 * path of the plan under it is the path that was checked.
 */
export function ensureLabDir(labDir: string, uid: number = effectiveUid()): DirCheck {
  const base = ensurePrivateDir(dirname(labDir), uid);
  if (!base.ok) return base;
  const lab = ensurePrivateDir(labDir, uid, 'the lab directory');
  if (!lab.ok) return lab;
  if (lab.path !== labDir)
    return refuse(
      `the lab directory ${labDir} is reached through a symlink (its real path is ${lab.path}): use the real path as the state directory`,
    );
  return lab;
}

/**
 * Why the open file `fd` (at `path`) is not one of the user's own private files: a regular file, owned by `uid`,
 * writable by nobody else. Null when it is.
 */
export function foreignFile(fd: number, path: string, uid: number = effectiveUid()): string | null {
  const st = fstatSync(fd);
  if (!st.isFile()) return `${path} is not a regular file`;
  const problem = notAlone(st, [uid]);
  if (problem?.kind === 'owner')
    return `${path} belongs to uid ${st.uid}, not to ${uid === 0 ? 'root' : `you (uid ${uid})`}`;
  if (problem) return `${path} is writable by others (mode ${octal(st.mode)})`;
  return null;
}

/**
 * Opens one of the user's own files in a state directory for appending (and reading, with `read`), made 0600 when
 * missing; never through a symlink (O_NOFOLLOW), never a file that is not the user's (foreignFile). Throws an Error
 * whose message says which.
 */
export function openOwnFile(path: string, read = false): number {
  const flags =
    (read ? constants.O_RDWR : constants.O_WRONLY) |
    constants.O_APPEND |
    constants.O_CREAT |
    constants.O_NOFOLLOW |
    constants.O_NONBLOCK;
  let fd: number;
  try {
    fd = openSync(path, flags, 0o600);
  } catch (err) {
    const message =
      errnoOf(err) === 'ELOOP'
        ? `${path} is a symlink: refused (a state file is never written through one)`
        : `cannot open ${path}: ${(err as Error).message}`;
    throw new Error(message, { cause: err });
  }
  const why = foreignFile(fd, path);
  if (why !== null) {
    closeSync(fd);
    throw new Error(`${why}: refused`);
  }
  return fd;
}

/** Reads one of the user's own files (see foreignFile) without following a symlink; null when it is missing. */
export function readOwnFile(path: string): string | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return null;
    throw new Error(
      errnoOf(err) === 'ELOOP' ? `${path} is a symlink: refused` : `cannot read ${path}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  try {
    const why = foreignFile(fd, path);
    if (why !== null) throw new Error(`${why}: refused`);
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}
