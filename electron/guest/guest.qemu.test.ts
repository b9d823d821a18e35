// Boots the real tiny guest under TCG (KVM hangs on this machine): the build, the ready line, static addresses
// across a stream link, DHCP on SLiRP, the power button, and aarch64 `virt`. Each test runs in its own netns.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTinyGuest } from './build';
import type { TinyGuest } from './build';
import { parseReadyLine } from './ready';

const BOOT_MS = 60_000;

/** Output of a guest's serial console, read through its unix chardev, with input typed back. */
class Console {
  private text = '';
  private waiters = new Set<() => void>();
  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.text += chunk.toString('latin1');
      for (const wake of this.waiters) wake();
    });
  }

  static async connect(path: string, deadline: number): Promise<Console> {
    for (;;) {
      const socket = await new Promise<Socket | undefined>((resolve) => {
        const s = createConnection(path, () => resolve(s)).once('error', () => resolve(undefined));
      });
      if (socket) return new Console(socket);
      if (Date.now() > deadline) throw new Error(`no console socket at ${path}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Resolves with the first match of `pattern` in the output after `from`; rejects at the deadline. */
  waitFor(pattern: RegExp, timeoutMs: number, from = 0): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(this.text.slice(from));
        if (!match) return;
        done();
        resolve(match);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${pattern} within ${timeoutMs} ms; console output:\n${this.text.slice(-2000)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Types a command line and returns the output offset where its output starts. */
  type(line: string): number {
    const from = this.text.length;
    this.socket.write(`${line}\n`);
    return from;
  }

  close(): void {
    this.socket.destroy();
  }
}

interface Guest {
  readonly name: string;
  readonly process: ChildProcess;
  readonly console: Console;
  readonly exited: Promise<number | null>;
}

let netns: string;
let dir: string;
const guests: Guest[] = [];

beforeEach(async () => {
  netns = `qnet-test-${randomBytes(4).toString('hex')}`;
  ip('netns', 'add', netns);
  dir = await mkdtemp(join(tmpdir(), 'qnet-guest-'));
});

afterEach(async () => {
  for (const guest of guests) {
    guest.console.close();
    guest.process.kill('SIGKILL');
    await guest.exited;
  }
  const pids = spawnSync('ip', ['netns', 'pids', netns], { encoding: 'utf8' }).stdout.trim();
  ip('netns', 'del', netns);
  await rm(dir, { recursive: true, force: true });
  const left = guests.filter((g) => isAlive(g.process.pid));
  guests.length = 0;
  expect(pids, 'processes left in the namespace').toBe('');
  expect(
    left.map((g) => g.name),
    'guests still running',
  ).toEqual([]);
});

function ip(...args: string[]): void {
  const result = spawnSync('ip', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`ip ${args.join(' ')}: ${result.stderr}`);
}

function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForFile(path: string, deadline: number): Promise<void> {
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${path} never appeared`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Starts a guest inside the test's namespace with its serial console on a unix chardev, and connects to it. */
async function boot(
  name: string,
  guest: TinyGuest,
  options: { qemu: string; machine: string[]; append: string; net: string[]; qmp?: boolean },
): Promise<Guest> {
  const consoleSock = join(dir, `${name}.console`);
  // prettier-ignore
  const argv = [
    options.qemu,
    ...options.machine,
    '-accel', 'tcg',
    '-m', '256',
    '-nodefaults',
    '-no-user-config',
    '-display', 'none',
    '-kernel', guest.kernel,
    '-initrd', guest.initrd,
    '-append', options.append,
    '-chardev', `socket,id=con0,path=${consoleSock},server=on,wait=off,logfile=${join(dir, `${name}.log`)}`,
    '-serial', 'chardev:con0',
    ...(options.qmp ? ['-qmp', `unix:${join(dir, `${name}.qmp`)},server=on,wait=off`] : []),
    ...options.net,
  ];
  const child = spawn('ip', ['netns', 'exec', netns, ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 10_000;
  const console = await Promise.race([
    Console.connect(consoleSock, deadline),
    exited.then((code) => Promise.reject(new Error(`${name}: qemu exited with ${code}: ${stderr}`))),
  ]);
  const started = { name, process: child, console, exited };
  guests.push(started);
  return started;
}

async function ready(guest: Guest) {
  const [line] = await guest.console.waitFor(/QNET-READY [^\r\n]*\r?\n/, BOOT_MS); // whole: it may arrive in pieces
  const parsed = parseReadyLine(line);
  await guest.console.waitFor(new RegExp(`${parsed?.hostname ?? 'unparsed'}:~# `), 10_000);
  return parsed;
}

async function pairPing(guest: TinyGuest, qemu: string, machine: string[], consoleName: string, nic: string) {
  const link = join(dir, 'link.sock');
  // prettier-ignore
  const stream = (server: boolean) => [
    '-netdev', `stream,id=n0,server=${server ? 'on' : 'off'},addr.type=unix,addr.path=${link}`,
    '-device', `${nic},netdev=n0,mac=52:54:00:09:00:0${server ? 1 : 2}`,
  ];
  const started = Date.now();
  // The stream server listens first; QEMU 7.2's client does not retry a missing socket.
  const a = await boot('a', guest, {
    qemu,
    machine,
    append: `console=${consoleName} qnet.hostname=a qnet.if0=10.0.9.1/24`,
    net: stream(true),
  });
  await waitForFile(link, Date.now() + 10_000);
  const b = await boot('b', guest, {
    qemu,
    machine,
    append: `console=${consoleName} qnet.hostname=b qnet.if0=10.0.9.2/24`,
    net: stream(false),
  });
  const [readyA, readyB] = await Promise.all([ready(a), ready(b)]);
  const bootMs = Date.now() - started;
  expect(readyA).toEqual({ hostname: 'a', interfaces: ['10.0.9.1/24'] });
  expect(readyB).toEqual({ hostname: 'b', interfaces: ['10.0.9.2/24'] });
  const from = a.console.type('ping -c 1 -W 5 10.0.9.2');
  await a.console.waitFor(/1 packets transmitted, 1 packets received/, 15_000, from);
  return bootMs;
}

describe('tiny guest', () => {
  it('x86_64: two guests on a stream link come up with their addresses and ping each other', async () => {
    const t0 = Date.now();
    const guest = await buildTinyGuest({ arch: 'x86_64', log: () => {} });
    const buildMs = Date.now() - t0;
    const bootMs = await pairPing(guest, 'qemu-system-x86_64', ['-M', 'pc'], 'ttyS0', 'virtio-net-pci');
    console.info(`x86_64: build ${buildMs} ms (built: ${guest.built}), two guests ready in ${bootMs} ms`);
  });

  it('x86_64: NICs are numbered in bus order, DHCP from SLiRP works, system_powerdown powers off', async () => {
    const guest = await buildTinyGuest({ arch: 'x86_64', log: () => {} });
    // virtio_net loads before e1000, so without init's renaming the virtio NIC (second on the bus) would be eth0.
    const vm = await boot('d', guest, {
      qemu: 'qemu-system-x86_64',
      machine: ['-M', 'pc'],
      append: 'console=ttyS0 qnet.hostname=d qnet.if0=dhcp qnet.if1=10.0.9.9/24 quiet',
      net: [
        '-netdev',
        'user,id=n0',
        '-device',
        'e1000,netdev=n0',
        '-netdev',
        'user,id=n1,net=10.0.9.0/24',
        '-device',
        'virtio-net-pci,netdev=n1',
      ],
      qmp: true,
    });
    expect(await ready(vm)).toEqual({ hostname: 'd', interfaces: ['10.0.2.15/24', '10.0.9.9/24'] });
    const from = vm.console.type('ip route; cat /etc/resolv.conf');
    await vm.console.waitFor(/default via 10\.0\.2\.2 dev eth0[\s\S]*nameserver 10\.0\.2\.3/, 10_000, from);

    const qmp = await Console.connect(join(dir, 'd.qmp'), Date.now() + 5_000);
    await qmp.waitFor(/"QMP"/, 5_000);
    qmp.type('{"execute":"qmp_capabilities"}');
    await qmp.waitFor(/"return"/, 5_000);
    qmp.type('{"execute":"system_powerdown"}');
    const code = await Promise.race([
      vm.exited,
      new Promise((resolve) => setTimeout(() => resolve('timeout'), 20_000)),
    ]);
    qmp.close();
    expect(code).toBe(0);
  });

  it('aarch64 virt: two guests with virtio-net-device on a stream link ping each other', async () => {
    const t0 = Date.now();
    const guest = await buildTinyGuest({ arch: 'aarch64', log: () => {} });
    const buildMs = Date.now() - t0;
    const bootMs = await pairPing(
      guest,
      'qemu-system-aarch64',
      ['-M', 'virt', '-cpu', 'max'],
      'ttyAMA0',
      'virtio-net-device',
    );
    console.info(`aarch64: build ${buildMs} ms (built: ${guest.built}), two guests ready in ${bootMs} ms`);
  });
});
