import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../shared/compiler/index';
import { DEFAULT_TARGET } from '../../shared/compiler/target';
import { topologyOf } from '../testkit/lab';
import { addNetns, deleteNetns } from '../testkit/netns';
import type { HostRoute } from './host-routes';
import { checkRoutes } from './preflight-routes';

/*
 * A lab bridge's address brings a route: preflight says when the host already routes that network (the issue's
 * second 10.0.20.0/24 route, added silently). The routes are read for real in a namespace of the test's own.
 */

const NS = `qn-routes-${process.pid % 100000}`;
const root = join(import.meta.dirname, '../..');

const lab = (address: string, isolation: 'host' | 'netns' = 'host') =>
  compile(
    topologyOf(`version: 2
name: routes
nodes:
  - { id: lan, kind: bridge, ifname: qnbrlan, address: ${address} }
  - { id: a, kind: vm, nics: [{ id: eth0 }] }
links:
  - { a: 'a:eth0', b: lan }
`),
    { ...DEFAULT_TARGET, isolation, stateDir: '/run/qnet', tinyGuest: {} },
  );
const check = (plan: ReturnType<typeof lab>, routes: HostRoute[] | null) =>
  checkRoutes({ plan, env: {}, uid: 0, passwordlessSudo: false, bridgeConf: '/none', links: [], routes }).map(
    (d) => `${d.severity} ${d.code}: ${d.message}`,
  );

/** The routes readHostRoutes reads inside the test's namespace (the reader itself, run there). */
function routesIn(ns: string): HostRoute[] | null {
  const code =
    "import { readHostRoutes } from './electron/engine/host-routes.ts'; console.log(JSON.stringify(readHostRoutes()));";
  const r = spawnSync('ip', ['netns', 'exec', ns, join(root, 'node_modules/.bin/tsx'), '-e', code], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as HostRoute[] | null;
}

beforeAll(() => {
  deleteNetns(NS);
  addNetns(NS);
  for (const argv of [
    ['link', 'add', 'dummy0', 'type', 'veth', 'peer', 'name', 'dummy1'],
    ['link', 'set', 'dummy1', 'up'],
    ['addr', 'add', '10.0.20.7/24', 'dev', 'dummy0'],
    ['link', 'set', 'dummy0', 'up'],
    ['route', 'add', '172.16.0.0/12', 'dev', 'dummy0'],
    ['route', 'add', 'default', 'dev', 'dummy0'],
  ]) {
    const r = spawnSync('ip', ['-n', NS, ...argv], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ip ${argv.join(' ')}: ${r.stderr}`);
  }
});
afterAll(() => {
  deleteNetns(NS);
});

describe('preflight: a lab bridge address against the host routes', () => {
  it("refuses the host's own network, warns for a network inside a wider route, ignores the default route", () => {
    const routes = routesIn(NS);
    expect(routes).toEqual(
      expect.arrayContaining([
        { dst: '10.0.20.0/24', dev: 'dummy0' },
        { dst: 'default', dev: 'dummy0' },
      ]),
    );
    expect(check(lab('10.0.20.1/24'), routes)).toEqual([
      "error PREFLIGHT_ROUTE_OVERLAP: Give bridge qnbrlan the address 10.0.20.1/24: this host already routes 10.0.20.0/24 on dummy0, inside the lab's 10.0.20.0/24: give the lab's bridge an address in another subnet, or remove that route (sudo ip route del 10.0.20.0/24 dev dummy0) if it is stale",
    ]);
    // A lab network that holds the host's (10.0.0.0/16 holds 10.0.20.0/24) is refused too.
    expect(check(lab('10.0.0.1/16'), routes)[0]).toMatch(
      /^error PREFLIGHT_ROUTE_OVERLAP: .*routes 10\.0\.20\.0\/24 on dummy0, inside the lab's 10\.0\.0\.0\/16/,
    );
    expect(check(lab('172.20.0.1/24'), routes)).toEqual([
      "warning PREFLIGHT_ROUTE_OVERLAP: Give bridge qnbrlan the address 172.20.0.1/24: the lab's 172.20.0.0/24 lies inside 172.16.0.0/12, which this host routes on dummy0; that part of it would reach the lab instead: give the lab's bridge an address outside 172.16.0.0/12",
    ]);
    expect(check(lab('192.168.77.1/24'), routes), 'only the default route covers it').toEqual([]);
  });

  it('leaves alone a lab in a namespace of its own, and says nothing when the routes could not be read', () => {
    expect(check(lab('10.0.20.1/24', 'netns'), [{ dst: '10.0.20.0/24', dev: 'eth0' }])).toEqual([]);
    expect(check(lab('10.0.20.1/24'), null)).toEqual([]);
  });
});
