import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netnsName } from '../../shared/compiler/index';
import { buildTinyGuest } from '../guest/build';
import { buildCli, qnet } from '../testkit/qnetCli';
import { deleteNetns, netnsExists } from '../testkit/netns';
import { killPids, processesMentioning } from '../testkit/procs';
import { freePort, until } from '../testkit/userLab';

/*
 * Issue 10: a guest on a bridge publishes a port in a netns lab too (root, `--isolation netns`), not only in a
 * rootless one: the lab's pasta joins its named namespace (`--netns NAME`) and binds the host's 127.0.0.1, and the
 * same DNAT in the namespace sends each connection on to the guest. wget on the host's loopback gets the guest's
 * page; `qnet down` leaves no pasta, namespace or listening port.
 */

const LAB = `pubns-${process.pid % 100000}`;
const NETNS = netnsName(LAB);
let work = '';
let stateDir = '';
let file = '';
let port = 0;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'qnet-pubns-'));
  stateDir = join(work, 'state');
  port = freePort();
  file = join(work, 'publish.qnet.yaml');
  writeFileSync(
    file,
    [
      'version: 2',
      `name: ${LAB}`,
      'nodes:',
      '  - id: web',
      '    kind: vm',
      '    memory: 128',
      '    boot:',
      '      type: tiny',
      "      run: ['mkdir -p /www && echo page-of-netns-web > /www/index.html && httpd -p 80 -h /www']",
      '    nics: [{ id: eth0, model: virtio, ip: 10.0.31.2/24, gateway: 10.0.31.254 }]',
      '  - id: br0',
      '    kind: bridge',
      '    address: 10.0.31.254/24',
      `    hostfwd: [{ hostPort: ${port}, guestAddr: 10.0.31.2, guestPort: 80 }]`,
      "links: [{ a: 'web:eth0', b: br0 }]",
      '',
    ].join('\n'),
  );
  await buildTinyGuest({ arch: 'x86_64', log: () => {} });
  buildCli();
}, 600_000);

afterAll(() => {
  if (stateDir) qnet(['down', LAB], { stateDir });
  killPids(processesMentioning(work).map((p) => p.pid));
  deleteNetns(NETNS);
  if (work) rmSync(work, { recursive: true, force: true });
});

const listening = () =>
  spawnSync('ss', ['-Hltn', `( sport = :${port} )`], { encoding: 'utf8' })
    .stdout.trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => l.trim().split(/\s+/)[3]);

describe("a netns lab's bridge hostfwd", () => {
  it("publishes the guest's httpd on the host's 127.0.0.1 through pasta joined to the lab's namespace", async () => {
    const compiled = qnet(['validate', file, '--isolation', 'netns'], { stateDir });
    expect(`${compiled.out}${compiled.err}`).not.toContain('BRIDGE_HOSTFWD_ROOTLESS');
    const up = qnet(['up', file, '--isolation', 'netns', '--detach'], { stateDir });
    expect(up.code, `${up.out}\n${up.err}`).toBe(0);
    expect(netnsExists(NETNS)).toBe(true);
    expect(listening(), 'only the host loopback is bound').toEqual([`127.0.0.1:${port}`]);
    const pasta = processesMentioning(work).filter((p) => p.argv[0] === 'pasta');
    expect(pasta.map((p) => p.argv.slice(-2))).toEqual([['--netns', NETNS]]);
    const got = await until(
      'the page through the published port',
      () => {
        const r = spawnSync('wget', ['-qO-', '-T', '5', `http://127.0.0.1:${port}/`], {
          encoding: 'utf8',
          timeout: 20_000,
        });
        return r.stdout.includes('page-of-netns-web') && r.stdout;
      },
      150_000,
    );
    expect(got).toContain('page-of-netns-web');

    const down = qnet(['down', LAB], { stateDir });
    expect(down.code, `${down.out}\n${down.err}`).toBe(0);
    await until('the lab to end', () => processesMentioning(work).length === 0, 15_000).catch(() => null);
    expect(processesMentioning(work)).toEqual([]);
    expect(netnsExists(NETNS)).toBe(false);
    expect(listening()).toEqual([]);
    expect(readdirSync(join(stateDir, LAB)).filter((f) => f.endsWith('.pid') || f.endsWith('.sock'))).toEqual([]);
  }, 300_000);
});
