/**
 * Is KVM usable? `/dev/kvm` existing proves nothing (on some hosts the device opens, `query-kvm` answers
 * `{enabled: true, present: true}`, and a Linux guest then hangs or QEMU aborts setting MSRs). So the probe boots a
 * real Linux kernel under `-accel kvm` and waits for its first line on the serial port; only that counts. Without a
 * kernel to try (the tiny guest not built yet) it falls back to a 16-byte real-mode program that must reach an
 * `isa-debug-exit` port: weaker (it proves KVM runs guest code at all), and said so in `reason`.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forgetKvmAnswers, keepKvmAnswer, keptKvmAnswer, kvmQuestion } from './kvm-cache';
import { findProgram } from './which';

export interface KvmProbe {
  readonly usable: boolean;
  /** Why (not): for logs and the preflight message. */
  readonly reason: string;
}

export interface KvmProbeOptions {
  readonly binary?: string;
  /** A Linux kernel (x86) to test-boot; without one, the weaker real-mode probe runs. */
  readonly kernel?: string;
  readonly initrd?: string;
  /** How long the test boot may take to print its first console line (default 5 s; TCG prints it in < 1 s). */
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
}

const cache = new Map<string, Promise<KvmProbe>>();

/**
 * Probes KVM once per process (per binary and kernel), and its test boot once per boot of the machine (kvm-cache.ts:
 * `qnet compile`, `qnet serve` and every engine ask); later calls get the kept answer.
 */
export function probeKvm(options: KvmProbeOptions = {}): Promise<KvmProbe> {
  const key = JSON.stringify([options.binary ?? 'qemu-system-x86_64', options.kernel ?? null]);
  let hit = cache.get(key);
  if (!hit) {
    hit = probeOnce(options);
    cache.set(key, hit);
  }
  return hit;
}

/** Forgets cached answers, this process's and the ones kept for this boot (tests that must see a test boot). */
export function clearKvmCache(env: NodeJS.ProcessEnv = process.env): void {
  cache.clear();
  forgetKvmAnswers(env);
}

async function probeOnce(options: KvmProbeOptions): Promise<KvmProbe> {
  if (!existsSync('/dev/kvm')) return { usable: false, reason: '/dev/kvm does not exist' };
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return { usable: false, reason: '/dev/kvm is not readable and writable by this user (join the kvm group)' };
  }
  const env = options.env ?? process.env;
  const kernel = options.kernel && existsSync(options.kernel) ? options.kernel : undefined;
  const question = kvmQuestion(
    findProgram(options.binary ?? 'qemu-system-x86_64', env),
    kernel,
    kernel ? options.initrd : undefined,
  );
  const kept = keptKvmAnswer(question, env);
  if (kept) return kept;
  const answer = await testBoot(options);
  keepKvmAnswer(question, answer, env);
  return answer;
}

async function testBoot(options: KvmProbeOptions): Promise<KvmProbe> {
  const binary = options.binary ?? 'qemu-system-x86_64';
  const timeoutMs = options.timeoutMs ?? 5_000;
  const dir = mkdtempSync(join(tmpdir(), 'qnet-kvm-'));
  try {
    if (options.kernel && existsSync(options.kernel)) {
      const argv = [
        '-accel',
        'kvm',
        '-machine',
        'q35',
        '-nodefaults',
        '-display',
        'none',
        '-m',
        '128',
        '-no-reboot',
        '-serial',
        'stdio',
      ];
      argv.push('-kernel', options.kernel, '-append', 'console=ttyS0 panic=-1');
      if (options.initrd && existsSync(options.initrd)) argv.push('-initrd', options.initrd);
      const r = await runUntil(binary, argv, (out) => /Linux version/.test(out), timeoutMs, options.env);
      if (r.matched) return { usable: true, reason: 'a Linux kernel booted under KVM' };
      return {
        usable: false,
        reason: r.exited
          ? `QEMU exited under KVM: ${lastLine(r.stderr)}`
          : `a Linux kernel printed nothing within ${timeoutMs} ms under KVM`,
      };
    }
    // Real mode at the reset vector: mov al,1; out 0xf4,al; hlt. isa-debug-exit turns it into exit status 3.
    const bios = Buffer.alloc(65536, 0xf4);
    Buffer.from([0xb0, 0x01, 0xe6, 0xf4, 0xf4, 0xeb, 0xfd]).copy(bios, 0xfff0);
    const biosPath = join(dir, 'probe.bin');
    writeFileSync(biosPath, bios);
    const argv = ['-accel', 'kvm', '-machine', 'pc', '-nodefaults', '-display', 'none', '-m', '16', '-bios', biosPath];
    argv.push('-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04');
    const r = await runUntil(binary, argv, () => false, timeoutMs, options.env);
    if (r.exitCode === 3)
      return {
        usable: true,
        reason: 'KVM ran a real-mode probe (no kernel to test-boot: not proven for Linux guests)',
      };
    return {
      usable: false,
      reason: r.exited
        ? `QEMU exited under KVM: ${lastLine(r.stderr)}`
        : `a real-mode probe did not finish within ${timeoutMs} ms under KVM`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function lastLine(text: string): string {
  return (
    text
      .trim()
      .split('\n')
      .filter((l) => !/warning:/.test(l))
      .pop() ?? 'no message'
  );
}

/** Runs QEMU until `match` holds on its stdout, it exits, or the timeout passes; it is always killed after. */
function runUntil(
  binary: string,
  argv: string[],
  match: (stdout: string) => boolean,
  timeoutMs: number,
  env?: NodeJS.ProcessEnv,
): Promise<{ matched: boolean; exited: boolean; exitCode: number | null; stderr: string }> {
  return new Promise((resolve) => {
    let out = '';
    let err = '';
    let settled = false;
    const child = spawn(binary, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    const finish = (matched: boolean, exited: boolean, exitCode: number | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!exited) child.kill('SIGKILL');
      resolve({ matched, exited, exitCode, stderr: err });
    };
    const timer = setTimeout(() => finish(false, false, null), timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('latin1');
      if (match(out)) finish(true, false, null);
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString('utf8');
    });
    child.once('error', (e) => {
      err += e.message;
      finish(false, true, null);
    });
    child.once('exit', (code) => finish(false, true, code));
  });
}
