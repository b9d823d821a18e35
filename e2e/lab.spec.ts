import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { test as base, expect } from '@playwright/test';
import { deleteNetns, netnsExists } from '../electron/testkit/netns';
import { killPids, pidAlive, processesMentioning, readPidfile } from '../electron/testkit/procs';
import { qnet } from './cli';
import { EditorPage } from './pages/EditorPage';
import { LabPage } from './pages/LabPage';
import { ROOT, startServe, type Served } from './serve';

// Real engine, real tiny guests: the lab runs in a network namespace (the server's launch default, which the page
// sends as its launch options). One lab at a time: every test launches the same example (same netns name).
const EXAMPLE = join(ROOT, 'assets', 'examples', '05-socket-pair.qnet.yaml');
const NODES = ['server', 'client'] as const;

interface PlanInfo {
  lab: string;
  netns: string | null;
  stateDir: string;
  vms: { name: string; node: string; pidfile: string }[];
}

function planOf(stateDir: string, isolation: 'netns' | 'host'): PlanInfo {
  const r = qnet('compile', EXAMPLE, '--json', '--state-dir', stateDir, '--isolation', isolation);
  if (!r.out) throw new Error(`qnet compile failed (${r.code}): ${r.err}`);
  return JSON.parse(r.out) as PlanInfo;
}

/** The lab's QEMU pids, from its pidfiles. */
const pidsOf = (plan: PlanInfo) => plan.vms.map((v) => readPidfile(v.pidfile)).filter((p): p is number => p !== null);

const test = base.extend<{
  isolation: 'netns' | 'host';
  server: Served;
  editor: EditorPage;
  lab: LabPage;
  plan: PlanInfo;
}>({
  isolation: ['netns', { option: true }],
  server: async ({ isolation }, use) => {
    const served = await startServe(['--isolation', isolation]);
    await use(served);
    await served.stop();
  },
  plan: async ({ server, isolation }, use) => {
    const plan = planOf(server.stateDir, isolation);
    const before = new Set(processesMentioning(plan.stateDir).map((p) => p.pid));
    await use(plan);
    // Whatever a failed test left: its guests by pid, the namespace.
    killPids([
      ...pidsOf(plan),
      ...processesMentioning(plan.stateDir)
        .map((p) => p.pid)
        .filter((p) => !before.has(p)),
    ]);
    if (plan.netns) deleteNetns(plan.netns);
  },
  editor: async ({ page, server, plan }, use) => {
    void plan;
    const editor = new EditorPage(page, server);
    await editor.open();
    await use(editor);
  },
  lab: async ({ page }, use) => {
    await use(new LabPage(page));
  },
});

test.describe.configure({ mode: 'serial' });
test.setTimeout(240_000);

test.describe('one-click labs', () => {
  test('launch turns both guests running, stop leaves nothing behind', async ({ editor, lab, plan, server }) => {
    await editor.openExample('05-socket-pair');
    await lab.launch();
    await lab.expectBadges(NODES, 'running');
    await expect(lab.state()).toHaveAttribute('data-state', 'running');
    expect(plan.netns && netnsExists(plan.netns)).toBe(true);
    const pids = pidsOf(plan);
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(pidAlive(pid)).toBe(true);

    // qnet status sees the page's lab through the server's control socket.
    const status = qnet('status', '--json', '--state-dir', server.stateDir);
    expect(status.out).toContain('"socket-pair"');

    await lab.showLog();
    await expect(editor.page.getByTestId('log__step').first()).toBeVisible();

    await lab.stop();
    await lab.expectBadges(NODES, 'stopped', 60_000);
    await expect(lab.state()).toHaveAttribute('data-state', 'stopped');
    await expect(editor.page.locator('[data-testid="log__step"][data-status="undone"]').first()).toBeVisible();
    for (const pid of pids) expect(pidAlive(pid)).toBe(false);
    expect(processesMentioning(plan.stateDir).filter((p) => p.argv[0]?.includes('qemu'))).toEqual([]);
    expect(netnsExists(plan.netns!)).toBe(false);
    const labDir = join(server.stateDir, plan.lab);
    const sockets = (() => {
      try {
        return readdirSync(labDir).filter((f) => f.endsWith('.sock'));
      } catch {
        return [];
      }
    })();
    expect(sockets).toEqual([]);
  });

  test('a killed guest turns crashed with its signal; the other keeps running', async ({ editor, lab, plan }) => {
    await editor.openExample('05-socket-pair');
    await lab.launch();
    await lab.expectBadges(NODES, 'running');
    const server = plan.vms.find((v) => v.node === 'server')!;
    const client = plan.vms.find((v) => v.node === 'client')!;
    const victim = readPidfile(server.pidfile)!;
    process.kill(victim, 'SIGKILL');
    await expect(lab.badge('server')).toHaveAttribute('data-state', 'crashed', { timeout: 30_000 });
    await expect(lab.badge('server')).toHaveAttribute('data-signal', 'SIGKILL');
    await expect(lab.badge('server')).toHaveAttribute('title', /SIGKILL/);
    await expect(lab.badge('client')).toHaveAttribute('data-state', 'running');
    expect(pidAlive(readPidfile(client.pidfile)!)).toBe(true);
    await lab.showLog();
    await expect(editor.page.getByTestId('log').getByText(/server: QEMU killed by SIGKILL/)).toBeVisible();
    await lab.stop();
    await lab.expectBadges(['client'], 'stopped', 60_000);
  });

  test('a reload during a run brings the badges back', async ({ editor, lab, page }) => {
    await editor.openExample('05-socket-pair');
    await lab.launch();
    await lab.expectBadges(NODES, 'running');
    await page.reload();
    await expect(page.getByTestId('app')).toHaveAttribute('data-ready', 'true');
    await lab.expectBadges(NODES, 'running', 20_000);
    await expect(lab.state()).toHaveAttribute('data-state', 'running');
    await lab.showLog();
    await expect(page.getByTestId('log__line').first()).toBeVisible();
    await lab.stop();
    await lab.expectBadges(NODES, 'stopped', 60_000);
  });

  test.describe('preflight', () => {
    test.use({ isolation: 'host' });
    let blocker: Server | null = null;
    test.afterEach(async () => {
      await new Promise<void>((r) => (blocker ? blocker.close(() => r()) : r()));
      blocker = null;
    });

    test('a port in use shows the problem with its fix and starts nothing', async ({ editor, lab, plan }) => {
      const yaml = readFileSync(EXAMPLE, 'utf8');
      const port = Number(/port: (\d+)/.exec(yaml)![1]);
      blocker = createServer();
      await new Promise<void>((r) => blocker!.listen(port, '127.0.0.1', () => r()));
      await editor.openExample('05-socket-pair');
      // Watching the Log while it launches: the failure brings Problems up by itself and marks the node.
      await lab.showLog();
      await expect(editor.node('server')).not.toHaveClass(/has-error/);
      await lab.launch();
      await expect(lab.notice()).toContainText('Launch stopped by preflight: see Problems', { timeout: 30_000 });
      await expect(editor.page.getByTestId('tab__problems')).toHaveAttribute('aria-selected', 'true');
      await expect(editor.node('server')).toHaveClass(/has-error/);
      const problem = editor.problem('PREFLIGHT_PORT_IN_USE');
      await expect(problem).toBeVisible({ timeout: 30_000 });
      await expect(problem).toHaveAttribute('data-source', 'preflight');
      await expect(problem).toContainText(String(port));
      await expect(editor.page.getByTestId('problems__command__PREFLIGHT_PORT_IN_USE')).not.toBeEmpty();
      await expect(lab.state()).toHaveAttribute('data-state', 'failed');
      expect(pidsOf(plan).filter(pidAlive)).toEqual([]);
      expect(processesMentioning(plan.stateDir)).toEqual([]);
    });
  });
});
