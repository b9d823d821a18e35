/**
 * The desktop app's small settings file (`<userData>/settings.json`): the window's bounds and the recent files.
 * Read once; every change is written at once (temp file + rename, so a crash never leaves half a file). A missing
 * or unreadable file means defaults: settings are a convenience, never a reason not to start.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface WindowBounds {
  readonly x?: number;
  readonly y?: number;
  readonly width: number;
  readonly height: number;
  readonly maximized?: boolean;
}

export interface Settings {
  readonly window?: WindowBounds;
  /** Absolute paths, newest first. */
  readonly recent: readonly string[];
}

/** How many recent files are kept. */
export const MAX_RECENT = 10;

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** The window bounds in `v`, or undefined when they are not sane ones. */
function readBounds(v: unknown): WindowBounds | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const b = v as Record<string, unknown>;
  if (!isInt(b.width) || !isInt(b.height) || b.width < 200 || b.height < 150) return undefined;
  const at = isInt(b.x) && isInt(b.y) ? { x: b.x, y: b.y } : {};
  return { ...at, width: b.width, height: b.height, ...(b.maximized === true ? { maximized: true } : {}) };
}

/** Parses the settings file's text; anything unexpected falls back to defaults, field by field. */
export function parseSettings(text: string): Settings {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { recent: [] };
  }
  if (typeof v !== 'object' || v === null) return { recent: [] };
  const o = v as Record<string, unknown>;
  const recent = Array.isArray(o.recent)
    ? o.recent.filter((p): p is string => typeof p === 'string' && p.startsWith('/')).slice(0, MAX_RECENT)
    : [];
  const window = readBounds(o.window);
  return window ? { window, recent } : { recent };
}

/** `path` first in the recent list, once, the list bounded. */
export function withRecent(recent: readonly string[], path: string): string[] {
  return [path, ...recent.filter((p) => p !== path)].slice(0, MAX_RECENT);
}

export class SettingsStore {
  private current: Settings = { recent: [] };

  constructor(private readonly file: string) {}

  initialize(): void {
    try {
      this.current = parseSettings(readFileSync(this.file, 'utf8'));
    } catch {
      this.current = { recent: [] };
    }
  }

  get(): Settings {
    return this.current;
  }

  update(change: Partial<Settings>): void {
    this.current = { ...this.current, ...change };
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(this.current, null, 2)}\n`, { mode: 0o600 });
      renameSync(tmp, this.file);
    } catch {
      // A read-only profile: keep the settings for this session only.
    }
  }

  dispose(): void {}
}
