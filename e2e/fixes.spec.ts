import { expect, test } from './fixtures';
import { InspectorPanel } from './pages/InspectorPanel';

// One fixture per fix kind; each problem's one-click fix from the Problems panel must clear it.
const CASES = [
  { file: 'set-field-node.qnet.yaml', code: 'DUPLICATE_IFNAME', kind: 'set-field' },
  { file: 'set-field-link.qnet.yaml', code: 'SOCKET_FAMILY_UNIX', kind: 'set-field' },
  { file: 'port-clash.qnet.yaml', code: 'PORT_CLASH', kind: 'set-field' },
  { file: 'remove-link.qnet.yaml', code: 'WIRELESS_UPLINK', kind: 'remove-link' },
  { file: 'convert-node.qnet.yaml', code: 'HUB_SPANS_VMS', kind: 'convert-node' },
] as const;

test.describe('one-click fixes', () => {
  for (const c of CASES) {
    test(`${c.kind}: ${c.code} is cleared by its fix (${c.file})`, async ({ editor }) => {
      const panel = new InspectorPanel(editor.page);
      await panel.openFixture(c.file);
      await editor.showProblems();
      await expect(editor.problem(c.code)).toBeVisible();
      await expect(editor.page.getByTestId(`problems__fix__${c.code}`)).toHaveAttribute('data-fix', c.kind);
      await panel.applyFix(c.code);
      await expect(editor.problem(c.code)).toHaveCount(0);
      // A document fix is one undo step.
      await editor.page.keyboard.press('ControlOrMeta+z');
      await expect(editor.problem(c.code)).toBeVisible();
    });
  }

  test('set-target: an uplink in a network namespace is fixed by running on the host network', async ({ editor }) => {
    const panel = new InspectorPanel(editor.page);
    await panel.openFixture('uplink-netns.qnet.yaml');
    await editor.showCommands();
    await panel.setTarget('isolation', 'netns');
    await editor.showProblems();
    await expect(editor.problem('UPLINK_IN_NETNS')).toBeVisible();
    await expect(editor.page.getByTestId('problems__fix__UPLINK_IN_NETNS')).toHaveAttribute('data-fix', 'set-target');
    await panel.applyFix('UPLINK_IN_NETNS');
    await expect(editor.problem('UPLINK_IN_NETNS')).toHaveCount(0);
    await editor.showCommands();
    await expect(editor.page.getByTestId('commands__target__isolation')).toHaveValue('host');
  });
});
