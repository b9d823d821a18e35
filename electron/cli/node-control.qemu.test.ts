import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../testkit/engine';
import { socketPairLab, type GuestShell } from '../testkit/pairLab';
import { pidAlive, processesMentioning } from '../testkit/procs';

/*
 * A VDE switch and a User-mode Linux instance of a running lab stopped, started and restarted as a user does it
 * (the bundled `qnet stop|start|restart LAB NODE`), on real processes in a network namespace: a QEMU tiny guest and
 * a UML instance on one vde_switch. The rest of the lab keeps running throughout; one lab serves the assertions.
 */

const LAB = `node-ctl-${process.pid}`;
const lab = socketPairLab(LAB, 41800, 'qnet-nodectl-', {
  text: `version: 2
name: ${LAB}
nodes:
  - id: qemu1
    kind: vm
    memory: 128
    nics: [{ id: eth0, ip: 10.0.23.1/24 }]
  - id: uml1
    kind: uml
    memory: 128
    nics: [{ id: eth0, ip: 10.0.23.2/24 }]
  - { id: sw, kind: vde }
links:
  - { a: 'qemu1:eth0', b: sw }
  - { a: 'uml1:eth0', b: sw }
`,
});
const { qnet, guestShell, status, vmStates, pidOf, readyCount } = lab;
const switchPids = () =>
  processesMentioning(lab.stateDir())
    .filter((p) => p.argv[0] === 'vde_switch')
    .map((p) => p.pid);
/** The switch as `qnet status --json` lists it, and its line in the text `qnet status`. */
const switchStatus = () => status().labs[0]!.switches?.find((s) => s.node === 'sw');
const switchLine = () =>
  qnet('status')
    .out.split('\n')
    .find((l) => l.trim().startsWith('switch sw:'))
    ?.trim();

let qemu1: GuestShell;

beforeAll(async () => {
  [qemu1] = await lab.upReady('qemu1');
  await until(() => readyCount('uml1') === 1, "uml1's ready line", 120_000);
}, 600_000);

afterAll(() => lab.downClean(), 120_000);

describe('qnet stop|start|restart a switch and a UML instance', () => {
  it('a UML instance restarts while the QEMU guest keeps running, and answers again', async () => {
    expect(await qemu1.sh('ping -c 1 -W 5 10.0.23.2', 60_000)).toContain('1 packets received');
    const qemuPid = pidOf('qemu1');
    const umlPid = pidOf('uml1');

    const stop = qnet('stop', LAB, 'uml1');
    expect(stop.code, stop.err).toBe(0);
    expect(stop.out).toBe(`${LAB}: uml1 is stopped\n`);
    expect(pidAlive(umlPid)).toBe(false);
    expect(vmStates()).toEqual({ qemu1: 'running', uml1: 'stopped' });
    expect(await qemu1.sh('ping -c 2 -W 2 10.0.23.2')).toContain('0 packets received');

    const restart = qnet('restart', LAB, 'uml1');
    expect(restart.code, restart.err).toBe(0);
    expect(restart.out).toMatch(new RegExp(`^${LAB}: uml1 is running \\(pid \\d+\\)\\n$`));
    await until(() => readyCount('uml1') === 2, 'uml1 ready again', 120_000);
    expect(await qemu1.sh('ping -c 5 -W 2 10.0.23.2 | grep received', 60_000)).toMatch(/[1-5] packets received/);
    expect(pidOf('qemu1'), 'the QEMU guest was never touched').toBe(qemuPid);
  }, 300_000);

  it('the VDE switch stops and starts with the guests running; guests restarted onto it ping again', async () => {
    const [before] = switchPids();
    expect(before).toBeDefined();
    expect(switchStatus()).toEqual({ node: 'sw', state: { state: 'running', pid: before } });
    expect(switchLine()).toBe(`switch sw: running (pid ${before})`);
    const stop = qnet('stop', LAB, 'sw');
    expect(stop.code, stop.err).toBe(0);
    expect(stop.out).toBe(`${LAB}: sw is stopped\n`);
    expect(switchPids()).toEqual([]);
    expect(vmStates()).toEqual({ qemu1: 'running', uml1: 'running' });
    expect(status().labs[0]!.state).toBe('running');
    expect(switchStatus()).toEqual({ node: 'sw', state: { state: 'stopped' } });
    expect(switchLine()).toBe('switch sw: stopped');

    const start = qnet('start', LAB, 'sw');
    expect(start.code, start.err).toBe(0);
    expect(start.out).toMatch(new RegExp(`^${LAB}: sw is running \\(pid \\d+\\)\\n$`));
    expect(switchPids()).toHaveLength(1);
    expect(switchPids()[0]).not.toBe(before);
    expect(switchStatus()).toEqual({ node: 'sw', state: { state: 'running', pid: switchPids()[0] } });
    const again = qnet('start', LAB, 'sw');
    expect(again.out, 'start of a running switch changes nothing').toContain('sw is running');

    // QEMU's vde netdev does not reconnect: the guests are restarted onto the new switch.
    const qemuReady = readyCount('qemu1');
    expect(qnet('restart', LAB, 'qemu1').code).toBe(0);
    expect(qnet('restart', LAB, 'uml1').code).toBe(0);
    await until(() => readyCount('qemu1') === qemuReady + 1, 'qemu1 ready again', 120_000);
    await until(() => readyCount('uml1') === 3, 'uml1 ready again', 120_000);
    const shell = guestShell('qemu1');
    expect(await shell.sh('ping -c 5 -W 2 10.0.23.2 | grep received', 60_000)).toMatch(/[1-5] packets received/);
  }, 400_000);

  it('a VDE switch killed from outside is listed crashed, and starts again', async () => {
    const [pid] = switchPids();
    expect(pid).toBeDefined();
    process.kill(pid!, 'SIGKILL');
    await until(() => switchStatus()?.state.state === 'crashed', 'the switch listed crashed', 30_000);
    expect(switchLine()).toMatch(/^switch sw: crashed \(.*SIGKILL.*\)/);
    expect(status().labs[0]!.state).toBe('running');
    const start = qnet('start', LAB, 'sw');
    expect(start.code, start.err).toBe(0);
    expect(switchStatus()).toEqual({ node: 'sw', state: { state: 'running', pid: switchPids()[0] } });
  }, 120_000);

  it('a node the lab does not have is named', () => {
    const r = qnet('restart', LAB, 'nosuch');
    expect(r.code).not.toBe(0);
    expect(r.err).toContain(`lab ${LAB} has no guest nosuch`);
  });
});
