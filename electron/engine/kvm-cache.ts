/**
 * The KVM test boot's answers for this boot of the machine, kept in the user's cache (`$XDG_CACHE_HOME/qnet/kvm.json`):
 * a test boot can take seconds (a host whose Linux guests hang under KVM waits out the timeout), and `qnet compile`,
 * `qnet serve` and every engine ask, each a process of its own. An answer holds while the machine's boot, the QEMU
 * binary, the kernel tried and /dev/kvm itself are the same ones; anything else asks again. A file that is not the
 * user's own, or cannot be read, is ignored; one is written beside it and renamed over it, never through a link.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { KvmProbe } from './kvm';
import { readOwnFile } from './state-dir';

interface CacheFile {
  readonly boot: string;
  readonly answers: Record<string, KvmProbe>;
}

function cacheFile(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'qnet', 'kvm.json');
}

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

/** What a file is now (path, inode, size, change time), or its absence: an answer about it holds while this does. */
function identity(path: string | undefined): string {
  if (path === undefined) return '-';
  try {
    const st = statSync(path);
    return `${path}:${st.ino}:${st.size}:${st.ctimeMs}`;
  } catch {
    return `${path}:missing`;
  }
}

/** The key of one question: the QEMU binary, the kernel and initramfs tried, and /dev/kvm, as they are now. */
export function kvmQuestion(binaryPath: string | null, kernel?: string, initrd?: string): string {
  return [binaryPath ?? 'missing', kernel, initrd, '/dev/kvm'].map((p) => identity(p ?? undefined)).join('|');
}

function readCache(env: NodeJS.ProcessEnv): CacheFile | null {
  try {
    const text = readOwnFile(cacheFile(env));
    if (text === null) return null;
    const doc = JSON.parse(text) as CacheFile;
    return doc.boot === bootId() && typeof doc.answers === 'object' && doc.answers !== null ? doc : null;
  } catch {
    return null;
  }
}

/** The answer this boot gave to `question`, if it was kept. */
export function keptKvmAnswer(question: string, env: NodeJS.ProcessEnv = process.env): KvmProbe | null {
  const a = readCache(env)?.answers[question];
  return a && typeof a.usable === 'boolean' && typeof a.reason === 'string'
    ? { usable: a.usable, reason: a.reason }
    : null;
}

/** Keeps an answer for the rest of this boot; a cache that cannot be written is only a slower next question. */
export function keepKvmAnswer(question: string, answer: KvmProbe, env: NodeJS.ProcessEnv = process.env): void {
  const file = cacheFile(env);
  const doc: CacheFile = { boot: bootId(), answers: { ...readCache(env)?.answers, [question]: answer } };
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
    const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      writeSync(fd, JSON.stringify(doc));
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch {
    rmSync(tmp, { force: true });
  }
}

/** Forgets every kept answer (tests that must see a test boot). */
export function forgetKvmAnswers(env: NodeJS.ProcessEnv = process.env): void {
  rmSync(cacheFile(env), { force: true });
}
