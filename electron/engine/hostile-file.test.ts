import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from './engine';
import { NO_KVM } from './lab-testkit';

/* A topology from elsewhere, through the real engine: nothing it names runs before the user launches it. */

let tmp = '';
let engine: Engine | undefined;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'qnet-hostile-engine-'));
});
afterEach(async () => {
  await engine?.dispose();
  engine = undefined;
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A script that leaves `canary` behind whenever anything runs it. */
function evilScript(canary: string): string {
  const path = join(tmp, `evil-${Math.random().toString(36).slice(2)}.sh`);
  writeFileSync(path, `#!/bin/sh\necho "$@" >> ${JSON.stringify(canary)}\necho 'QEMU emulator version 7.2.0'\n`);
  chmodSync(path, 0o755);
  return path;
}

const evilYaml = (binary: string) =>
  `version: 1\nname: evil\nnodes:\n  - { id: a, kind: vm, binary: ${JSON.stringify(binary)}, nics: [{ id: eth0 }] }\n  - { id: n, kind: nat }\nlinks:\n  - { a: a:eth0, b: n }\n`;

describe('the engine', () => {
  it("preflight (the page's Validate) does not run a VM's binary named by the file", async () => {
    const canary = join(tmp, 'canary-preflight');
    const binary = evilScript(canary);
    engine = createEngine({ stateDir: join(tmp, 'state'), kvm: NO_KVM, defaults: { isolation: 'netns' } });
    const r = await engine.request({ type: 'preflight', source: { kind: 'yaml', text: evilYaml(binary) } });
    expect(r.ok).toBe(true);
    expect(existsSync(canary), 'preflight ran the file binary').toBe(false);
  });
});
