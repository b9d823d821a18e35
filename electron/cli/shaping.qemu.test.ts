import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { socketPairLab } from '../testkit/pairLab';

/*
 * Link shaping on real tiny guests, as a user drives it (the bundled `qnet`), in a rootless lab (its own user and
 * network namespace, where tc runs through the holder): alpha and beta on a bridge the lab makes, alpha's link
 * limited to 1 Mbit/s by the topology file; a second link straight between them (a stream socket, no tap). Each
 * fetches 2 MB from the other's httpd, so the limit is seen both ways (toward alpha on its tap, from alpha on the
 * ifb its tap's ingress is sent through): shaped, then unshaped live by `qnet link`, then beta's link shaped live.
 * A third way between them goes from alpha to a tap node the lab makes, shaped by the file, on a second bridge.
 */

const LAB = `shape-${process.pid}`;
const RATE_BITS = 1_000_000;
const BYTES = 2 * 1024 * 1024;
/** Each guest serves a 2 MB file. */
const SERVE = `mkdir -p /tmp/www && dd if=/dev/zero of=/tmp/www/big bs=1024 count=${BYTES / 1024} && httpd -h /tmp/www`;
const topology = (shaping: string) => `version: 2
name: ${LAB}
nodes:
  - id: alpha
    kind: vm
    name: alpha
    memory: 128
    boot: { type: tiny, run: ['${SERVE}'] }
    nics:
      - { id: eth0, model: virtio, ip: 10.0.30.1/24 }
      - { id: eth1, model: virtio, ip: 10.0.31.1/24 }
      - { id: eth2, model: virtio, ip: 10.0.32.1/24 }
  - id: beta
    kind: vm
    name: beta
    memory: 128
    boot: { type: tiny, run: ['${SERVE}'] }
    nics:
      - { id: eth0, model: virtio, ip: 10.0.30.2/24 }
      - { id: eth1, model: virtio, ip: 10.0.31.2/24 }
      - { id: eth2, model: virtio, ip: 10.0.32.2/24 }
  - { id: br0, kind: bridge, name: br0 }
  - { id: tp, kind: tap, name: tp, ifname: tp }
  - { id: br1, kind: bridge, name: br1 }
links:
  - { id: a-link, a: 'alpha:eth0', b: br0, shaping: ${shaping} }
  - { id: b-link, a: 'beta:eth0', b: br0 }
  - { id: direct, a: 'alpha:eth1', b: 'beta:eth1' }
  - { id: t-link, a: 'alpha:eth2', b: tp, shaping: { rate: 4mbit } }
  - { id: tp-br1, a: tp, b: br1 }
  - { id: b2-link, a: 'beta:eth2', b: br1 }
`;

const lab = socketPairLab(LAB, 41600, 'qnet-shape-', { text: topology('{ rate: 1mbit }'), isolation: 'userns' });
const { qnet, guestShell, status, pidOf } = lab;
let alpha: ReturnType<typeof guestShell>;
let beta: ReturnType<typeof guestShell>;

beforeAll(async () => {
  await lab.up();
  alpha = guestShell('alpha');
  beta = guestShell('beta');
  await alpha.ready();
  await beta.ready();
  // Each httpd serves once its 2 MB file is written (boot.run runs in the background).
  for (const g of [alpha, beta])
    await g.sh('while [ ! -s /tmp/www/big ] || ! pidof httpd >/dev/null; do sleep 1; done', 120_000);
}, 600_000);

afterAll(async () => {
  const end = await lab.down({ ifRunning: true });
  if (!end) return;
  expect(end.stopped.code, end.stopped.err).toBe(0);
  expect(end.left).toEqual({ procs: [], files: [], netns: false });
}, 120_000);

/** Seconds the 2 MB file takes from one guest to the other, by the fetching guest's clock (/proc/uptime). */
async function fetchSeconds(direction: 'beta->alpha' | 'alpha->beta', net = '10.0.30'): Promise<number> {
  const [guest, from] = direction === 'beta->alpha' ? [alpha, `${net}.2`] : [beta, `${net}.1`];
  const out = await guest.sh(
    `s=$(cut -d' ' -f1 /proc/uptime); wget -q -O /dev/null http://${from}/big && echo FETCHED $s $(cut -d' ' -f1 /proc/uptime)`,
    180_000,
  );
  const m = /FETCHED ([0-9.]+) ([0-9.]+)/.exec(out);
  if (!m) throw new Error(`the fetch failed: ${out}`);
  return Number(m[2]) - Number(m[1]);
}

const linkOf = (id: string) => status().labs[0]!.links!.find((l) => l.link === id)!;

describe('link shaping on a running rootless lab', () => {
  it('a 1 Mbit/s link from the file slows a 2 MB fetch to its rate both ways; unshaped live it is far faster', async () => {
    expect(linkOf('a-link').shaping).toEqual({ rate: '1mbit' });
    expect(qnet('status').out).toContain('  link a-link: shaped: rate 1mbit');

    const toAlpha = await fetchSeconds('beta->alpha');
    const fromAlpha = await fetchSeconds('alpha->beta');
    // The payload alone at the rate takes BYTES*8/RATE s (16.8 s); headers only add to it. At least 12 s (the
    // issue's bound) leaves room for the token bucket's first burst and the guest clock's coarseness.
    expect((BYTES * 8) / RATE_BITS).toBeGreaterThan(16);
    expect(toAlpha).toBeGreaterThanOrEqual(12);
    expect(fromAlpha).toBeGreaterThanOrEqual(12);

    const off = qnet('link', LAB, 'a-link', 'unshaped');
    expect(off.code, off.err).toBe(0);
    expect(off.out).toBe(`${LAB}: link a-link unshaped\n`);
    expect(linkOf('a-link').shaping).toBeUndefined();
    const freeTo = await fetchSeconds('beta->alpha');
    const freeFrom = await fetchSeconds('alpha->beta');
    console.info(
      `2 MB fetch at 1mbit: ${toAlpha.toFixed(1)} s to alpha, ${fromAlpha.toFixed(1)} s from it; unshaped: ${freeTo.toFixed(1)} s, ${freeFrom.toFixed(1)} s`,
    );
    expect(freeTo).toBeLessThan(toAlpha / 3);
    expect(freeFrom).toBeLessThan(fromAlpha / 3);

    // beta's link, unshaped at launch, shaped live: its ifb is made then, and what beta sends goes through it.
    const live = qnet('link', LAB, 'b-link', 'rate', '4mbit');
    expect(live.code, live.err).toBe(0);
    const fromBeta = await fetchSeconds('beta->alpha');
    console.info(`2 MB fetch from beta at 4mbit (shaped live): ${fromBeta.toFixed(1)} s`);
    // 4.2 s of payload at 4 Mbit/s.
    expect(fromBeta).toBeGreaterThanOrEqual(3);
    expect(fromBeta).toBeGreaterThan(freeTo * 2);

    // alpha's link to a tap node (made by the lab in its namespace, on bridge br1 with beta), 4 Mbit/s by the
    // file: shaped on that tap both ways.
    expect(linkOf('t-link')).toMatchObject({ shaping: { rate: '4mbit' }, tap: 'tp' });
    const tapTo = await fetchSeconds('beta->alpha', '10.0.32');
    const tapFrom = await fetchSeconds('alpha->beta', '10.0.32');
    console.info(
      `2 MB fetch over the tap node at 4mbit: ${tapTo.toFixed(1)} s to alpha, ${tapFrom.toFixed(1)} s from it`,
    );
    for (const t of [tapTo, tapFrom]) {
      expect(t).toBeGreaterThanOrEqual(3);
      expect(t).toBeGreaterThan(Math.max(freeTo, freeFrom) * 2);
    }

    const on = qnet('link', LAB, 'a-link', 'rate', '4mbit');
    expect(on.code, on.err).toBe(0);
    expect(on.out).toBe(`${LAB}: link a-link shaped: rate 4mbit\n`);
    expect(linkOf('a-link').shaping).toEqual({ rate: '4mbit' });
  });

  it('netem on this kernel, a link with no tap, bad words: clear refusals that change nothing', () => {
    const netem = qnet('link', LAB, 'a-link', 'delay', '20ms');
    const hasNetem = spawnSync('unshare', ['-Urn', 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem']).status === 0;
    if (!hasNetem) {
      expect(netem.code).toBe(1);
      expect(netem.err).toContain('sch_netem');
      expect(netem.err).toContain('link a-link: delay needs the kernel');
      expect(linkOf('a-link').shaping).toEqual({ rate: '4mbit' });
    }

    const direct = qnet('link', LAB, 'direct', 'rate', '1mbit');
    expect(direct.code).toBe(1);
    expect(direct.err).toMatch(
      /^qnet link: link direct of lab \S+ cannot be shaped: tc shapes the tap of a link, and this one is realized as stream/,
    );
    expect(linkOf('direct').shaping).toBeUndefined();

    const bad = qnet('link', LAB, 'a-link', 'rate', 'fast');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('rate: must be a rate like 1mbit');
  });

  it('a live ifb whose setup fails half way is undone and said; once the obstacle is gone a retry shapes both ways', () => {
    // b2-link (beta's eth2 on br1) is unshaped at launch: shaping it live makes its ifb. An ingress qdisc put on its
    // tap first (in the lab's namespace, entered through beta's QEMU) makes the third step of that setup fail.
    const tap = linkOf('b2-link').tap!;
    const inLab = (...argv: string[]) => {
      const r = spawnSync(
        'nsenter',
        ['--preserve-credentials', '-t', String(pidOf('beta')), '-U', '-n', '--', ...argv],
        {
          encoding: 'utf8',
        },
      );
      if (r.status !== 0) throw new Error(`${argv.join(' ')} in the lab failed: ${r.stderr}`);
      return r.stdout;
    };
    const ifbs = () => inLab('ip', '-o', 'link', 'show', 'type', 'ifb');
    const before = ifbs();
    inLab('tc', 'qdisc', 'add', 'dev', tap, 'ingress');
    const blocked = qnet('link', LAB, 'b2-link', 'rate', '4mbit');
    expect(blocked.code).toBe(1);
    expect(blocked.err).toMatch(
      new RegExp(`^qnet link: tc qdisc add dev ${tap} ingress for link b2-link failed: .+; what it made was undone`),
    );
    expect(linkOf('b2-link').shaping).toBeUndefined();
    expect(ifbs()).toBe(before); // its ifb went again
    expect(inLab('tc', 'qdisc', 'show', 'dev', tap)).toContain('ingress'); // the obstacle is not the lab's: kept

    inLab('tc', 'qdisc', 'del', 'dev', tap, 'ingress');
    const retry = qnet('link', LAB, 'b2-link', 'rate', '4mbit');
    expect(retry.code, retry.err).toBe(0);
    expect(linkOf('b2-link').shaping).toEqual({ rate: '4mbit' });
    const made = ifbs().replace(before, '');
    const ifb = /^\d+: ([^:@]+)[:@]/.exec(made)?.[1];
    expect(ifb, made).toBeDefined();
    // Toward beta on its tap; from beta, its tap's ingress redirected to the ifb, shaped there.
    expect(inLab('tc', 'qdisc', 'show', 'dev', tap)).toMatch(/qdisc (tbf|htb) [\s\S]*qdisc ingress/);
    expect(inLab('tc', 'filter', 'show', 'dev', tap, 'ingress')).toContain(`Redirect to device ${ifb}`);
    expect(inLab('tc', 'qdisc', 'show', 'dev', ifb!)).toMatch(/qdisc (tbf|htb) /);
  });

  it('a file asking netem on a kernel without sch_netem is refused before anything starts, naming the module', () => {
    if (spawnSync('unshare', ['-Urn', 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem']).status === 0) return;
    const file = join(lab.stateDir(), 'netem.qnet.yaml');
    writeFileSync(file, topology('{ rate: 1mbit, delay: 20ms, loss: 1 }').replace(`name: ${LAB}`, `name: ${LAB}-n`));
    const r = qnet('up', file, '--detach');
    expect(r.code).not.toBe(0);
    expect(r.out + r.err).toContain('NETEM_MISSING');
    expect(r.out + r.err).toContain('module sch_netem');
    expect(status().labs.map((l) => l.lab)).toEqual([LAB]);
  });
});
