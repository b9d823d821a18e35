import { useEffect, useRef, type KeyboardEvent } from 'react';
import { createPortal } from 'react-dom';
import type { NodeKind } from '../../shared/model';
import { actionContext, useEnabled } from '../actions/context';
import { nodeActionsFor, type AppCommands } from '../actions/registry';

/** Where a node's context menu was asked for: the node and the pointer (viewport coordinates). */
export interface NodeMenuAt {
  readonly node: string;
  readonly kind: NodeKind;
  readonly x: number;
  readonly y: number;
}

/** A node's actions need no window command (file dialogs, downloads). */
const NO_APP = {} as AppCommands;

/**
 * A node's context menu: the registry's `node` actions as buttons. Arrow keys move between items, Escape or a click
 * elsewhere closes it; keys pressed in it never reach the canvas shortcuts (Delete, arrows).
 */
export function NodeMenu({ at, onClose }: { at: NodeMenuAt; onClose: () => void }) {
  const root = useRef<HTMLDivElement>(null);
  const items = nodeActionsFor(at.kind);
  const context = () => ({ ...actionContext(NO_APP), node: at.node });
  // Subscribed so "Open console" enables as soon as the guest starts.
  const enabled = useEnabled(items, context);

  useEffect(() => {
    const el = root.current!;
    el.querySelector<HTMLButtonElement>('button:not(:disabled)')?.focus();
    // Kept inside the window when opened near its right or bottom edge.
    const r = el.getBoundingClientRect();
    el.style.left = `${Math.max(0, Math.min(at.x, window.innerWidth - r.width - 4))}px`;
    el.style.top = `${Math.max(0, Math.min(at.y, window.innerHeight - r.height - 4))}px`;
    const onPointerDown = (e: PointerEvent) => {
      if (!el.contains(e.target as Node)) onClose();
    };
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    document.addEventListener('pointerdown', onPointerDown, true);
    document.addEventListener('keydown', onKey, true);
    window.addEventListener('blur', onClose);
    window.addEventListener('resize', onClose);
    return () => {
      document.removeEventListener('pointerdown', onPointerDown, true);
      document.removeEventListener('keydown', onKey, true);
      window.removeEventListener('blur', onClose);
      window.removeEventListener('resize', onClose);
    };
  }, [at, onClose]);

  const onKeyDown = (e: KeyboardEvent) => {
    e.stopPropagation();
    if (e.key === 'Tab') return onClose();
    const step = e.key === 'ArrowDown' ? 1 : e.key === 'ArrowUp' ? -1 : 0;
    if (!step) return;
    e.preventDefault();
    const buttons = [...root.current!.querySelectorAll<HTMLButtonElement>('button:not(:disabled)')];
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    buttons[(i + step + buttons.length) % buttons.length]?.focus();
  };

  return createPortal(
    <div
      ref={root}
      className="node-menu"
      role="menu"
      aria-label={`${at.node} actions`}
      data-testid="node-menu"
      data-node={at.node}
      style={{ left: at.x, top: at.y }}
      onKeyDown={onKeyDown}
      onContextMenu={(e) => e.preventDefault()}
    >
      {items.map((item) => (
        <button
          key={item.name}
          type="button"
          role="menuitem"
          className="node-menu__item"
          data-testid={`node-menu__${item.name}`}
          disabled={!enabled(item)}
          onClick={() => {
            onClose();
            item.perform(context());
          }}
        >
          {item.label}
        </button>
      ))}
    </div>,
    document.body,
  );
}
