import type { NodeKind } from '../../shared/model';
import { actionContext, useEnabled } from '../actions/context';
import { nodeActionsFor, type AppCommands } from '../actions/registry';
import { ContextMenu } from './ContextMenu';

/** Where a node's context menu was asked for: the node and the pointer (viewport coordinates). */
export interface NodeMenuAt {
  readonly node: string;
  readonly kind: NodeKind;
  readonly x: number;
  readonly y: number;
}

/** A node's actions need no window command (file dialogs, downloads). */
const NO_APP = {} as AppCommands;

/** A node's context menu: the registry's `node` actions. */
export function NodeMenu({ at, onClose }: { at: NodeMenuAt; onClose: () => void }) {
  const items = nodeActionsFor(at.kind);
  const context = () => ({ ...actionContext(NO_APP), node: at.node });
  // Subscribed so "Open console" enables as soon as the guest starts.
  const enabled = useEnabled(items, context);
  const entries = items.map((item) => ({
    name: item.name,
    label: item.label,
    enabled: enabled(item),
    perform: () => item.perform(context()),
  }));
  return (
    <ContextMenu
      x={at.x}
      y={at.y}
      label={`${at.node} actions`}
      testid="node-menu"
      data={{ node: at.node }}
      entries={entries}
      onClose={onClose}
    />
  );
}
