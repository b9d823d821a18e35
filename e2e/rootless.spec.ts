import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { netnsName } from '../shared/compiler/index';
import { missingPrograms } from '../electron/testkit/qemuProbe';
import { processesOf } from '../electron/testkit/users';
import { expect, labTest } from './fixtures';
import { ROOT } from './serve';

/*
 * Issue 10 from the page: `qnet serve` run by an unprivileged user (qnet-test1, made when missing), never root. The
 * page launches the tap + bridge example (two guests on a bridge, each through a tap), they ping across it from a
 * console, Stop ends it, and the host's network never changed: no bridge or tap in the host's namespace, no
 * namespace named, no route, no process of the lab left, no sudo or pkexec asked (shims record any call).
 */
const FILE = '02-tap-bridge.qnet.yaml';
// A lab name of its own: other suites run example 02 too, in named namespaces, beside this one.
const LAB = 'rootless-e2e';
const YAML = readFileSync(join(ROOT, 'assets/examples', FILE), 'utf8').replace(/^name: tap-bridge$/m, `name: ${LAB}`);

const missing = missingPrograms(['qemu-system-x86_64', 'ip', 'unshare', 'nsenter', 'setpriv']);
const why =
  process.getuid?.() !== 0
    ? 'needs root (to create the unprivileged test user and run the server as it)'
    : missing.length
      ? `missing ${missing.join(', ')}`
      : null;

/**
 * The host's network as its user would see a change: links, routes, and a namespace named for this lab (other
 * suites' labs come and go in named namespaces of their own while this one runs, so the whole list cannot be
 * compared).
 */
function hostNetwork(): string {
  const run = (argv: string[]) => spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' }).stdout;
  const named = run(['ip', 'netns', 'list'])
    .split('\n')
    .filter((line) => line.split(' ')[0] === netnsName(LAB));
  return [run(['ip', '-br', 'link']), named.join('\n'), run(['ip', 'route'])].join('\n--\n');
}

const test = labTest({ file: FILE, yaml: YAML, node: 'alpha' });

test.describe('a rootless lab from the page, served by an unprivileged user', () => {
  test.skip(why !== null, why ?? '');
  test.use({ isolation: 'userns', serveAs: 'qnet-test1' });
  test.setTimeout(240_000);

  test('the tap + bridge lab launches without root, its guests ping, Stop leaves nothing on the host', async ({
    home: maybeHome,
    server,
    editor,
    lab,
    consoles,
  }) => {
    const home = maybeHome!; // served as qnet-test1: the home is there
    await expect(editor.node('beta')).toBeVisible();
    const before = hostNetwork();
    const serveProcesses = processesOf(home.user.uid);
    expect(serveProcesses.map((l) => l.replace(/^\d+: /, ''))).toEqual([expect.stringMatching(/bin\/qnet\.js serve /)]);
    await lab.launch();
    await lab.expectBadges(['alpha', 'beta'], 'running');
    // The lab's processes are the user's, and the bridge is nowhere on the host.
    const running = processesOf(home.user.uid, (argv) => !argv.join(' ').includes('qnet.js serve'));
    expect(running.some((l) => l.includes('qemu-system-x86_64'))).toBe(true);
    expect(running.some((l) => l.endsWith(': sleep infinity'))).toBe(true);
    expect(hostNetwork()).toBe(before);

    await consoles.show();
    await consoles.expectText('alpha', 'QNET-READY hostname=alpha', 120_000);
    await consoles.expectText('beta', 'QNET-READY hostname=beta', 120_000);
    await consoles.typeLine('alpha', 'ping -c 2 -W 5 10.0.20.2');
    await consoles.expectText('alpha', '2 packets received', 60_000);

    await lab.stop();
    await expect(lab.state()).toHaveAttribute('data-state', 'stopped', { timeout: 60_000 });
    await expect
      .poll(() => processesOf(home.user.uid).map((l) => l.replace(/^\d+: /, '')))
      .toEqual([expect.stringMatching(/bin\/qnet\.js serve /)]);
    expect(hostNetwork()).toBe(before);
    expect(home.escalations()).toBe('');
    await server.stop();
    expect(processesOf(home.user.uid)).toEqual([]);
  });
});
