import { expect, test } from './fixtures';
import { InspectorPanel } from './pages/InspectorPanel';

test.describe('inspector', () => {
  test("a NAT node's port forward edited in the inspector shows in the argv; an invalid port is refused", async ({
    editor,
  }) => {
    const panel = new InspectorPanel(editor.page);
    await editor.dropFromPalette('vm', 150, 150);
    await editor.dropFromPalette('nat', 550, 150);
    await editor.addNic('vm1');
    await editor.wire(editor.handle('vm1', 'eth0'), editor.handle('nat1'));
    await expect(editor.edges()).toHaveCount(1);

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

  test('privilege user on the tap-bridge example raises ROOT_REQUIRED; its set-target fix clears it', async ({
    editor,
  }) => {
    const panel = new InspectorPanel(editor.page);
    await editor.openExample('02-tap-bridge');
    await editor.showCommands();
    await panel.setTarget('privilege', 'user');
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
});
