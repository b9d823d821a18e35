import { useEffect, useRef, type KeyboardEvent } from 'react';
import { createPortal } from 'react-dom';

/** One entry of a context menu, already bound to what it acts on. */
export interface MenuEntry {
  /** Stable name: the button's `data-testid` is `<testid>__<name>`. */
  readonly name: string;
  readonly label: string;
  readonly enabled: boolean;
  readonly perform: () => void;
}

/**
 * A context menu at a viewport point: buttons, arrow keys between them, Escape or a click elsewhere closes it; keys
 * pressed in it never reach the canvas shortcuts (Delete, arrows). Node and link menus are this with their items.
 */
export function ContextMenu(props: {
  readonly x: number;
  readonly y: number;
  readonly label: string;
  readonly testid: string;
  readonly data?: Readonly<Record<string, string>>;
  readonly entries: readonly MenuEntry[];
  readonly onClose: () => void;
}) {
  const { x, y, label, testid, data, entries, onClose } = props;
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = root.current!;
    el.querySelector<HTMLButtonElement>('button:not(:disabled)')?.focus();
    // Kept inside the window when opened near its right or bottom edge.
    const r = el.getBoundingClientRect();
    el.style.left = `${Math.max(0, Math.min(x, window.innerWidth - r.width - 4))}px`;
    el.style.top = `${Math.max(0, Math.min(y, window.innerHeight - r.height - 4))}px`;
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
  }, [x, y, onClose]);

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

  const dataAttrs = Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [`data-${k}`, v]));
  return createPortal(
    <div
      ref={root}
      className="node-menu"
      role="menu"
      aria-label={label}
      data-testid={testid}
      {...dataAttrs}
      style={{ left: x, top: y }}
      onKeyDown={onKeyDown}
      onContextMenu={(e) => e.preventDefault()}
    >
      {entries.map((item) => (
        <button
          key={item.name}
          type="button"
          role="menuitem"
          className="node-menu__item"
          data-testid={`${testid}__${item.name}`}
          disabled={!item.enabled}
          onClick={() => {
            onClose();
            item.perform();
          }}
        >
          {item.label}
        </button>
      ))}
    </div>,
    document.body,
  );
}
