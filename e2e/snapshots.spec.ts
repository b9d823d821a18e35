import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { expect, labTest, noLabs } from './fixtures';
import { snapshotTopology } from '../electron/testkit/snapshotLab';
import { cleanUpLab } from './labCleanup';

/*
 * The toolbar's Snapshots… dialog on a running lab: one tiny guest whose scratch disk is a linked clone (kept) of a
 * small qcow2 image. The guest writes a line to its disk, a snapshot is saved from the dialog and listed there, the
 * line is overwritten, the snapshot is restored from the dialog and the guest reads the first line back from the
 * disk itself (page cache dropped, read direct); then the snapshot is deleted from the dialog and is gone from the
 * list, as the engine says when the dialog is opened again. Restore and Delete each ask first, naming the snapshot:
 * Cancel leaves everything as it was; a save over an existing name asks too.
 */
const LAB = `snapdlg-${randomBytes(3).toString('hex')}`;
const FILE = `${LAB}.qnet.yaml`;
// Made in beforeAll, not here: every process that loads this file (the runner too) would make one.
const images = join(tmpdir(), `qnet-e2e-${LAB}`);
const image = join(images, 'scratch.qcow2');
const YAML = snapshotTopology(LAB, image);

const test = labTest({ file: FILE, yaml: YAML, node: 'pc' });

test.describe('the Snapshots… dialog', () => {
  test.skip(noLabs !== null, noLabs ?? '');
  test.setTimeout(300_000);
  test.beforeAll(() => {
    mkdirSync(images, { mode: 0o700 });
    const made = spawnSync('qemu-img', ['create', '-q', '-f', 'qcow2', image, '4M'], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(made.stderr);
  });
  test.afterEach(({ server }) => cleanUpLab(server.stateDir, LAB));
  test.afterAll(() => rmSync(images, { recursive: true, force: true }));

  test('save a snapshot, see it listed, restore it (the disk reads the first content back), delete it', async ({
    editor,
    lab,
    consoles,
  }) => {
    const { page } = editor;
    await lab.launch();
    await lab.expectTrustPrompt();
    await lab.answerTrust('trust');
    await lab.expectBadges(['pc'], 'running');
    await consoles.show();
    await consoles.expectText('pc', 'QNET-READY hostname=pc', 120_000);

    let reads = 1000;
    /**
     * The first line of the disk, read past the page cache, printed as `disk<n>=[…]`: a marker that differs from
     * the typed line (which holds `$((…))`) and from earlier reads.
     */
    const readDisk = async () => {
      reads += 1;
      await consoles.typeLine(
        'pc',
        `echo 3 > /proc/sys/vm/drop_caches; ` +
          `echo "disk$((${reads - 1}+1))=[$(dd if=/dev/vda bs=512 count=1 iflag=direct 2>/dev/null | head -n 1)]"`,
      );
      const marker = new RegExp(`disk${reads}=\\[([^\\]]*)\\]`);
      await expect(consoles.screen('pc')).toContainText(marker, { timeout: 30_000 });
      const text = ((await consoles.screen('pc').textContent()) ?? '').replace(/\u00a0/g, ' ');
      return marker.exec(text)?.[1] ?? '';
    };
    const writeDisk = (text: string) =>
      consoles.typeLine('pc', `echo ${text} | dd of=/dev/vda bs=512 conv=sync,fsync 2>/dev/null`);

    await writeDisk('first-content');
    expect(await readDisk()).toBe('first-content');

    const dialog = page.getByTestId('snapshots');
    await page.getByTestId('toolbar__snapshots').click();
    await expect(dialog).toBeVisible();
    await expect(dialog.getByTestId('snapshots__none')).toHaveText('No snapshots yet.');
    await dialog.getByTestId('snapshots__name').fill('one');
    await dialog.getByTestId('snapshots__save').click();
    await expect(dialog.getByTestId('snapshots__item')).toHaveAttribute('data-name', 'one', { timeout: 120_000 });
    await expect(lab.notice()).toContainText(`snapshot one of ${LAB} saved`);
    await dialog.getByTestId('snapshots__close').click();
    await expect(dialog).toHaveCount(0);

    await writeDisk('second-content');
    expect(await readDisk()).toBe('second-content');

    const confirm = page.getByTestId('snapshots__confirm');
    await page.getByTestId('toolbar__snapshots').click();
    await expect(dialog.getByTestId('snapshots__item')).toHaveAttribute('data-name', 'one');
    await dialog.getByTestId('snapshots__load__one').click();
    await expect(confirm.getByRole('alertdialog')).toContainText(`Restore snapshot one of ${LAB}?`);
    await confirm.getByTestId('snapshots__confirm__cancel').click();
    await expect(confirm).toHaveCount(0);
    await expect(dialog).toBeVisible();
    await dialog.getByTestId('snapshots__close').click();
    expect(await readDisk(), 'Cancel restored nothing').toBe('second-content');
    await page.getByTestId('toolbar__snapshots').click();
    await dialog.getByTestId('snapshots__load__one').click();
    await confirm.getByTestId('snapshots__confirm__ok').click();
    await expect(lab.notice()).toContainText(`snapshot one of ${LAB} loaded`, { timeout: 120_000 });
    await expect(dialog.getByTestId('snapshots__error')).toHaveCount(0);
    await dialog.getByTestId('snapshots__close').click();
    expect(await readDisk()).toBe('first-content');

    await page.getByTestId('toolbar__snapshots').click();
    await dialog.getByTestId('snapshots__name').fill('one');
    await dialog.getByTestId('snapshots__save').click();
    await expect(confirm.getByRole('alertdialog')).toContainText(`Replace snapshot one of ${LAB}?`);
    await confirm.getByTestId('snapshots__confirm__cancel').click();
    await dialog.getByTestId('snapshots__delete__one').click();
    await expect(confirm.getByRole('alertdialog')).toContainText(`Delete snapshot one of ${LAB}?`);
    await page.keyboard.press('Escape');
    await expect(confirm).toHaveCount(0);
    await expect(dialog.getByTestId('snapshots__item')).toHaveAttribute('data-name', 'one');
    await dialog.getByTestId('snapshots__delete__one').click();
    await expect(confirm.getByTestId('snapshots__confirm__name')).toHaveText('one');
    await confirm.getByTestId('snapshots__confirm__ok').click();
    await expect(lab.notice()).toContainText(`snapshot one of ${LAB} deleted`, { timeout: 60_000 });
    await expect(dialog.getByTestId('snapshots__item')).toHaveCount(0);
    await dialog.getByTestId('snapshots__close').click();
    // Read again from the engine: the guest's disk no longer holds it.
    await page.getByTestId('toolbar__snapshots').click();
    await expect(dialog.getByTestId('snapshots__none')).toHaveText('No snapshots yet.');
    await dialog.getByTestId('snapshots__close').click();

    await lab.stop();
    await expect(lab.state()).toHaveAttribute('data-state', 'stopped', { timeout: 60_000 });
  });
});
