import type { OverlayPlan } from '../compiler/plan';
import { shellLine } from './quote';

/**
 * Why a kept linked clone is not used: it was made from another image than the one its guest now names (`was`, as
 * its `qemu-img info` says, or null when unknown). Its writes and snapshots are changes to that image and mean
 * nothing on another, so it is neither reused nor remade: the user picks, and the sentence names both commands.
 */
export function cloneBaseChanged(node: string, overlay: OverlayPlan, was: string | null): string {
  const from =
    was === null ? `was made from another image than ${overlay.base}` : `was made from ${was}, not ${overlay.base}`;
  return (
    `${node}: its kept linked clone ${overlay.path} ${from}; its writes and snapshots are changes to that image. ` +
    `If ${overlay.base} is that image moved, keep them with: ${shellLine(overlay.rebase)}; ` +
    `to start afresh from ${overlay.base}, remove the clone: ${shellLine(['rm', overlay.path])}`
  );
}

/**
 * A string as qemu-img's JSON output writes it: `"` and `\` escaped, the printable ASCII as is, everything else as
 * `\uXXXX` (upper-case hex, UTF-16 units), as QEMU's JSON writer does (verified with 7.2's `qemu-img info`).
 */
function qemuJsonString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const ch = text[i]!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else out += `\\u${c.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return out + '"';
}

/** The member of `qemu-img info --output=json` that a clone made from `overlay.base` has, for up.sh to look for. */
export function backingMember(overlay: OverlayPlan): string {
  return `"backing-filename": ${qemuJsonString(overlay.base)}`;
}
