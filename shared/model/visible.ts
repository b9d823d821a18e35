/**
 * Control characters made visible. Text from a topology (names are refused with them, other fields are free text)
 * must not act on a terminal or reorder what a dialog shows: C0 but tab and newline, DEL, C1 (a UTF-8 terminal may
 * read U+009B as CSI) and the bidi controls that reorder text are written as `\u001b`, which also stays valid
 * inside a JSON string.
 */

/** C0 (but tab and newline), DEL, C1 and the bidi embedding, override and isolate controls. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const HIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Control characters of a name: any C0 or C1 character, DEL, or a bidi control. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
export const NAME_CONTROL = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** `text` with every hidden or terminal-controlling character written as `\uXXXX`. */
export function visibleText(text: string): string {
  return text.replace(HIDDEN, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
