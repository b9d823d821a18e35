import { readFile } from 'node:fs/promises';
import { expect, test } from './fixtures';
import { InspectorPanel } from './pages/InspectorPanel';
import { ROOT } from './serve';

test.describe('inspector', () => {
  test("a NAT node's port forward edited in the inspector shows in the argv; an invalid port is refused", async ({
    editor,
  }) => {
    const panel = new InspectorPanel(editor.page);
    await editor.dropFromPalette('vm', 150, 150);
    await editor.dropFromPalette('nat', 550, 150);
    await editor.addNic('vm1');
    await editor.wire(editor.handle('vm1', 'eth0'), editor.handle('nat1'));
    await editor.expectLinkCount(1);

    await editor.selectNode('nat1');
    await editor.page.getByTestId('inspector__add-hostfwd').click();
    await editor.setField('hostfwd.0.hostPort', '8080');
    await editor.setField('hostfwd.0.guestPort', '80');
    await editor.showCommands();
    await panel.expectArgvWord('vm1', 'hostfwd=tcp:127.0.0.1:8080-:80');

    // One input event with a port out of range: refused with the schema's message, the argv keeps 8080.
    await panel.field('hostfwd.0.hostPort').fill('70000');
    await expect(panel.error('hostfwd.0.hostPort')).toContainText('65535');
    await panel.expectArgvWord('vm1', 'hostfwd=tcp:127.0.0.1:8080-:80');
    const argv = await editor.argv('vm1');
    expect(argv.join(' ')).not.toContain('70000');

    await editor.setField('hostfwd.0.hostPort', '8081');
    await panel.expectArgvWord('vm1', 'hostfwd=tcp:127.0.0.1:8081-:80');
  });

  test("a VM's console TCP port set in the inspector shows on its node; out of range refused; cleared, it is off", async ({
    editor,
  }) => {
    const panel = new InspectorPanel(editor.page);
    await editor.dropFromPalette('vm', 150, 150);
    const badge = editor.page.getByTestId('node__vm1__console-port');
    await expect(badge).toHaveCount(0);
    await editor.selectNode('vm1');
    await editor.setField('console.tcpPort', '5000');
    await expect(badge).toHaveText('· console :5000');
    await expect(badge).toHaveAttribute('title', /nc 127\.0\.0\.1 5000/);

    await panel.field('console.tcpPort').fill('70000');
    await expect(panel.error('console.tcpPort')).toContainText('65535');
    await expect(badge).toHaveText('· console :5000');

    await panel.field('console.tcpPort').fill('');
    await panel.field('console.tcpPort').blur();
    await expect(badge).toHaveCount(0);
  });

  test('the tap-bridge example needs no root in its own namespace; on the host, privilege user raises ROOT_REQUIRED and its set-target fix clears it', async ({
    editor,
  }) => {
    const panel = new InspectorPanel(editor.page);
    await editor.openExample('02-tap-bridge');
    await editor.showCommands();
    // By default, the lab's own user namespace, where its bridge and taps need no root; the panel says how it runs.
    await expect(editor.page.getByTestId('commands__target__isolation')).toHaveValue('userns');
    await expect(editor.page.getByTestId('commands__rootless')).toContainText('no root needed');
    await expect(editor.page.getByTestId('commands__userns')).toContainText(
      'nsenter --preserve-credentials -t PID -U -n --',
    );
    await expect(editor.page.getByTestId('commands__privilege')).toHaveText('user');
    await panel.setTarget('privilege', 'user');
    await expect(editor.page.getByTestId('commands__errors')).toHaveCount(0);
    await panel.setTarget('isolation', 'host');
    await expect(editor.page.getByTestId('commands__errors')).toBeVisible();
    await editor.showProblems();
    await expect(editor.problem('ROOT_REQUIRED')).toBeVisible();
    await panel.applyFix('ROOT_REQUIRED');
    await expect(editor.problem('ROOT_REQUIRED')).toHaveCount(0);
    await editor.showCommands();
    await expect(editor.page.getByTestId('commands__target__privilege')).toHaveValue('root');
    await expect(editor.page.getByTestId('commands__errors')).toHaveCount(0);
    await expect(editor.page.getByTestId('commands__setup__copy')).toBeVisible();
    await expect(editor.page.getByTestId('commands__teardown__copy')).toBeVisible();
  });

  test('a number field names what is wrong with text that is no number; a boot path says where it is read from', async ({
    editor,
  }) => {
    const panel = new InspectorPanel(editor.page);
    await editor.dropFromPalette('vm', 150, 150);
    await editor.selectNode('vm1');
    await panel.field('memory').fill('');
    await expect(panel.error('memory')).toHaveText('Enter a number');
    await panel.field('memory').fill('12x');
    await expect(panel.error('memory')).toHaveText('"12x" is not a number');
    await panel.field('memory').fill('384');
    await expect(panel.error('memory')).toHaveCount(0);
    await editor.showCommands();
    await panel.expectArgvWord('vm1', '384');

    await panel.field('boot.type').selectOption('kernel');
    await expect(editor.page.getByTestId('inspector__boot-base')).toContainText(
      `opened from ${ROOT.replace(/\/$/, '')}`,
    );
  });

  test('every field of a VM is editable: boot, extra arguments, NIC model and derived MAC', async ({ editor }) => {
    const panel = new InspectorPanel(editor.page);
    await editor.dropFromPalette('vm', 150, 150);
    await editor.addNic('vm1');
    await expect(editor.page.getByTestId('inspector__nic__eth0')).toContainText('auto: ');
    await panel.field('boot.type').selectOption('kernel');
    await editor.setField('boot.kernel', '/boot/vmlinuz');
    await editor.setField('boot.append', 'console=ttyS0');
    await editor.page.getByTestId('inspector__new__extraArgs').fill('-no-reboot');
    await editor.page.getByTestId('inspector__add__extraArgs').click();
    await editor.showCommands();
    await panel.expectArgvWord('vm1', '/boot/vmlinuz');
    await panel.expectArgvWord('vm1', 'console=ttyS0');
    await panel.expectArgvWord('vm1', '-no-reboot');
    await panel.field('smp').fill('0');
    await expect(panel.error('smp')).toBeVisible();
  });

  test("a UML instance's interfaces are a list: one added takes its address into linux.uml's command line", async ({
    editor,
  }) => {
    await editor.openExample('12-uml-mcast');
    await editor.selectNode('uml1');
    await expect(editor.page.getByTestId('inspector__nic__eth0')).toBeVisible();
    await editor.page.getByTestId('inspector__add-nic').click();
    await expect(editor.page.getByTestId('inspector__nic__eth1')).toBeVisible();
    await editor.setField('nics.1.ip', '10.0.99.2/24');
    await editor.showCommands();
    await expect
      .poll(async () =>
        JSON.parse((await editor.page.getByTestId('commands__process__uml-uml1').getAttribute('data-argv')) ?? '[]'),
      )
      .toContain('qnet.if1=10.0.99.2/24');
  });

  test('with nothing selected the inspector edits the lab: a rename shows in Commands and the saved file, one undo step', async ({
    editor,
  }, info) => {
    const { page } = editor;
    const panel = new InspectorPanel(page);
    await editor.openExample('05-socket-pair');
    await expect(page.getByTestId('inspector__lab')).toBeVisible();
    await expect(panel.field('lab.name')).toHaveValue('socket-pair');
    await editor.showCommands();
    await expect(page.getByTestId('commands__lab')).toHaveText('socket-pair');

    await panel.field('lab.name').fill('edge lab');
    await expect(panel.error('lab.name')).toContainText('letters, digits');
    await expect(page.getByTestId('commands__lab')).toHaveText('socket-pair');
    await editor.setField('lab.name', 'edge-lab');
    await expect(panel.error('lab.name')).toHaveCount(0);
    await expect(page.getByTestId('commands__lab')).toHaveText('edge-lab');
    await editor.setField('lab.settings.portBase', '80');
    await expect(panel.error('lab.settings.portBase')).toContainText('1024');
    await editor.setField('lab.settings.portBase', '41000');
    await expect(panel.error('lab.settings.portBase')).toHaveCount(0);
    await editor.setField('lab.description', 'Two guests\non one socket.');
    await editor.screenshot(info.outputPath('lab-form.png'));

    const file = info.outputPath('renamed.qnet.yaml');
    await (await editor.save()).saveAs(file);
    const saved = await readFile(file, 'utf8');
    expect(saved).toMatch(/^name: edge-lab$/m);
    expect(saved).toContain('Two guests');
    expect(saved).toContain('portBase: 41000');

    // The description, the port base, the name: one undo step each; redoing them is the saved document again.
    await editor.press('ControlOrMeta+z', 3);
    await expect(panel.field('lab.name')).toHaveValue('socket-pair');
    await expect(page.getByTestId('commands__lab')).toHaveText('socket-pair');
    await editor.expectDirty(true);
    await editor.press('ControlOrMeta+Shift+z', 3);
    await expect(page.getByTestId('commands__lab')).toHaveText('edge-lab');
    await editor.expectDirty(false);
  });
});
