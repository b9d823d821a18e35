import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, qnet as runQnet } from '../testkit/qnetCli';

/* A topology file from elsewhere, through the real bundled CLI (bin/qnet.js → dist/qnet.mjs): reading it runs nothing. */

const root = join(import.meta.dirname, '../..');
let tmp = '';

function qnet(args: string[], cwd = tmp) {
  return runQnet(args, {
    cwd,
    timeoutMs: 20_000,
    env: { QNET_STATE_DIR: join(tmp, 'state'), XDG_CONFIG_HOME: join(tmp, 'config') },
  });
}

/** A script that leaves `canary` behind whenever anything runs it. */
function evilScript(dir: string, canary: string): string {
  const path = join(dir, 'evil.sh');
  writeFileSync(path, `#!/bin/sh\necho "$@" >> ${JSON.stringify(canary)}\necho 'QEMU emulator version 7.2.0'\n`);
  chmodSync(path, 0o755);
  return path;
}

beforeAll(() => {
  buildCli();
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
    for (const args of [
      ['validate', 'evil.qnet.yaml'],
      ['compile', 'evil.qnet.yaml'],
      ['export', 'evil.qnet.yaml', '-o', 'out'],
    ]) {
      const r = qnet(args);
      expect(r.err, args.join(' ')).not.toContain('internal error');
      expect(existsSync(canary), `${args[0]} ran the file's binary`).toBe(false);
    }
    // The plan still names the file's binary: it runs at launch, once the user trusts the file.
    expect(qnet(['compile', 'evil.qnet.yaml', '--json']).out).toContain('./evil.sh');
  });
});

describe('qnet up and the trust step', () => {
  it('refuses a file that runs host programs without --trust, naming each item and its line; --trust is remembered', () => {
    const dir = join(tmp, 'up');
    mkdirSync(dir);
    const canary = join(dir, 'canary');
    evilScript(dir, canary);
    // The kernel is missing: once approved, preflight stops the launch before anything is set up.
    writeFileSync(
      join(dir, 'risky.qnet.yaml'),
      'version: 1\nname: risky\nnodes:\n  - id: a\n    kind: vm\n    binary: ./evil.sh\n    boot: { type: kernel, kernel: /nonexistent/k }\n',
    );
    const refused = qnet(['up', 'risky.qnet.yaml'], dir);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(
      'risky.qnet.yaml runs programs, reaches files or opens ports on this host; nothing was started',
    );
    expect(refused.err).toContain(
      'risky.qnet.yaml:6: node "a", binary: runs the host program ./evil.sh instead of qemu-system-x86_64',
    );
    expect(refused.err).toContain(
      'risky.qnet.yaml:7: node "a", boot.kernel: gives the guest the host file /nonexistent/k',
    );
    expect(refused.err).toContain('--trust');
    expect(existsSync(canary)).toBe(false);
    expect(existsSync(join(tmp, 'state')) ? readdirSync(join(tmp, 'state')) : []).toEqual([]);

    const trusted = qnet(['up', 'risky.qnet.yaml', '--trust', '--netns'], dir);
    expect(trusted.err).toContain('preflight failed');
    expect(trusted.err).not.toContain('runs programs, reaches files or opens ports');
    expect(existsSync(canary), 'approved: the binary is asked its version at launch').toBe(true);
    expect(statSync(join(tmp, 'config', 'qnet', 'trusted.json')).mode & 0o777).toBe(0o600);

    const again = qnet(['up', 'risky.qnet.yaml', '--netns'], dir);
    expect(again.err).toContain('preflight failed');
    writeFileSync(
      join(dir, 'risky.qnet.yaml'),
      'version: 1\nname: risky\nnodes:\n  - { id: a, kind: vm, binary: ./evil.sh, memory: 64 }\n',
    );
    const edited = qnet(['up', 'risky.qnet.yaml', '--netns'], dir);
    expect(edited.code).toBe(1);
    expect(edited.err).toContain('runs programs, reaches files or opens ports on this host');
  });
});

describe('qnet up and a published port other machines can reach', () => {
  it('refuses without --trust a bridge or NAT node hostfwd off loopback, naming node, address, port and line', () => {
    const dir = join(tmp, 'published');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'open.qnet.yaml'),
      `version: 1
name: open
nodes:
  - id: br
    kind: bridge
    address: 10.0.0.254/24
    hostfwd:
      - { hostAddr: 0.0.0.0, hostPort: 8080, guestAddr: 10.0.0.1, guestPort: 80 }
  - id: wan
    kind: nat
    hostfwd:
      - { hostAddr: 127.0.0.1, hostPort: 2222, guestPort: 22 }
      - { hostAddr: 192.168.77.5, hostPort: 2223, guestPort: 22 }
  - { id: a, kind: vm, nics: [{ id: eth0, ip: 10.0.0.1/24 }, { id: eth1 }] }
links:
  - { a: 'a:eth0', b: br }
  - { a: 'a:eth1', b: wan }
`,
    );
    const refused = qnet(['up', 'open.qnet.yaml', '--netns'], dir);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('open.qnet.yaml runs programs, reaches files or opens ports on this host');
    expect(refused.err).toContain(
      'open.qnet.yaml:8: node "br", hostfwd[0]: opens the host\'s TCP port 8080 on every host address (0.0.0.0) to 10.0.0.1:80 in the lab, where other machines can reach it',
    );
    expect(refused.err).toContain(
      'open.qnet.yaml:13: node "wan", hostfwd[1]: opens the host\'s TCP port 2223 on the host address 192.168.77.5 to port 22 of the guest in the lab, where other machines can reach it',
    );
    expect(refused.err).not.toContain('2222');
    expect(refused.err).toContain('--trust');
    expect(existsSync(join(tmp, 'state', 'open')), 'nothing was set up for the lab').toBe(false);
  });
});

describe('control characters', () => {
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

  it('are refused in names, naming the node and the field, and never reach the terminal raw', () => {
    const file = join(tmp, 'title.qnet.yaml');
    // YAML's \e is ESC: a window-title change, a bell, then clear-screen.
    writeFileSync(file, 'version: 1\nname: esc\nnodes:\n  - id: a\n    kind: vm\n    name: "x\\e]0;pwned\\a\\e[2J"\n');
    const r = qnet(['validate', file]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('title.qnet.yaml:6: node "a" (vm): field "name": must not contain control characters');
    expect(RAW.test(r.out + r.err)).toBe(false);
  });

  it('from other fields are shown escaped by compile, validate and in errors', () => {
    const file = join(tmp, 'notes.qnet.yaml');
    writeFileSync(
      file,
      'version: 1\nname: esc\nnodes:\n  - id: a\n    kind: vm\n    notes: "hi\\e[31m"\n    extraArgs: ["-append", "console=ttyS0 \\e[8mhidden\\e[0m \\u009b2J \\x7f"]\n',
    );
    for (const args of [
      ['compile', file, '--qemu-version', '7.2'],
      ['compile', file, '--json', '--qemu-version', '7.2'],
      ['validate', file],
    ]) {
      const r = qnet(args);
      expect(r.err, args.join(' ')).not.toContain('internal error');
      expect(RAW.test(r.out + r.err), args.join(' ')).toBe(false);
    }
    const text = qnet(['compile', file, '--qemu-version', '7.2']).out;
    expect(text).toContain('\\u001b[8mhidden\\u001b[0m \\u009b2J \\u007f');
    // JSON stays JSON, with the same strings.
    const plan = JSON.parse(qnet(['compile', file, '--json', '--qemu-version', '7.2']).out) as {
      vms: { argv: string[] }[];
    };
    expect(plan.vms[0]!.argv).toContain('console=ttyS0 \u001b[8mhidden\u001b[0m \u009b2J \u007f');

    // An error that quotes what the file says: a kind written with raw control bytes.
    writeFileSync(file, 'version: 1\nname: esc\nnodes:\n  - id: a\n    kind: "\u001b[2Jvm"\n');
    const bad = qnet(['validate', file]);
    expect(bad.code).toBe(1);
    expect(RAW.test(bad.out + bad.err)).toBe(false);
    expect(bad.err).toContain('\\u001b[2Jvm');
  });
});

describe('resource limits', () => {
  it('refuse a FIFO, /dev/zero and a directory at once, without reading them', () => {
    const fifo = join(tmp, 'fifo.qnet.yaml');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    mkdirSync(join(tmp, 'dir.qnet.yaml'));
    for (const [path, why] of [
      [fifo, 'is not a regular file (a FIFO)'],
      ['/dev/zero', 'is not a regular file (a character device)'],
      [join(tmp, 'dir.qnet.yaml'), 'is a directory'],
    ] as const) {
      for (const command of ['validate', 'up']) {
        const started = Date.now();
        const r = qnet([command, path]);
        expect(r.signal, `${command} ${path} hung`).toBeNull();
        expect(r.code, `${command} ${path}`).toBe(1);
        expect(r.err).toContain(why);
        expect(Date.now() - started).toBeLessThan(10_000);
      }
    }
  });

  it('refuse a file over the size cap before reading it, and too many nodes or links with the cap named', () => {
    const huge = join(tmp, 'huge.qnet.yaml');
    let text = 'version: 1\nname: huge\nnodes:\n';
    for (let i = 0; text.length < 9 * 1024 * 1024; i++)
      text += `  - { id: vm${i}, kind: vm, memory: 64, notes: padding-padding-padding }\n`;
    writeFileSync(huge, text);
    const big = qnet(['validate', huge]);
    expect(big.code).toBe(1);
    expect(big.err).toMatch(/huge\.qnet\.yaml is \d+ bytes: a topology file may be at most 8 MiB/);

    const many = join(tmp, 'many.qnet.yaml');
    text = 'version: 1\nname: many\nnodes:\n';
    for (let i = 0; i < 10_001; i++) text += `  - { id: h${i}, kind: hub }\n`;
    writeFileSync(many, text);
    const r = qnet(['validate', many]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('the topology has 10001 nodes: at most 10000 are allowed');
  });
});

describe('qnet export to an unwritable or special target', () => {
  const example = join(root, 'assets/examples/05-socket-pair.qnet.yaml');
  const exportTo = (out: string) => qnet(['export', example, '-o', out, '--qemu-version', '7.2']);

  it('fails fast with a clear error: procfs, a device, a file, a path under a file', () => {
    writeFileSync(join(tmp, 'plain'), 'x');
    for (const [out, why] of [
      ['/proc/forbidden', 'cannot create /proc/forbidden'],
      ['/proc/self/forbidden/deeper', 'cannot create /proc/self/forbidden'],
      ['/dev/null', '/dev/null is not a directory'],
      [join(tmp, 'plain'), `${join(tmp, 'plain')} is not a directory`],
      [join(tmp, 'plain', 'sub'), `${join(tmp, 'plain')} is not a directory`],
    ] as const) {
      const started = Date.now();
      const r = exportTo(out);
      expect(r.signal, `export -o ${out} hung`).toBeNull();
      expect(r.code, out).toBe(1);
      expect(r.err, out).toContain(why);
      expect(r.err).not.toMatch(/\n\s+at /);
      expect(Date.now() - started).toBeLessThan(10_000);
    }
  });

  it('writes into a directory without following a planted symlink or opening a planted FIFO', () => {
    const out = join(tmp, 'export-planted');
    mkdirSync(out);
    const victim = join(tmp, 'victim');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, join(out, 'up.sh'));
    const linked = exportTo(out);
    expect(linked.code).toBe(1);
    expect(linked.err).toContain(`${join(out, 'up.sh')} is a symbolic link`);
    expect(readFileSync(victim, 'utf8')).toBe('precious');

    rmSync(join(out, 'up.sh'));
    expect(spawnSync('mkfifo', [join(out, 'up.sh')]).status).toBe(0);
    const fifo = exportTo(out);
    expect(fifo.signal).toBeNull();
    expect(fifo.code).toBe(1);
    expect(fifo.err).toContain(`${join(out, 'up.sh')} is not a regular file`);

    const fresh = exportTo(join(tmp, 'export-new', 'a', 'b'));
    expect(fresh.code).toBe(0);
    expect(statSync(join(tmp, 'export-new', 'a', 'b', 'up.sh')).mode & 0o111).not.toBe(0);
  });
});
