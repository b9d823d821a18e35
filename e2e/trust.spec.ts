import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { qnet } from './cli';
import { expect, labTest } from './fixtures';
import { cleanUpLab } from './labCleanup';
import type { Served } from './serve';

// A document that runs something on the host (here a VM's own QEMU binary: the installed one by its full path, so
// the lab really runs) asks before its first launch; the answer is remembered by the server's engine for that
// content. Real engine, real tiny guest, in a network namespace of its own.
const LAB = 'trust-e2e';
const QEMU = '/usr/bin/qemu-system-x86_64';
const doc = (binary: string) => `version: 1
name: ${LAB}
nodes:
  - id: solo
    kind: vm
    name: solo
    memory: 128
    binary: ${binary}
    boot: { type: tiny }
layout:
  solo: { x: 200, y: 150 }
`;

const test = labTest();

test.setTimeout(240_000);
test.afterEach(({ server }) => cleanUpLab(server.stateDir, LAB));

/** The labs the server's engine knows (`qnet status` through its control socket). */
const labsOf = (server: Served) =>
  (
    JSON.parse(qnet('status', '--json', '--state-dir', server.stateDir).out || '{"labs":[]}') as {
      labs: { lab: string; state: string }[];
    }
  ).labs;

test('launching a document that runs host programs asks; Cancel launches nothing, Trust launches and is remembered; an edit asks again', async ({
  editor,
  lab,
  server,
}) => {
  await editor.openFile('trust.qnet.yaml', doc(QEMU));
  await expect(editor.node('solo')).toBeVisible();

  await lab.launch();
  const dialog = await lab.expectTrustPrompt();
  expect(await lab.trustItems()).toEqual(['solo binary']);
  await expect(dialog.getByTestId('trust__item')).toContainText(`runs the host program ${QEMU}`);
  await expect(dialog.getByTestId('trust__lab')).toHaveText(LAB);
  await lab.answerTrust('cancel');
  await expect(lab.badge('solo')).toHaveCount(0);
  expect(labsOf(server)).toEqual([]);

  await lab.launch();
  await lab.expectTrustPrompt();
  await lab.answerTrust('trust');
  await lab.expectBadges(['solo'], 'running');
  const remembered = JSON.parse(readFileSync(join(server.configDir, 'qnet', 'trusted.json'), 'utf8')) as {
    trusted: object;
  };
  expect(Object.keys(remembered.trusted)).toHaveLength(1);
  await lab.stop();
  await lab.expectBadges(['solo'], 'stopped', 60_000);

  // The same content again: no question.
  await lab.launch();
  await lab.expectBadges(['solo'], 'running');
  await expect(editor.page.getByTestId('trust')).toHaveCount(0);
  await lab.stop();
  await lab.expectBadges(['solo'], 'stopped', 60_000);

  // An edit of the risky field asks again.
  await editor.selectNode('solo');
  await editor.setField('binary', '/usr/bin/../bin/qemu-system-x86_64');
  await lab.launch();
  const again = await lab.expectTrustPrompt();
  await expect(again.getByTestId('trust__item')).toContainText('/usr/bin/../bin/qemu-system-x86_64');
  await lab.answerTrust('cancel');
  expect(labsOf(server).filter((l) => l.state === 'running')).toEqual([]);
});
