import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killPids, pidAlive } from '../testkit/procs';
import { buildCli, ROOT as root } from '../testkit/qnetCli';
import {
  consoleRun,
  freePort,
  hostNetwork,
  labProcesses as leftProcesses,
  leftFiles,
  qnetAs as qnet,
  ready as readyLines,
  until,
  upDetached as up,
  type LabHome,
} from '../testkit/userLab';
import { runAs, testUser, userHome, type UserHome } from '../testkit/users';

/*
 * Issue 10: a lab that needs no real host interface runs without root, as an unprivileged user, in a user + network
 * namespace of its own (isolation userns, the default of `qnet up`). Real second users (qnet-test1, qnet-test2), the
 * real CLI, real QEMU guests: the host's links, namespaces and routes stay as they were, sudo and pkexec are never
 * called (a PATH shim records any call), and nothing is left after `qnet down`, also after the engine or the
 * namespace's holder was SIGKILLed.
 */

const EXAMPLE = join(root, 'assets/examples/02-tap-bridge.qnet.yaml');
const LAB = 'tap-bridge';
const guestCache = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'qnet/guest/x86_64');

/** Launches example 02 (or `file`) in the background as the home's user; the engine's pid. */
const upDetached = (h: LabHome, file = EXAMPLE) => up(h, file);
/** Waits for the guests' ready lines in example 02 (or `lab`), the `boots`th of each. */
const ready = (h: LabHome, vms: readonly string[], lab = LAB, boots = 1) => readyLines(h, lab, vms, boots);

/** The journaled holder of the home's lab. */
function holderOf(h: LabHome): number {
  const text = readFileSync(join(h.dir, 'run/qnet', LAB, 'engine.journal'), 'utf8');
  const rec = text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { t: string; pid?: number })
    .find((r) => r.t === 'holder');
  expect(rec?.pid).toBeTypeOf('number');
  return rec!.pid!;
}

let u1: UserHome;
let u2: UserHome;
let before: string;

beforeAll(() => {
  buildCli();
  if (!existsSync(join(guestCache, 'vmlinuz')))
    throw new Error(`no tiny guest in ${guestCache}: run npx qnet guest build`);
  u1 = userHome(testUser('qnet-test1'), guestCache, 'qnet-rootless-');
  u2 = userHome(testUser('qnet-test2'), guestCache, 'qnet-rootless-');
  before = hostNetwork();
});
afterEach(() => {
  for (const h of [u1, u2]) {
    killPids(leftProcesses(h).map((l) => Number(l.split(':')[0])));
    rmSync(join(h.dir, 'run/qnet'), { recursive: true, force: true });
  }
});
afterAll(() => {
  for (const h of [u1, u2]) h?.remove();
});

describe('rootless labs (isolation userns) as unprivileged users', () => {
  it('two users run the tap + bridge lab at once without root: guests ping across, also after a restart, the host is untouched, down leaves nothing', async () => {
    upDetached(u1);
    upDetached(u2);
    expect(hostNetwork()).toBe(before);
    const status = qnet(u1, ['status', '--json']);
    const labs = (JSON.parse(status.out) as { labs: { lab: string; state: string; netns: string | null }[] }).labs;
    expect(labs.find((l) => l.lab === LAB)).toMatchObject({ state: 'running', netns: null });
    await ready(u1, ['alpha', 'beta']);
    await ready(u2, ['alpha', 'beta']);
    expect(await consoleRun(u1, LAB, 'alpha', 'ping -c 2 -W 5 10.0.20.2')).toMatch(/2 packets received/);
    expect(await consoleRun(u2, LAB, 'beta', 'ping -c 2 -W 5 10.0.20.1')).toMatch(/2 packets received/);
    expect(hostNetwork()).toBe(before);
    // One guest restarted on its own comes back inside the lab's namespace, on its tap in the bridge: pings again.
    const restart = qnet(u1, ['restart', LAB, 'beta']);
    expect(restart.code, `${restart.out}\n${restart.err}`).toBe(0);
    await ready(u1, ['beta'], LAB, 2);
    expect(await consoleRun(u1, LAB, 'alpha', 'ping -c 2 -W 5 10.0.20.2')).toMatch(/2 packets received/);
    expect(hostNetwork()).toBe(before);
    for (const h of [u1, u2]) {
      const down = qnet(h, ['down', LAB]);
      expect(down.code, `${down.out}\n${down.err}`).toBe(0);
    }
    for (const h of [u1, u2]) {
      await until('the lab to end', () => leftProcesses(h).length === 0, 15_000).catch(() => null);
      expect(leftProcesses(h)).toEqual([]);
      expect(leftFiles(h)).toEqual([]);
      expect(h.escalations()).toBe('');
    }
    expect(hostNetwork()).toBe(before);
  });

  it('the engine SIGKILLed mid-lab: qnet down as the same user ends the journaled holder and guests', async () => {
    const engine = upDetached(u1);
    const holder = holderOf(u1);
    expect(pidAlive(holder)).toBe(true);
    process.kill(engine, 'SIGKILL');
    await until('the engine to die', () => !pidAlive(engine), 10_000);
    expect(leftProcesses(u1).length).toBeGreaterThan(0); // the guests and the holder outlive their engine
    const down = qnet(u1, ['down', LAB]);
    expect(down.code, `${down.out}\n${down.err}`).toBe(0);
    expect(pidAlive(holder)).toBe(false);
    expect(leftProcesses(u1)).toEqual([]);
    expect(leftFiles(u1)).toEqual([]);
    expect(hostNetwork()).toBe(before);
  });

  it('the holder SIGKILLed: the engine takes the lab down and says so, nothing is left', async () => {
    const engine = upDetached(u1);
    const holder = holderOf(u1);
    process.kill(holder, 'SIGKILL');
    await until('the engine to end the lab', () => leftProcesses(u1).length === 0, 60_000).catch(() => null);
    expect(leftProcesses(u1)).toEqual([]);
    expect(pidAlive(engine)).toBe(false);
    const log = readFileSync(join(u1.dir, 'run/qnet', LAB, 'qnet-up.log'), 'utf8');
    expect(log).toMatch(/namespace holder \(pid \d+\) ended/);
    expect(leftFiles(u1)).toEqual([]);
    expect(hostNetwork()).toBe(before);
  });

  it('user namespaces refused (a child namespace with user.max_user_namespaces=0): preflight names the setting and the fix', () => {
    // Only this command's own user namespace gets the limit: the machine and the other tests are untouched.
    const script = 'echo 0 > /proc/sys/user/max_user_namespaces && exec "$@"';
    // The engine's preflight (not `qnet up`: in a user namespace the host's root owns nothing, so no state
    // directory passes its ownership checks, which is a problem of its own there).
    const child = join(root, 'electron/testkit/scenarios/engine-child.ts');
    const tsx = join(root, 'node_modules/tsx/dist/cli.mjs');
    const args = ['preflight', '--file', EXAMPLE, '--isolation', 'userns', '--state-dir', join(u1.dir, 'run/qnet')];
    const argv = [
      'unshare',
      '--user',
      '--map-root-user',
      'sh',
      '-c',
      script,
      'sh',
      process.execPath,
      tsx,
      child,
      ...args,
    ];
    const r = runAs(u1.user, argv, { env: { ...u1.env, TMPDIR: u1.dir }, cwd: '/', timeoutMs: 60_000 });
    const line = r.stdout.split('\n').find((l) => l.includes('"kind":"preflight"'));
    expect(line, `${r.stdout}\n${r.stderr}`).toBeDefined();
    const problems = (JSON.parse(line!) as { problems: { code: string; message: string; fix?: { label: string } }[] })
      .problems;
    const userns = problems.find((p) => p.code === 'PREFLIGHT_USERNS');
    expect(userns?.message).toMatch(/refuses to make one \(unshare: unshare failed: No space left on device\)/);
    expect(userns?.message).toContain(
      'user.max_user_namespaces is 0: allow them with sudo sysctl -w user.max_user_namespaces=15000',
    );
    expect(userns?.message).toContain('sudo qnet up --isolation netns');
    expect(userns?.fix?.label).toBe('sudo sysctl -w user.max_user_namespaces=15000');
    expect(leftProcesses(u1)).toEqual([]);
    expect(hostNetwork()).toBe(before);
  });

  it("a NAT node's hostfwd reaches the host through pasta, on 127.0.0.1 only; nothing left after down", async () => {
    const [web, ssh] = [freePort(), freePort()];
    const file = join(u1.dir, 'nat.qnet.yaml');
    const text = readFileSync(join(root, 'assets/examples/01-nat-hostfwd.qnet.yaml'), 'utf8')
      .replace('hostPort: 8080', `hostPort: ${web}`)
      .replace('hostPort: 2222', `hostPort: ${ssh}`);
    writeFileSync(file, text);
    expect(spawnSync('chown', [`${u1.user.uid}:${u1.user.gid}`, file]).status).toBe(0);
    upDetached(u1, file);
    // Each listener's local address (ss: State Recv-Q Send-Q Local Peer): loopback only.
    const listening = spawnSync('ss', ['-Hltn', `( sport = :${web} )`], { encoding: 'utf8' }).stdout;
    expect(
      listening
        .trim()
        .split('\n')
        .map((l) => l.trim().split(/\s+/)[3]),
    ).toEqual([`127.0.0.1:${web}`]);
    await ready(u1, ['web'], 'nat-hostfwd');
    await consoleRun(
      u1,
      'nat-hostfwd',
      'web',
      'mkdir -p /www && echo page-of-web > /www/index.html && httpd -p 80 -h /www',
      3,
    );
    const got = runAs(u1.user, ['wget', '-qO-', '-T', '10', `http://127.0.0.1:${web}/`], {
      env: u1.env,
      timeoutMs: 30_000,
    });
    expect(got.stdout, got.stderr).toContain('page-of-web');
    const down = qnet(u1, ['down', 'nat-hostfwd']);
    expect(down.code, `${down.out}\n${down.err}`).toBe(0);
    await until('the lab to end', () => leftProcesses(u1).length === 0, 15_000).catch(() => null);
    expect(leftProcesses(u1)).toEqual([]);
    expect(spawnSync('ss', ['-Hltn', `( sport = :${web} )`], { encoding: 'utf8' }).stdout).toBe('');
    expect(hostNetwork()).toBe(before);
    expect(u1.escalations()).toBe('');
  });
  it("a guest on a bridge publishes its httpd to the host's 127.0.0.1 through pasta; nothing left after down", async () => {
    const port = freePort();
    const file = join(u1.dir, 'publish.qnet.yaml');
    writeFileSync(
      file,
      [
        'version: 2',
        'name: publish',
        'nodes:',
        '  - id: web',
        '    kind: vm',
        '    memory: 128',
        '    boot:',
        '      type: tiny',
        "      run: ['mkdir -p /www && echo page-of-bridge-web > /www/index.html && httpd -p 80 -h /www']",
        '    nics: [{ id: eth0, model: virtio, ip: 10.0.30.2/24, gateway: 10.0.30.254 }]',
        '  - id: br0',
        '    kind: bridge',
        '    address: 10.0.30.254/24',
        `    hostfwd: [{ hostPort: ${port}, guestAddr: 10.0.30.2, guestPort: 80 }]`,
        "links: [{ a: 'web:eth0', b: br0 }]",
        '',
      ].join('\n'),
    );
    expect(spawnSync('chown', [`${u1.user.uid}:${u1.user.gid}`, file]).status).toBe(0);
    upDetached(u1, file);
    const listening = spawnSync('ss', ['-Hltn', `( sport = :${port} )`], { encoding: 'utf8' }).stdout;
    expect(
      listening
        .trim()
        .split('\n')
        .map((l) => l.trim().split(/\s+/)[3]),
    ).toEqual([`127.0.0.1:${port}`]);
    expect(hostNetwork()).toBe(before);
    await ready(u1, ['web'], 'publish');
    const got = await until(
      'the page through the published port',
      () => {
        const r = runAs(u1.user, ['wget', '-qO-', '-T', '5', `http://127.0.0.1:${port}/`], {
          env: u1.env,
          timeoutMs: 20_000,
        });
        return r.stdout.includes('page-of-bridge-web') && r.stdout;
      },
      60_000,
    );
    expect(got).toContain('page-of-bridge-web');
    const down = qnet(u1, ['down', 'publish']);
    expect(down.code, `${down.out}\n${down.err}`).toBe(0);
    await until('the lab to end', () => leftProcesses(u1).length === 0, 15_000).catch(() => null);
    expect(leftProcesses(u1)).toEqual([]);
    expect(leftFiles(u1)).toEqual([]);
    expect(spawnSync('ss', ['-Hltn', `( sport = :${port} )`], { encoding: 'utf8' }).stdout).toBe('');
    expect(hostNetwork()).toBe(before);
    expect(u1.escalations()).toBe('');
  });
});
