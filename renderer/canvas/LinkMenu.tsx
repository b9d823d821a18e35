import { actionContext, useEnabled } from '../actions/context';
import { LINK_ACTIONS, type AppCommands } from '../actions/registry';
import { ContextMenu } from './ContextMenu';

/** Where a link's context menu was asked for: the link and the pointer (viewport coordinates). */
export interface LinkMenuAt {
  readonly link: string;
  readonly x: number;
  readonly y: number;
}

/** A link's actions need no window command (file dialogs, downloads). */
const NO_APP = {} as AppCommands;

/** A link's context menu: the registry's `link` actions. */
export function LinkMenu({ at, onClose }: { at: LinkMenuAt; onClose: () => void }) {
  const context = () => ({ ...actionContext(NO_APP), link: at.link });
  // Subscribed so the link's state items follow the lab while the menu is open.
  const enabled = useEnabled(LINK_ACTIONS, context);
  const entries = LINK_ACTIONS.map((item) => ({
    name: item.name,
    label: item.label,
    enabled: enabled(item),
    perform: () => item.perform(context()),
  }));
  return (
    <ContextMenu
      x={at.x}
      y={at.y}
      label={`link ${at.link} actions`}
      testid="link-menu"
      data={{ link: at.link }}
      entries={entries}
      onClose={onClose}
    />
  );
}
