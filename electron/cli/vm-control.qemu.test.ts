import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../testkit/engine';
import { socketPairLab, type GuestShell } from '../testkit/pairLab';
import { pidAlive } from '../testkit/procs';

/*
 * One guest's life on a running lab, as a user drives it (the bundled `qnet start|stop|restart`), on real tiny
 * guests in a network namespace: example 05 (server 10.0.5.1/24 listens, client 10.0.5.2/24 connects, link `wire`).
 * The client is stopped, started and restarted while the server keeps running; one lab is shared by the assertions.
 */

const LAB = `vm-ctl-${process.pid}`;
const lab = socketPairLab(LAB, 41600, 'qnet-vmctl-');
const { qnet, status, vmStates, pidOf, readyCount } = lab;

let server: GuestShell;

beforeAll(async () => {
  // The first test pings the client: the connector boots after the listener, so it is waited for too.
  [server] = await lab.upReady('server', 'client');
}, 600_000);

afterAll(() => lab.downClean(), 120_000);

describe('qnet start|stop|restart one guest of a running lab', () => {
  it('stop: the guest powers off, the rest keeps running; start: it boots again and answers; restart: a new process', async () => {
    expect(await server.sh('ping -c 1 -W 5 10.0.5.2', 60_000)).toContain('1 packets received');
    const serverPid = pidOf('server');
    const clientPid = pidOf('client');

    const stop = qnet('stop', LAB, 'client');
    expect(stop.code, stop.err).toBe(0);
    expect(stop.out).toBe(`${LAB}: client is stopped\n`);
    expect(pidAlive(clientPid), 'the client QEMU is gone').toBe(false);
    expect(vmStates()).toEqual({ server: 'running', client: 'stopped' });
    expect(status().labs[0]!.state).toBe('running');
    expect(await server.sh('ping -c 2 -W 2 10.0.5.2')).toContain('0 packets received');

    const start = qnet('start', LAB, 'client');
    expect(start.code, start.err).toBe(0);
    expect(start.out).toMatch(new RegExp(`^${LAB}: client is running \\(pid \\d+\\)\\n$`));
    await until(() => readyCount('client') === 2, 'the client ready again', 120_000);
    expect(await server.sh('ping -c 5 -W 2 10.0.5.2 | grep received', 60_000)).toMatch(/[1-5] packets received/);
    expect(pidOf('server'), 'the server was never touched').toBe(serverPid);

    const again = qnet('start', LAB, 'client');
    expect(again.out, 'start of a running guest changes nothing').toContain('client is running');
    const before = pidOf('client');
    const restart = qnet('restart', LAB, 'client');
    expect(restart.code, restart.err).toBe(0);
    const after = pidOf('client');
    expect(after).not.toBe(before);
    expect(pidAlive(before)).toBe(false);
    await until(() => readyCount('client') === 3, 'the client ready after its restart', 120_000);
    expect(vmStates()).toEqual({ server: 'running', client: 'running' });
    expect(pidOf('server')).toBe(serverPid);
  }, 400_000);

  it('a guest or lab that does not exist is a clear error', () => {
    const noVm = qnet('stop', LAB, 'router');
    expect(noVm.code).toBe(1);
    expect(noVm.err).toBe(`qnet stop: lab ${LAB} has no guest router\n`);
    const noLab = qnet('restart', 'nolab', 'client');
    expect(noLab.code).toBe(1);
    expect(noLab.err).toContain('qnet: no running lab "nolab"');
    const usage = qnet('start', LAB);
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('start takes LAB and VM');
    expect(vmStates()).toEqual({ server: 'running', client: 'running' });
  });
});
