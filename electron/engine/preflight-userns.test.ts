import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { usernsSettingProblem } from './preflight-userns';

const dirs: string[] = [];
/** A stand-in /proc/sys with these settings. */
function procSys(settings: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'qnet-procsys-'));
  dirs.push(dir);
  for (const [name, value] of Object.entries(settings)) {
    const path = join(dir, name.replaceAll('.', '/'));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${value}\n`);
  }
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('why user namespaces are off', () => {
  it('names the setting of each distribution and the command that changes it', () => {
    expect(
      usernsSettingProblem(procSys({ 'kernel.unprivileged_userns_clone': '0', 'user.max_user_namespaces': '100' }))
        ?.fix,
    ).toBe('sudo sysctl -w kernel.unprivileged_userns_clone=1');
    expect(usernsSettingProblem(procSys({ 'user.max_user_namespaces': '0' }))?.fix).toBe(
      'sudo sysctl -w user.max_user_namespaces=15000',
    );
    expect(
      usernsSettingProblem(
        procSys({ 'user.max_user_namespaces': '9', 'kernel.apparmor_restrict_unprivileged_userns': '1' }),
      )?.why,
    ).toMatch(/AppArmor/);
    expect(
      usernsSettingProblem(procSys({ 'user.max_user_namespaces': '9', 'kernel.unprivileged_userns_clone': '1' })),
    ).toBeNull();
  });
});
