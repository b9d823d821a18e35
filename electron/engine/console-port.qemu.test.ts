/**
 * A guest's console on a loopback TCP port (`console.tcpPort`), for real: a tiny guest under TCG in a rootless lab
 * (isolation userns, no pasta in the lab), a plain TCP client on the host types a command and reads the guest's
 * answer; the port is bound on 127.0.0.1 only, status names it, and after stop it is closed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, expect, test } from 'vitest';
import { runScript } from '../testkit/exportedLab';
import { processesMentioning } from '../testkit/procs';
import { buildCli, qnet } from '../testkit/qnetCli';
import { buildGuests, cleanupAll, launchLab, startEngine, topologyText, trackDir } from '../testkit/scenarios/harness';

beforeAll(async () => {
  await buildGuests(['x86_64']);
  buildCli();
}, 900_000);

afterEach(async () => {
  const found = await cleanupAll();
  expect(found, 'left behind after the test (cleaned up now)').toEqual([]);
});

/** A TCP port nothing listens on now. */
function freePort(): Promise<number> {
  const server = createServer();
  return new Promise((resolve) =>
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    }),
  );
}

/** The local addresses listening on TCP `port`. */
function listeners(port: number): string[] {
  const out = execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' }).trim();
  return out === '' ? [] : out.split('\n').map((l) => l.trim().split(/\s+/)[3]!);
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Resolves with the client's received text once it matches `pattern`. */
function received(socket: Socket, pattern: RegExp, timeoutMs: number): Promise<string> {
  let text = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${text}`)), timeoutMs);
    socket.on('data', (d: Buffer) => {
      text += d.toString('utf8');
      if (!pattern.test(text)) return;
      clearTimeout(timer);
      resolve(text);
    });
  });
}

test('nc to 127.0.0.1:PORT is the guest console: echo hi-$((6*7)) answers hi-42; closed after stop', async () => {
  const port = await freePort();
  const { text } = topologyText('console-port.qnet.yaml', { replace: [['PORT', String(port)]] });
  const engine = startEngine();
  const lab = await launchLab(engine, text);

  const status = await engine.api.request({ type: 'status', lab: lab.lab });
  expect(status.ok && status.status.vms.map((v) => [v.vm, v.consolePort])).toEqual([['box', port]]);
  // Loopback only: the listening socket is 127.0.0.1's, not the wildcard's.
  expect(listeners(port)).toEqual([`127.0.0.1:${port}`]);

  const client = await open(port);
  const answer = received(client, /\r?\nhi-42\r?\n/, 30_000);
  client.write('echo hi-$((6*7))\n');
  await answer;
  // What the client typed went to the guest's one console: the engine's own subscribers saw it too.
  await lab.waitFor('box', /\nhi-42\r?\n/, 10_000);

  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  await lab.stop();
  await closed;
  await expect(open(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
}, 180_000);

test('the exported up.sh serves the same port: nc 127.0.0.1:PORT is the guest console; down.sh closes it', async () => {
  const port = await freePort();
  const { text } = topologyText('console-port.qnet.yaml', { replace: [['PORT', String(port)]] });
  const dir = mkdtempSync(join(tmpdir(), 'qnet-cport-sh-'));
  trackDir(dir);
  writeFileSync(join(dir, 'lab.qnet.yaml'), text);
  const exported = qnet(['export', join(dir, 'lab.qnet.yaml'), '-o', join(dir, 'export')]);
  expect(exported.code, exported.err).toBe(0);
  const states = join(dir, 'state');
  // Another program listens on the port first: up.sh refuses before it starts anything (its clients would type,
  // passwords too, into that program), naming the port and the guest.
  const stranger = createServer();
  await new Promise<void>((resolve) => stranger.listen({ port, host: '127.0.0.1' }, resolve));
  try {
    const refused = runScript(join(dir, 'export', 'up.sh'), ['--state-dir', states]);
    expect(refused.status, refused.output).not.toBe(0);
    expect(refused.output).toContain(`box: its console TCP port 127.0.0.1:${port} is taken`);
    expect(refused.output).not.toContain('starting');
    expect(processesMentioning(states).map((p) => p.argv.join(' '))).toEqual([]);
    // Nothing made: not even the lab's state directory.
    expect(existsSync(states) ? readdirSync(states) : []).toEqual([]);
  } finally {
    await new Promise<void>((resolve) => stranger.close(() => resolve()));
  }
  const up = runScript(join(dir, 'export', 'up.sh'), ['--state-dir', states]);
  try {
    expect(up.status, up.output).toBe(0);
    expect(up.output).toContain(`console on 127.0.0.1:${port}: nc 127.0.0.1 ${port}`);
    expect(listeners(port)).toEqual([`127.0.0.1:${port}`]);
    const client = await open(port);
    const answer = received(client, /\r?\nhi-42\r?\n/, 90_000);
    // The guest may still be booting: type again until it answers.
    const typing = setInterval(() => client.write('echo hi-$((6*7))\n'), 2_000);
    client.write('echo hi-$((6*7))\n');
    try {
      await answer;
    } finally {
      clearInterval(typing);
    }
    client.destroy();
  } finally {
    const down = runScript(join(dir, 'export', 'down.sh'), ['--state-dir', states]);
    expect(down.status, down.output).toBe(0);
  }
  await expect(open(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  expect(processesMentioning(states).map((p) => p.argv.join(' '))).toEqual([]);
}, 180_000);

test("a UML guest serves its console on its port too: the engine, on 127.0.0.1 only (UML's port: channel binds 0.0.0.0)", async () => {
  const port = await freePort();
  const { text } = topologyText('uml-console-port.qnet.yaml', { replace: [['PORT', String(port)]] });
  const engine = startEngine();
  const lab = await launchLab(engine, text);
  const status = await engine.api.request({ type: 'status', lab: lab.lab });
  expect(status.ok && status.status.vms.map((v) => [v.vm, v.consolePort])).toEqual([['u1', port]]);
  expect(listeners(port)).toEqual([`127.0.0.1:${port}`]);

  const client = await open(port);
  const answer = received(client, /\r?\nhi-42\r?\n/, 60_000);
  client.write('echo hi-$((6*7))\n');
  await answer;
  await lab.waitFor('u1', /\nhi-42\r?\n/, 10_000);

  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  await lab.stop();
  await closed;
  await expect(open(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
}, 180_000);
