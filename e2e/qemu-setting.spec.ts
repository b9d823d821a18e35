import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { processesMentioning } from '../electron/testkit/procs';
import { qnet } from './cli';
import { expect, labTest } from './fixtures';
import { cleanUpLab } from './labCleanup';
import { startServe } from './serve';

// The editor's QEMU setting: the user picks the fetched QEMU 10.0 (npm test's setup fetches it) beside the server's
// own 7.2. The server probes the choice, the Commands panel shows 10.0's realization of a stream link
// (reconnect-ms, no start order), `qnet compile --qemu` gives the same argv, and the launch runs exactly those
// command lines: real engine, real tiny guests, in a network namespace of their own.
const LAB = 'qemu-choice';
const QEMU10 = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'qnet', 'qemu', '10.0');
const BINARY10 = join(QEMU10, 'usr', 'bin', 'qemu-system-x86_64');
const doc = (binary?: string) => `version: 2
name: ${binary ? `${LAB}-own` : LAB}
nodes:
  - { id: a, kind: vm, name: a, memory: 128, ${binary ? `binary: ${binary}, ` : ''}boot: { type: tiny }, nics: [{ id: eth0, ip: 10.0.41.1/24 }] }
  - { id: b, kind: vm, name: b, memory: 128, boot: { type: tiny }, nics: [{ id: eth0, ip: 10.0.41.2/24 }] }
links:
  - { id: wire, a: 'a:eth0', b: 'b:eth0', transport: stream }
layout:
  nodes:
    a: { x: 100, y: 150 }
    b: { x: 450, y: 150 }
`;

const test = labTest();

test.setTimeout(240_000);
test.afterEach(({ server }) => {
  cleanUpLab(server.stateDir, LAB);
  cleanUpLab(server.stateDir, `${LAB}-own`);
});

/** The guests' command lines as QEMU got them (from /proc), by VM name. */
function runningArgv(stateDir: string): Record<string, string[]> {
  const qemus = processesMentioning(stateDir).filter((p) => p.argv[0]?.includes('qemu-system-'));
  return Object.fromEntries(qemus.map((p) => [p.argv[p.argv.indexOf('-name') + 1]!, p.argv]));
}

test('the QEMU setting: 10.0 chosen in the editor is what Commands show, qnet compile gives and the launch runs', async ({
  editor,
  lab,
  server,
  page,
}) => {
  await editor.openFile(`${LAB}.qnet.yaml`, doc());
  await editor.showCommands();
  const found = page.getByTestId('commands__target__qemu__found');
  await expect(found).toHaveAttribute('data-version', /^7\.2\./);
  const before = await editor.argv('b');
  expect(before[0]).toBe('qemu-system-x86_64');
  expect(before.join(' ')).not.toContain('reconnect');

  // A path that holds no QEMU changes nothing and says why.
  await page.getByTestId('commands__target__qemu').selectOption('other');
  await page.getByTestId('commands__target__qemu__path').fill('/nowhere/qemu');
  await page.getByTestId('commands__target__qemu__use').click();
  await expect(page.getByTestId('commands__target__qemu__error')).toContainText(
    'the chosen QEMU /nowhere/qemu does not exist',
  );
  await expect(found).toHaveAttribute('data-version', /^7\.2\./);

  // The 10.0 binary by its path: probed, and the plan is 10.0's.
  await page.getByTestId('commands__target__qemu__path').fill(BINARY10);
  await page.getByTestId('commands__target__qemu__use').click();
  await expect(found).toHaveAttribute('data-version', /^10\.0\./);
  await expect(page.getByTestId('commands__target__qemu__error')).toHaveCount(0);
  const shown = { a: await editor.argv('a'), b: await editor.argv('b') };
  for (const argv of Object.values(shown)) {
    expect(argv[0]).toBe(BINARY10);
    expect(argv.slice(1, 3)).toEqual(['-L', join(QEMU10, 'usr', 'share', 'qemu')]);
  }
  expect(shown.b.some((a) => a.startsWith('stream,') && a.includes(',reconnect-ms=1000'))).toBe(true);

  // One target: qnet compile --qemu, with the server's state dir and isolation, gives the same command lines.
  const dir = mkdtempSync(join(tmpdir(), 'qnet-qemu-setting-'));
  try {
    writeFileSync(join(dir, `${LAB}.qnet.yaml`), doc());
    const r = qnet(
      'compile',
      join(dir, `${LAB}.qnet.yaml`),
      '--json',
      '--state-dir',
      server.stateDir,
      '--isolation',
      'netns',
      '--qemu',
      BINARY10,
    );
    expect(r.code, r.err).toBe(0);
    const cli = JSON.parse(r.out) as { vms: { node: string; argv: string[] }[] };
    expect(Object.fromEntries(cli.vms.map((v) => [v.node, v.argv]))).toEqual(shown);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // The launch runs exactly what the panel shows, on 10.0; both guests come up.
  await lab.launch();
  await lab.expectBadges(['a', 'b'], 'running');
  expect(runningArgv(server.stateDir)).toEqual(shown);
  await lab.stop();
  await lab.expectBadges(['a', 'b'], 'stopped', 60_000);
  expect(runningArgv(server.stateDir)).toEqual({});

  // The fetched 10.0 offered by name is the same QEMU; the server's own comes back with its realization.
  await page.getByTestId('commands__target__qemu').selectOption(QEMU10);
  await expect(page.getByTestId('commands__target__qemu')).toHaveValue(QEMU10);
  expect(await editor.argv('b')).toEqual(shown.b);
  await page.getByTestId('commands__target__qemu').selectOption('');
  await expect(found).toHaveAttribute('data-version', /^7\.2\./);
  expect(await editor.argv('b')).toEqual(before);
});

test("with 10.0 chosen, a VM's own binary is still its own and still asks before it runs", async ({
  editor,
  lab,
  page,
  server,
}) => {
  await editor.openFile(`${LAB}.qnet.yaml`, doc('/usr/bin/qemu-system-x86_64'));
  await editor.showCommands();
  await page.getByTestId('commands__target__qemu').selectOption(QEMU10);
  await expect(page.getByTestId('commands__target__qemu__found')).toHaveAttribute('data-version', /^10\.0\./);
  expect((await editor.argv('a')).slice(0, 2)).toEqual(['/usr/bin/qemu-system-x86_64', '-name']);
  expect((await editor.argv('b'))[0]).toBe(BINARY10);
  await lab.launch();
  const prompt = await lab.expectTrustPrompt();
  expect(await lab.trustItems()).toEqual(['a binary']);
  await expect(prompt).toContainText('runs the host program /usr/bin/qemu-system-x86_64 instead of qemu-system-x86_64');
  await lab.answerTrust('cancel');
  expect(runningArgv(server.stateDir)).toEqual({});
});

test("NIC models come from the chosen QEMU: the page's choice, and qnet serve --qemu's own", async ({
  server,
  request,
}) => {
  // 10.0 filters its list by machine (isapc: only its ISA card); 7.2 lists PCI cards for any machine.
  const isapc = async (origin: string, token: string, query = '') =>
    (
      (await (
        await request.get(`${origin}/api/nic-models?pair=x86_64/isapc${query}`, { headers: { 'x-qnet-token': token } })
      ).json()) as { models: string[] }
    ).models;
  expect(await isapc(server.origin, server.token)).toContain('e1000');
  expect(await isapc(server.origin, server.token, `&qemu=${encodeURIComponent(QEMU10)}`)).toEqual(['ne2k_isa']);
  const bad = await request.get(`${server.origin}/api/nic-models?pair=x86_64/q35&qemu=/nowhere`, {
    headers: { 'x-qnet-token': server.token },
  });
  expect(bad.status()).toBe(400);
  expect(JSON.stringify(await bad.json())).toContain('the chosen QEMU /nowhere does not exist');
  // A server started with --qemu answered these from the installed QEMU until NicModelCache kept each QEMU apart.
  const served10 = await startServe(['--qemu', QEMU10]);
  try {
    expect(await isapc(served10.origin, served10.token)).toEqual(['ne2k_isa']);
  } finally {
    await served10.stop();
  }
});
