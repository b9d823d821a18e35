import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/* A topology file from elsewhere, through the real bundled CLI (bin/qnet.js → dist/qnet.mjs): reading it runs nothing. */

const root = join(import.meta.dirname, '../..');
let tmp = '';

function qnet(args: string[], cwd = tmp) {
  const r = spawnSync(process.execPath, [join(root, 'bin/qnet.js'), ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 20_000,
    env: { ...process.env, QNET_STATE_DIR: join(tmp, 'state') },
  });
  return { code: r.status, out: r.stdout, err: r.stderr, signal: r.signal };
}

/** A script that leaves `canary` behind whenever anything runs it. */
function evilScript(dir: string, canary: string): string {
  const path = join(dir, 'evil.sh');
  writeFileSync(path, `#!/bin/sh\necho "$@" >> ${JSON.stringify(canary)}\necho 'QEMU emulator version 7.2.0'\n`);
  chmodSync(path, 0o755);
  return path;
}

beforeAll(() => {
  const built = spawnSync(process.execPath, ['scripts/build-cli.mjs'], { cwd: root, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`CLI build failed: ${built.stderr}`);
  tmp = mkdtempSync(join(tmpdir(), 'qnet-hostile-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('a VM binary named by the file', () => {
  it('is not run by validate, compile or export (they probe the standard qemu-system-<arch>)', () => {
    const canary = join(tmp, 'canary');
    evilScript(tmp, canary);
    writeFileSync(
      join(tmp, 'evil.qnet.yaml'),
      'version: 1\nname: evil\nnodes:\n  - { id: a, kind: vm, binary: ./evil.sh, nics: [{ id: eth0 }] }\n  - { id: n, kind: nat }\nlinks:\n  - { a: a:eth0, b: n }\n',
    );
    for (const args of [['validate', 'evil.qnet.yaml'], ['compile', 'evil.qnet.yaml'], ['export', 'evil.qnet.yaml', '-o', 'out']]) {
      const r = qnet(args);
      expect(r.err, args.join(' ')).not.toContain('internal error');
      expect(existsSync(canary), `${args[0]} ran the file's binary`).toBe(false);
    }
    // The plan still names the file's binary: it runs at launch, once the user trusts the file.
    expect(qnet(['compile', 'evil.qnet.yaml', '--json']).out).toContain('./evil.sh');
  });
});
