import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { forgetKvmAnswers, keepKvmAnswer, keptKvmAnswer, kvmQuestion } from './kvm-cache';

const dir = mkdtempSync(join(tmpdir(), 'qnet-kvmcache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('KVM answers kept for this boot', () => {
  const env = { XDG_CACHE_HOME: join(dir, 'cache') };
  const kernel = join(dir, 'vmlinuz');
  writeFileSync(kernel, 'k');
  const answer = { usable: false, reason: 'a Linux kernel printed nothing within 5000 ms under KVM' };

  it('answers the same question again, not another one (another kernel, the kernel changed)', () => {
    const question = kvmQuestion('/usr/bin/qemu-system-x86_64', kernel);
    expect(keptKvmAnswer(question, env)).toBeNull();
    keepKvmAnswer(question, answer, env);
    expect(keptKvmAnswer(question, env)).toEqual(answer);
    expect(keptKvmAnswer(kvmQuestion('/usr/bin/qemu-system-x86_64', join(dir, 'other')), env)).toBeNull();
    writeFileSync(kernel, 'a rebuilt kernel');
    expect(keptKvmAnswer(kvmQuestion('/usr/bin/qemu-system-x86_64', kernel), env)).toBeNull();
    forgetKvmAnswers(env);
    expect(keptKvmAnswer(question, env)).toBeNull();
  });

  it('never reads nor writes through a link planted where its file goes', () => {
    const planted = { XDG_CACHE_HOME: join(dir, 'planted') };
    mkdirSync(join(dir, 'planted', 'qnet'), { recursive: true });
    const victim = join(dir, 'victim');
    writeFileSync(
      victim,
      JSON.stringify({ boot: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(), answers: {} }),
    );
    symlinkSync(victim, join(dir, 'planted', 'qnet', 'kvm.json'));
    const question = kvmQuestion(null, kernel);
    expect(keptKvmAnswer(question, planted)).toBeNull();
    keepKvmAnswer(question, answer, planted);
    expect(JSON.parse(readFileSync(victim, 'utf8'))).toEqual(expect.objectContaining({ answers: {} }));
    expect(keptKvmAnswer(question, planted)).toEqual(answer);
  });
});
