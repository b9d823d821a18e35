import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from './engine';
import { NO_KVM } from '../testkit/lab';
import { controlAuthLine } from '../testkit/engine';
import { fileTrustStore, topologyDigest } from './trust';
import { loadTopology } from '../../shared/model';
import { createConnection } from 'node:net';
import { WebSocket } from 'ws';
import { startServer } from '../server/server';
import { controlSocketPath } from './control-socket';
import { serveControl } from './control-server';

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

/** A second, unprivileged user (made when missing): someone else who might plant an approval. */
function otherUid(): number {
  const user = 'qnet-other';
  const id = () => spawnSync('id', ['-u', user], { encoding: 'utf8' });
  if (id().status !== 0) spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', user]);
  const r = id();
  if (r.status !== 0) throw new Error(`cannot create the user ${user}`);
  return Number(r.stdout.trim());
}

describe('the trust step in the engine', () => {
  // A binary of the file's and a kernel that does not exist: approved, preflight asks the binary its version (the
  // canary shows it ran only then) and stops the launch on the missing kernel before anything is set up.
  const risky = (binary: string, kernel = '/nonexistent/qnet-kernel') =>
    `version: 1\nname: risky\nnodes:\n  - id: a\n    kind: vm\n    binary: ${JSON.stringify(binary)}\n    boot: { type: kernel, kernel: ${kernel} }\n`;
  const digestOf = (text: string) => {
    const r = loadTopology(text);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return topologyDigest(r.topology);
  };

  it('refuses a launch of a file that runs host programs until the user approves its content; remembers it', async () => {
    const canary = join(tmp, 'canary-trust');
    const binary = evilScript(canary);
    const file = join(tmp, 'config-a', 'qnet', 'trusted.json');
    const newEngine = () =>
      createEngine({
        stateDir: join(tmp, 'state'),
        kvm: NO_KVM,
        defaults: { isolation: 'netns' },
        trust: fileTrustStore(file),
      });
    engine = newEngine();
    const text = risky(binary);
    const source = { kind: 'yaml' as const, text };

    const refused = await engine.request({ type: 'launch', source });
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.error.code).toBe('UNTRUSTED');
    expect(refused.error.trust?.digest).toBe(digestOf(text));
    expect(refused.error.trust?.items.map((i) => `${i.node} ${i.field}`)).toEqual(['a binary', 'a boot.kernel']);
    expect(refused.error.message).toContain(`runs the host program ${binary}`);
    expect(existsSync(canary), 'ran before approval').toBe(false);
    expect(existsSync(file)).toBe(false);

    const wrong = await engine.request({
      type: 'launch',
      source,
      options: { trust: digestOf(risky(binary, '/other')) },
    });
    expect(!wrong.ok && wrong.error.code).toBe('UNTRUSTED');
    expect(existsSync(canary)).toBe(false);

    const approved = await engine.request({ type: 'launch', source, options: { trust: refused.error.trust!.digest } });
    expect(!approved.ok && approved.error.code).toBe('PREFLIGHT_FAILED');
    expect(existsSync(canary), 'the approved binary is asked its version at launch').toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(tmp, 'config-a', 'qnet')).mode & 0o777).toBe(0o700);
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).trusted)).toEqual([refused.error.trust!.digest]);

    // Remembered for this content, by another engine (another client: the CLI, the desktop app) too.
    await engine.dispose();
    engine = newEngine();
    const again = await engine.request({ type: 'launch', source });
    expect(!again.ok && again.error.code).toBe('PREFLIGHT_FAILED');
    // Moving nodes on the canvas changes nothing it runs; an edit of a risky field asks again.
    const moved = await engine.request({
      type: 'launch',
      source: { kind: 'yaml', text: `${text}layout:\n  a: { x: 5, y: 9 }\n` },
    });
    expect(!moved.ok && moved.error.code).toBe('PREFLIGHT_FAILED');
    const edited = await engine.request({
      type: 'launch',
      source: { kind: 'yaml', text: risky(binary, '/nonexistent/other') },
    });
    expect(!edited.ok && edited.error.code).toBe('UNTRUSTED');
  });

  it('launches a file that runs nothing on the host without asking', async () => {
    engine = createEngine({
      stateDir: join(tmp, 'state'),
      kvm: NO_KVM,
      trust: fileTrustStore(join(tmp, 'config-b', 'trusted.json')),
    });
    const r = await engine.request({
      type: 'launch',
      source: {
        kind: 'yaml',
        text: 'version: 1\nname: plain\nnodes:\n  - { id: a, kind: vm, boot: { type: kernel, kernel: /nonexistent } }\n',
      },
    });
    // Only the kernel is an item here: take it out and the launch gets past the trust step to preflight.
    expect(!r.ok && r.error.code).toBe('UNTRUSTED');
    // (a hub across two VMs: the compiler's error stops it before anything runs)
    const hub =
      'version: 1\nname: plain\nnodes:\n  - { id: a, kind: vm, nics: [{ id: e }] }\n  - { id: b, kind: vm, nics: [{ id: e }] }\n' +
      '  - { id: h, kind: hub }\nlinks:\n  - { a: a:e, b: h }\n  - { a: b:e, b: h }\n';
    const plain = await engine.request({ type: 'launch', source: { kind: 'yaml', text: hub } });
    expect(!plain.ok && plain.error.code).toBe('INVALID_TOPOLOGY');
    // Refused by the file's own errors (networking in extra arguments) before anything is asked.
    const smuggled = await engine.request({
      type: 'launch',
      source: {
        kind: 'yaml',
        text: 'version: 1\nname: s\nnodes:\n  - { id: a, kind: vm, extraArgs: [-readconfig, /tmp/x.cfg] }\n',
      },
    });
    expect(!smuggled.ok && smuggled.error.code).toBe('INVALID_TOPOLOGY');
  });

  it('does not count an approval another user planted, one behind a symlink, or one in a directory others may write', () => {
    const text = risky('/bin/true');
    const digest = digestOf(text);
    const body = JSON.stringify({ version: 1, trusted: { [digest]: { lab: 'risky', at: '2020-01-01T00:00:00Z' } } });
    const plant = (name: string) => {
      const dir = join(tmp, name, 'qnet');
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      return { dir, file: join(dir, 'trusted.json') };
    };
    const mine = plant('config-mine');
    writeFileSync(mine.file, body, { mode: 0o600 });
    expect(fileTrustStore(mine.file).has(digest)).toBe(true);

    const theirs = plant('config-theirs');
    writeFileSync(theirs.file, body, { mode: 0o600 });
    chownSync(theirs.file, otherUid(), otherUid());
    expect(fileTrustStore(theirs.file).has(digest)).toBe(false);

    const linked = plant('config-link');
    symlinkSync(mine.file, linked.file);
    expect(fileTrustStore(linked.file).has(digest)).toBe(false);
    expect(fileTrustStore(linked.file).remember(digest, 'x')).toBeNull();
    expect(statSync(linked.file).isFile()).toBe(true); // replaced, not followed
    expect(readFileSync(mine.file, 'utf8')).toBe(body);

    const open = plant('config-open');
    writeFileSync(open.file, body, { mode: 0o600 });
    chmodSync(open.dir, 0o777);
    expect(fileTrustStore(open.file).has(digest)).toBe(false);
    expect(fileTrustStore(open.file).remember(digest, 'x')).toMatch(/writable by others/);
  });
});

/** One request line over a transport, its result. */
type Send = (request: unknown) => Promise<{ ok: boolean; error?: { code: string; message: string } }>;

/** The real control socket of a real engine: raw JSON lines. */
async function overSocket(e: Engine): Promise<{ send: Send; close: () => Promise<void> }> {
  const server = await serveControl(e, controlSocketPath(join(tmp, `sock-${Math.random().toString(36).slice(2)}`)));
  const socket = createConnection(server.path);
  await new Promise((r) => socket.once('connect', r));
  socket.write(controlAuthLine(server.path));
  const waiting = new Map<number, (r: never) => void>();
  let buf = '';
  socket.on('data', (d) => {
    buf += d.toString();
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const m = JSON.parse(buf.slice(0, nl)) as { id?: number; result?: never };
      buf = buf.slice(nl + 1);
      if (typeof m.id === 'number') waiting.get(m.id)?.(m.result!);
    }
  });
  let id = 0;
  return {
    send: (request) =>
      new Promise((resolve) => {
        waiting.set(++id, resolve as never);
        socket.write(`${JSON.stringify({ id, request })}\n`);
      }),
    close: async () => {
      socket.destroy();
      await server.close();
    },
  };
}

/** The real web server's /api/ws in front of the same engine. */
async function overWebSocket(e: Engine): Promise<{ send: Send; close: () => Promise<void> }> {
  const root = mkdtempSync(join(tmp, 'www-'));
  writeFileSync(join(root, 'index.html'), '<!doctype html>');
  const server = await startServer({ port: 0, host: '127.0.0.1', root, routes: {}, engine: e });
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/ws?token=${server.token}`, {
    origin: `http://127.0.0.1:${server.port}`,
  });
  await new Promise((r) => ws.once('open', r));
  const waiting = new Map<number, (r: never) => void>();
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as { id?: number; result?: never };
    if (typeof m.id === 'number') waiting.get(m.id)?.(m.result!);
  });
  let id = 0;
  return {
    send: (request) =>
      new Promise((resolve) => {
        waiting.set(++id, resolve as never);
        ws.send(JSON.stringify({ id, request }));
      }),
    close: async () => {
      ws.terminate();
      await server.close();
    },
  };
}

describe('the engine API refuses what a file would not pass, and garbage, with a sentence', () => {
  it.each([
    ['control socket', overSocket],
    ['WebSocket', overWebSocket],
  ] as const)('over the %s', async (_, open) => {
    engine = createEngine({
      stateDir: join(tmp, 'state'),
      kvm: NO_KVM,
      trust: fileTrustStore(join(tmp, 'config-api', 'trusted.json')),
    });
    const t = await open(engine);
    try {
      const doc = (topology: unknown, options?: unknown) => ({
        type: 'preflight',
        source: { kind: 'document', topology },
        ...(options === undefined ? {} : { options }),
      });
      const ok = { version: 1, name: 'api', nodes: [{ id: 'a', kind: 'vm' }] };

      // Refused exactly as in a file: the same codes and sentences (without a line).
      const fileError = (text: string) => {
        const r = loadTopology(text);
        return r.ok ? '' : r.errors.map((e) => e.message).join('\n');
      };
      const traversal = { version: 1, name: 'api', nodes: [{ id: '../../../etc/x', kind: 'vm' }] };
      const comma = {
        version: 1,
        name: 'api',
        nodes: [{ id: 'a', kind: 'vm', nics: [{ id: 'e', model: 'virtio,netdev=x' }] }],
      };
      for (const bad of [traversal, comma]) {
        const r = await t.send(doc(bad));
        expect(r.ok).toBe(false);
        expect(r.error).toEqual({ code: 'INVALID_TOPOLOGY', message: fileError(JSON.stringify(bad)) });
      }
      const launched = await t.send({ type: 'launch', source: { kind: 'document', topology: traversal } });
      expect(launched.error?.code).toBe('INVALID_TOPOLOGY');

      // Garbage: a sentence, never a TypeError.
      for (const garbage of [
        { nodes: 5 },
        { version: 1, name: 'x', nodes: [null, 7] },
        { version: 1, name: 'x', links: 'a' },
      ]) {
        const r = await t.send(doc(garbage));
        expect(r.ok).toBe(false);
        expect(r.error?.code).toBe('INVALID_TOPOLOGY');
        expect(r.error?.message).not.toMatch(/TypeError|Cannot read|undefined is not|internal/i);
      }
      const options: [unknown, string][] = [
        [{ privilege: 'banana' }, 'options.privilege must be root, helper or user (got "banana")'],
        [{ isolation: 'moon' }, 'options.isolation must be host, netns or userns (got "moon")'],
        [{ isolation: 7 }, 'options.isolation must be host, netns or userns (got 7)'],
        [{ stateDir: 'relative/dir' }, 'options.stateDir must be an absolute path (got "relative/dir")'],
        [{ trust: 'yes' }, 'options.trust must be the digest an UNTRUSTED error gave (sha256:…)'],
        [{ qemu: 'qemu-10' }, 'options.qemu must be an absolute path (got "qemu-10")'],
        [{ qemu: join(tmp, 'no-qemu') }, `options.qemu: the chosen QEMU ${join(tmp, 'no-qemu')} does not exist`],
        [
          { qemu: tmp },
          `options.qemu: the chosen QEMU ${tmp} holds no qemu-system-<arch> binary (looked in usr/bin, bin and itself)`,
        ],
        [
          { frobnicate: true },
          'options.frobnicate is not a launch option (isolation, privilege, stateDir, qemu, trust)',
        ],
        ['fast', 'options must be an object'],
      ];
      for (const [o, message] of options) {
        for (const type of ['preflight', 'launch']) {
          const r = await t.send({ ...doc(ok, o), type });
          expect(r, JSON.stringify(o)).toEqual({ ok: false, error: { code: 'INVALID_REQUEST', message } });
        }
      }
      expect((await t.send(doc(ok, { privilege: 'user', isolation: 'netns', stateDir: join(tmp, 'state') }))).ok).toBe(
        true,
      );

      // The same caps as a file: too many nodes is a sentence naming the cap, in milliseconds.
      const hubs = {
        version: 1,
        name: 'many',
        nodes: Array.from({ length: 10_001 }, (_, i) => ({ id: `h${i}`, kind: 'hub' })),
      };
      const many = await t.send(doc(hubs));
      expect(many.error?.message).toContain('the topology has 10001 nodes: at most 10000 are allowed');
      const text = `version: 1\nname: big\ndescription: "${'x'.repeat(8 * 1024 * 1024)}"\n`;
      const big = await t.send({ type: 'preflight', source: { kind: 'yaml', text } });
      expect(big.error?.message).toContain('the topology is larger than 8 MiB');
    } finally {
      await t.close();
    }
  });
});
