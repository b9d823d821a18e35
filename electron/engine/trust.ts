/**
 * The trust step on the engine's side: a launch of a topology that runs host programs or reaches host files
 * (shared/model/trust.ts) needs the user's approval of its content, given once (LaunchOptions.trust = the
 * content's digest) and remembered in the user's config directory, so the desktop app, web mode and the CLI agree.
 * The engine checks it whatever the client, so no client can skip the question.
 *
 * The remembered answers live in `$XDG_CONFIG_HOME/qnet/trusted.json` (else `~/.config/qnet/trusted.json`): a file
 * of this user, mode 0600, in a directory of this user that nobody else may write (state-dir.ts's `notAlone`);
 * anything else is not read (an approval planted by someone else must not count) and not written to.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ApiError } from '../../shared/api';
import { foreignFile, notAlone } from './state-dir';
import type { Topology } from '../../shared/model';
import { formatTrustItem, trustItems } from '../../shared/model/trust';

/** JSON with object keys sorted, so equal documents give equal text whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** SHA-256 of a loaded topology's content (its canvas positions left out: moving a node changes nothing it runs). */
export function topologyDigest(topology: Topology): string {
  const { layout: _layout, ...content } = topology;
  return `sha256:${createHash('sha256').update(canonicalJson(content)).digest('hex')}`;
}

/** The remembered approvals. */
export interface TrustStore {
  has(digest: string): boolean;
  /** Remembers an approval; a sentence when it could not be kept (the launch goes on: it was approved). */
  remember(digest: string, lab: string): string | null;
}

/** Where this user's approvals are kept. */
export function defaultTrustFile(env: NodeJS.ProcessEnv = process.env): string {
  const config = env.XDG_CONFIG_HOME?.startsWith('/') ? env.XDG_CONFIG_HOME : join(env.HOME ?? homedir(), '.config');
  return join(config, 'qnet', 'trusted.json');
}

interface TrustFile {
  readonly version: 1;
  readonly trusted: Record<string, { readonly lab: string; readonly at: string }>;
}

const MAX_FILE = 1024 * 1024;
const MAX_ENTRIES = 1000;

/** Why a directory may not hold approvals (null when it may): ours, a real directory, written by nobody else. */
function unsafeDir(dir: string, uid: number): string | null {
  const st = lstatSync(dir);
  if (!st.isDirectory()) return `${dir} is not a directory`;
  const problem = notAlone(st, [uid]);
  if (problem?.kind === 'owner') return `${dir} belongs to uid ${st.uid}, not to this user (uid ${uid})`;
  if (problem) return `${dir} is writable by others (mode ${(st.mode & 0o777).toString(8)})`;
  return null;
}

function readTrustFile(path: string, uid: number): TrustFile {
  const empty: TrustFile = { version: 1, trusted: {} };
  let fd: number;
  try {
    if (unsafeDir(dirname(path), uid) !== null) return empty;
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return empty;
  }
  try {
    const st = fstatSync(fd);
    if (foreignFile(fd, path, uid) !== null || st.size > MAX_FILE) return empty;
    const buf = Buffer.alloc(st.size);
    let got = 0;
    while (got < st.size) {
      const n = readSync(fd, buf, got, st.size - got, got);
      if (n === 0) break;
      got += n;
    }
    const value = JSON.parse(buf.subarray(0, got).toString('utf8')) as Partial<TrustFile>;
    if (value.version !== 1 || typeof value.trusted !== 'object' || value.trusted === null) return empty;
    return { version: 1, trusted: value.trusted };
  } catch {
    return empty;
  } finally {
    closeSync(fd);
  }
}

/** The approvals in `path` (see the top of this file for what is trusted); read afresh on each question. */
export function fileTrustStore(path: string = defaultTrustFile(), uid: number = process.getuid?.() ?? 0): TrustStore {
  return {
    has: (digest) => Object.hasOwn(readTrustFile(path, uid).trusted, digest),
    remember(digest, lab) {
      const dir = dirname(path);
      const tmp = join(dir, `.trusted.json.${process.pid}.${randomBytes(4).toString('hex')}`);
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const unsafe = unsafeDir(dir, uid);
        if (unsafe) return `not remembering the approval: ${unsafe}`;
        const entries = Object.entries({
          ...readTrustFile(path, uid).trusted,
          [digest]: { lab, at: new Date().toISOString() },
        });
        entries.sort(([, a], [, b]) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
        const file: TrustFile = { version: 1, trusted: Object.fromEntries(entries.slice(-MAX_ENTRIES)) };
        const fd = openSync(
          tmp,
          constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
          0o600,
        );
        try {
          writeSync(fd, `${JSON.stringify(file, null, 1)}\n`);
        } finally {
          closeSync(fd);
        }
        renameSync(tmp, path);
        return null;
      } catch (err) {
        try {
          unlinkSync(tmp);
        } catch {
          // never created
        }
        return `not remembering the approval in ${path}: ${(err as Error).message}`;
      }
    },
  };
}

/**
 * Whether `topology` may launch: it runs nothing on the host, or its digest was approved before, or `approved` is
 * its digest now (then remembered; `note` says when that failed). Otherwise an UNTRUSTED error with the items.
 */
export function checkTrust(
  topology: Topology,
  approved: string | undefined,
  store: TrustStore,
): { readonly ok: true; readonly note?: string } | { readonly ok: false; readonly error: ApiError } {
  const items = trustItems(topology);
  if (items.length === 0) return { ok: true };
  const digest = topologyDigest(topology);
  if (store.has(digest)) return { ok: true };
  if (approved === digest) {
    const note = store.remember(digest, topology.name);
    return note === null ? { ok: true } : { ok: true, note };
  }
  const message =
    `${topology.name} runs programs, reaches files or opens ports on this host; launch it only if you trust where it came from:\n` +
    items.map((i) => `  ${formatTrustItem(i)}`).join('\n');
  return { ok: false, error: { code: 'UNTRUSTED', message, trust: { digest, items } } };
}
