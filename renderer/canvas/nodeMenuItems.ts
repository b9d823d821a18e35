/**
 * What a canvas node's context menu offers: data the menu renders and tests run without a DOM. Each item acts on
 * the node right-clicked (the selection is left alone unless the item is Select).
 */
import type { NodeKind } from '../../shared/model';
import { consoleGuest, type LabView } from '../lab/labStore';
import type { EditorState } from '../store/store';

/** What the items read and change: the editor, the followed lab, the bottom panel. */
export interface NodeMenuContext {
  readonly state: EditorState;
  readonly lab: Pick<LabView, 'lab' | 'state' | 'vms'>;
  openConsole(lab: string, vm: string): void;
}

export interface NodeMenuItem {
  /** Stable name: the item's `data-testid` is `node-menu__<name>`. */
  readonly name: string;
  readonly label: string;
  /** Node kinds it is offered for; all when absent. */
  readonly kinds?: readonly NodeKind[];
  readonly enabled: (ctx: NodeMenuContext, node: string) => boolean;
  readonly perform: (ctx: NodeMenuContext, node: string) => void;
}

/** Opens the console of the followed lab's guest realizing `node`; false when it has none to open. */
export function openNodeConsole(ctx: NodeMenuContext, node: string): boolean {
  const vm = consoleGuest(ctx.lab, node);
  if (!ctx.lab.lab || !vm) return false;
  ctx.openConsole(ctx.lab.lab, vm);
  return true;
}

export const NODE_MENU: readonly NodeMenuItem[] = [
  {
    name: 'open-console',
    label: 'Open console',
    kinds: ['vm'],
    enabled: (ctx, node) => ctx.lab.lab !== null && consoleGuest(ctx.lab, node) !== null,
    perform: (ctx, node) => void openNodeConsole(ctx, node),
  },
  {
    name: 'select',
    label: 'Select',
    enabled: () => true,
    perform: ({ state }, node) => state.select({ nodes: [node], links: [] }),
  },
  {
    name: 'delete',
    label: 'Delete',
    enabled: () => true,
    perform: ({ state }, node) => state.dispatch([{ type: 'remove', nodes: [node], links: [] }]),
  },
];

/** The items offered for a node of this kind. */
export const menuFor = (kind: NodeKind): readonly NodeMenuItem[] =>
  NODE_MENU.filter((i) => !i.kinds || i.kinds.includes(kind));
