import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef, useState } from 'react';
import type { EngineApi } from '../../shared/api';
import { adoptStyles } from './adopt-styles';
import { ConsoleSession } from './session';

/** Ctrl+Shift+C (Cmd+C on macOS is the browser's own copy, which xterm.js serves from its selection). */
function isCopyKey(e: Pick<KeyboardEvent, 'type' | 'ctrlKey' | 'shiftKey' | 'altKey' | 'metaKey' | 'key'>): boolean {
  return e.type === 'keydown' && e.ctrlKey && e.shiftKey && !e.altKey && !e.metaKey && e.key.toLowerCase() === 'c';
}

async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // No async clipboard (an insecure origin, no permission): the copy command copies xterm's selection.
    document.execCommand('copy');
  }
}

interface Props {
  readonly engine: EngineApi;
  readonly lab: string;
  readonly vm: string;
  /** The guest's console follows output and takes keystrokes. */
  readonly live: boolean;
  /** Shown (hidden terminals keep their text and are fitted when shown). */
  readonly active: boolean;
  /** Changes when the guest's state does: a refused subscription is tried again. */
  readonly vmState: string;
  /** Changes when the terminal, if shown, should take the keyboard focus again ("Open console" on the canvas). */
  readonly focusSeq?: number;
}

/** One guest's xterm.js terminal, fed by a ConsoleSession while `live`, else showing what the engine kept. */
export function ConsoleTerminal({ engine, lab, vm, live, active, vmState, focusSeq = 0 }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const [term, setTerm] = useState<{ terminal: Terminal; fit: FitAddon } | null>(null);
  /** Offset after the last byte shown: a session reopened on this terminal continues from there. */
  const position = useRef(-1);
  const session = useRef<ConsoleSession | null>(null);
  /** Bumped to try a refused subscription again (when the guest's state changes). */
  const [retry, setRetry] = useState(0);
  /** Fitted to the panel once: the scrollback is written after that (shrinking a full terminal loses its end). */
  const [sized, setSized] = useState(false);
  const refused = useRef(false);

  useEffect(() => {
    const el = host.current!;
    const terminal = new Terminal({
      convertEol: false,
      cursorBlink: true,
      fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace',
      fontSize: 12,
      scrollback: 5000,
      theme: { background: '#1b1d23', foreground: '#d8dee9', selectionBackground: '#4c566a' },
    });
    const fit = new FitAddon();
    terminal.loadAddon(fit);
    const unadopt = adoptStyles(el);
    terminal.open(el);
    terminal.attachCustomKeyEventHandler((e) => {
      if (!isCopyKey(e)) return true;
      e.preventDefault();
      const text = terminal.getSelection();
      if (text) void copyText(text);
      return false;
    });
    const onData = terminal.onData((data) => void session.current?.input(data));
    setTerm({ terminal, fit });
    return () => {
      onData.dispose();
      setTerm(null);
      terminal.dispose();
      unadopt();
    };
  }, []);

  // The feed: from the start on the first open, from the last byte shown after that.
  useEffect(() => {
    if (!term || !live || !sized) return;
    const { terminal } = term;
    const s: ConsoleSession = new ConsoleSession(
      engine,
      lab,
      vm,
      {
        write: (data) => {
          const first = position.current < 0;
          position.current = s.position;
          // The scrollback of a fresh terminal: show its end, wherever a resize left the viewport meanwhile.
          terminal.write(data, first ? () => terminal.scrollToBottom() : undefined);
        },
        notice: (text) => terminal.write(`\r\n\x1b[2m[${text}]\x1b[0m\r\n`),
      },
      position.current,
    );
    session.current = s;
    void s.open().then((opened) => {
      if (!opened && session.current === s) refused.current = true;
    });
    return () => {
      s.close();
      if (session.current === s) session.current = null;
    };
  }, [term, live, sized, engine, lab, vm, retry]);

  // A guest that is not running (stopped, crashed) keeps its scrollback in the engine: read what this terminal has
  // not shown yet, once, so a console opened late (or after a reload) still shows how the guest ended.
  useEffect(() => {
    if (!term || live || !sized) return;
    let current = true;
    const from = Math.max(position.current, 0);
    void engine.request({ type: 'consoleRead', lab, vm, fromSeq: from }).then((r) => {
      if (!current || !r.ok) return;
      if (r.truncated && position.current < 0)
        term.terminal.write('\x1b[2m[the start of this console was dropped from the buffer]\x1b[0m\r\n');
      if (r.data) term.terminal.write(r.data, () => term.terminal.scrollToBottom());
      position.current = r.end;
    });
    return () => {
      current = false;
    };
  }, [term, live, sized, engine, lab, vm]);

  useEffect(() => {
    if (!refused.current) return;
    refused.current = false;
    setRetry((n) => n + 1);
  }, [vmState]);

  useEffect(() => {
    if (term) term.terminal.options.disableStdin = !live;
  }, [term, live]);

  // Fit to the panel while shown. xterm.js measures its cell size on its first render, so a fit tried before that
  // is tried again then; a terminal showing its last line keeps showing it after a resize.
  useEffect(() => {
    if (!term || !active) return;
    const el = host.current!;
    const { terminal, fit } = term;
    let fitted = false;
    const refit = () => {
      if (el.clientWidth === 0 || el.clientHeight === 0) return;
      const dims = fit.proposeDimensions();
      if (!dims || !Number.isFinite(dims.cols) || !Number.isFinite(dims.rows)) return;
      const buffer = terminal.buffer.active;
      const atBottom = buffer.viewportY >= buffer.baseY;
      fit.fit();
      if (atBottom || !fitted) terminal.scrollToBottom();
      fitted = true;
      setSized(true);
    };
    refit();
    const firstRender = terminal.onRender(() => {
      if (!fitted) refit();
    });
    const ro = new ResizeObserver(refit);
    ro.observe(el);
    terminal.focus();
    return () => {
      firstRender.dispose();
      ro.disconnect();
    };
  }, [term, active]);

  useEffect(() => {
    if (term && active && focusSeq > 0) term.terminal.focus();
  }, [term, active, focusSeq]);

  return (
    <div
      ref={host}
      className={`consoles__terminal${active ? '' : ' consoles__terminal--hidden'}`}
      data-testid={`consoles__terminal__${vm}`}
      data-live={live}
    />
  );
}
