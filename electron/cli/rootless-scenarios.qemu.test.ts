import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { guestCacheDir } from '../engine/host-paths';
import { killPids, processesMentioning } from '../testkit/procs';
import { buildCli, ROOT } from '../testkit/qnetCli';
import { buildGuests } from '../testkit/scenarios/harness';
import {
  consoleRun,
  freePort,
  hostNetwork,
  labProcesses,
  leftFiles,
  qnetAs,
  ready,
  until,
  upDetached,
} from '../testkit/userLab';
import { runAs, testUser, userHome, type UserHome } from '../testkit/users';

/*
 * Issue 10: every DESIGN scenario that needs no real host interface (1, 2 with its bridge inside the lab, 4, 5, 6, 7,
 * 9) launched by `qnet up` as an unprivileged user (qnet-test1, never root), each lab in a user + network namespace
 * of its own: the guests pass traffic, the host's links, named namespaces and routes are the same before, during and
 * after, sudo and pkexec are never called (PATH shims record any call), and `qnet down` leaves nothing. The labs
 * collide on nothing (each namespace has its own addresses and 127.0.0.1; 01's forwards get free host ports), so
 * they run in two batches at once to keep the suite short.
 */

interface Scenario {
  /** The DESIGN scenario's number. */
  readonly n: string;
  readonly example: string;
  readonly lab: string;
  readonly vms: readonly string[];
  /** Host ports the lab forwards (pasta binds them on the host's loopback). */
  readonly ports?: readonly number[];
  /** The example's text as the user launches it. */
  text?(): string;
  /** Proves the guests pass traffic; `addrs`: what each guest's ready line reported. */
  traffic(h: UserHome, addrs: Map<string, string[]>): Promise<void>;
}

/** Types `cmds` (joined by `;`) into a guest's console; expects `want` to match what it printed, `times` times. */
async function expectConsole(h: UserHome, s: Scenario, vm: string, cmds: string[], want: RegExp, times = 1) {
  const out = await consoleRun(h, s.lab, vm, cmds.join('; '), 10);
  const global = new RegExp(want.source, 'g');
  expect(out.match(global)?.length ?? 0, `${s.lab}/${vm}: ${cmds.join('; ')}\n${out}`).toBe(times);
}

const ping = (addr: string, extra = '') => `ping -c 1 -W 5 ${extra}${addr}`;
const RECEIVED = /1 packets received/;

const web = freePort();
let jail = freePort();
while (jail === web) jail = freePort();

const natHostfwd: Scenario = {
  n: '1',
  example: '01-nat-hostfwd.qnet.yaml',
  lab: 'nat-hostfwd',
  vms: ['web', 'sandbox'],
  ports: [web, jail],
  // 8080 and 2222 may be held on this host: the same lab on free ports.
  text: () =>
    readFileSync(join(ROOT, 'assets/examples', natHostfwd.example), 'utf8')
      .replace('hostPort: 8080', `hostPort: ${web}`)
      .replace('hostPort: 2222', `hostPort: ${jail}`),
  async traffic(h) {
    // Each guest serves its page from the httpd its boot.run started; the host's 127.0.0.1 reaches it through pasta.
    for (const [port, page] of [
      [web, 'Hello from web, Qnet Studio example 01'],
      [jail, 'Hello from sandbox, behind the restricted NAT'],
    ] as const)
      await until(
        `the page on 127.0.0.1:${port}`,
        () =>
          runAs(h.user, ['wget', '-qO-', '-T', '5', `http://127.0.0.1:${port}/`], {
            env: h.env,
            timeoutMs: 20_000,
          }).stdout.includes(page),
        60_000,
      );
  },
};

const SCENARIOS: readonly (readonly Scenario[])[] = [
  [
    natHostfwd,
    {
      n: '2',
      example: '02-tap-bridge.qnet.yaml',
      lab: 'tap-bridge',
      vms: ['alpha', 'beta'],
      async traffic(h) {
        await expectConsole(h, this, 'alpha', [ping('10.0.20.2'), ping('10.0.20.254')], RECEIVED, 2);
        await expectConsole(h, this, 'beta', [ping('10.0.20.1')], RECEIVED);
      },
    },
    {
      n: '4',
      example: '04-vde-slirpvde.qnet.yaml',
      lab: 'vde-slirpvde',
      vms: ['vm1', 'vm2', 'vm3'],
      async traffic(h, addrs) {
        const [a1, a2, a3] = ['vm1', 'vm2', 'vm3'].map((vm) => addrs.get(vm)?.[0] ?? '-');
        expect(new Set([a1, a2, a3]).size, `three DHCP leases: ${a1} ${a2} ${a3}`).toBe(3);
        for (const a of [a1, a2, a3]) expect(a).toMatch(/^10\.0\.2\.\d+$/);
        // slirpvde's gateway too: the switch's NAT answers.
        await expectConsole(h, this, 'vm1', [ping(a2!), ping('10.0.2.2')], RECEIVED, 2);
        await expectConsole(h, this, 'vm2', [ping(a3!)], RECEIVED);
        await expectConsole(h, this, 'vm3', [ping(a1!)], RECEIVED);
      },
    },
    {
      n: '5',
      example: '05-socket-pair.qnet.yaml',
      lab: 'socket-pair',
      vms: ['server', 'client'],
      async traffic(h) {
        await expectConsole(h, this, 'client', [ping('10.0.5.1')], RECEIVED);
        await expectConsole(h, this, 'server', [ping('10.0.5.2')], RECEIVED);
      },
    },
  ],
  [
    {
      n: '6',
      example: '06-mcast-bus.qnet.yaml',
      lab: 'mcast-bus',
      vms: ['n1', 'n2', 'n3'],
      async traffic(h) {
        await expectConsole(h, this, 'n1', [ping('10.0.6.2'), ping('10.0.6.3')], RECEIVED, 2);
        await expectConsole(h, this, 'n3', [ping('10.0.6.1')], RECEIVED);
      },
    },
    {
      n: '7',
      example: '07-hub-nat-uplink.qnet.yaml',
      lab: 'hub-nat-uplink',
      vms: ['router'],
      async traffic(h, addrs) {
        // eth0's lease came from the SLiRP behind the hub; eth1 resolves SLiRP's gateway through the same hub.
        expect(addrs.get('router')).toEqual(['10.0.2.15', '10.0.2.20']);
        await expectConsole(
          h,
          this,
          'router',
          [ping('10.0.2.2', '-I eth0 '), 'ping -c 2 -W 3 -I eth1 10.0.2.2 >/dev/null', 'ip neigh show dev eth1'],
          /1 packets received|10\.0\.2\.2 lladdr 52:55:0a:00:02:02/,
          2,
        );
      },
    },
    {
      n: '9',
      example: '09-aarch64-virt.qnet.yaml',
      lab: 'aarch64-virt',
      vms: ['a64a', 'a64b'],
      async traffic(h) {
        await expectConsole(h, this, 'a64a', [ping('10.0.9.2')], RECEIVED);
        await expectConsole(h, this, 'a64b', [ping('10.0.9.1')], RECEIVED);
      },
    },
  ],
];

let h: UserHome;
let before: string;

beforeAll(async () => {
  buildCli();
  await buildGuests(['x86_64', 'aarch64']);
  h = userHome(testUser('qnet-test1'), join(guestCacheDir(), 'x86_64'), 'qnet-scenarios-');
  const arm = join(h.dir, 'cache/qnet/guest/aarch64');
  cpSync(join(guestCacheDir(), 'aarch64'), arm, { recursive: true });
  expect(spawnSync('chown', ['-R', `${h.user.uid}:${h.user.gid}`, arm]).status).toBe(0);
  before = hostNetwork();
}, 600_000);
afterEach(() => {
  killPids(labProcesses(h).map((l) => Number(l.split(':')[0])));
});
afterAll(() => h?.remove());

describe('DESIGN scenarios without a host interface, launched by qnet up as an unprivileged user', () => {
  for (const batch of SCENARIOS)
    it(`scenarios ${batch.map((s) => s.n).join(', ')}: guests pass traffic, the host is untouched, no root asked, down leaves nothing`, async () => {
      expect(hostNetwork()).toBe(before);
      for (const s of batch) {
        let file = join(ROOT, 'assets/examples', s.example);
        if (s.text) {
          file = join(h.dir, s.example);
          writeFileSync(file, s.text());
          expect(spawnSync('chown', [`${h.user.uid}:${h.user.gid}`, file]).status).toBe(0);
        }
        upDetached(h, file);
      }
      const status = qnetAs(h, ['status', '--json']);
      const labs = (JSON.parse(status.out) as { labs: { lab: string; state: string; netns: string | null }[] }).labs;
      for (const s of batch)
        expect(
          labs.find((l) => l.lab === s.lab),
          status.out,
        ).toMatchObject({ state: 'running', netns: null });
      // Every process of these labs is the user's: nothing was started as root.
      const owners = processesMentioning(h.dir).map((p) => {
        try {
          return Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'))?.[1]);
        } catch {
          return h.user.uid; // ended since it was listed
        }
      });
      expect(owners.length).toBeGreaterThan(0);
      expect(new Set(owners)).toEqual(new Set([h.user.uid]));
      expect(hostNetwork()).toBe(before);

      const addrs = await Promise.all(batch.map((s) => ready(h, s.lab, s.vms, 1, 240_000)));
      await Promise.all(batch.map((s, i) => s.traffic(h, addrs[i]!)));
      expect(hostNetwork()).toBe(before);

      for (const s of batch) {
        const down = qnetAs(h, ['down', s.lab]);
        expect(down.code, `${down.out}\n${down.err}`).toBe(0);
      }
      await until('the labs to end', () => labProcesses(h).length === 0, 15_000).catch(() => null);
      expect(labProcesses(h)).toEqual([]);
      expect(leftFiles(h)).toEqual([]);
      for (const port of batch.flatMap((s) => s.ports ?? []))
        expect(spawnSync('ss', ['-Hltn', `( sport = :${port} )`], { encoding: 'utf8' }).stdout).toBe('');
      expect(h.escalations()).toBe('');
      expect(hostNetwork()).toBe(before);
    }, 600_000);
});
