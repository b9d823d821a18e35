import type { AreaColor } from '../../shared/model';

/** An area's tint: its colour, the fill's opacity (light and dark themes) and the border's. */
export interface AreaTint {
  readonly color: string;
  readonly fill: number;
  readonly border: number;
}

const HUES: Record<AreaColor, string> = {
  blue: '#3b82f6',
  green: '#22a35a',
  yellow: '#e0a800',
  red: '#e0483e',
  purple: '#8b5cf6',
  grey: '#8a94a3',
};

/** The tint of an area colour, as the canvas and the exports draw it. */
export function areaTint(color: AreaColor, dark: boolean): AreaTint {
  return { color: HUES[color], fill: dark ? 0.16 : 0.1, border: 0.55 };
}
