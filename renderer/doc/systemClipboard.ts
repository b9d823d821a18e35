import { saveTopology, type Topology } from '../../shared/model';
import type { Clip } from './clipboard';

/**
 * Marks the system clipboard's content as a copy of the drawing. Chromium keeps a page's own types beside the text,
 * so a paste can tell the drawing's copy from QEMU command lines copied earlier elsewhere.
 */
export const DRAWING_COPY_TYPE = 'application/x-qnet-nodes';

/** The copied nodes as a topology file of their own: what an editor elsewhere gets from a paste. */
export function clipText(doc: Topology, clip: Clip): string {
  return saveTopology({
    ...doc,
    nodes: [...clip.nodes],
    links: [...clip.links],
    layout: { nodes: { ...clip.layout }, annotations: [] },
  });
}

/**
 * Puts the drawing's copy on the system clipboard, so that it is the newest thing there: a paste after it brings
 * the copy, not text copied before it. The copy command is the one way a page writes the clipboard at once,
 * whatever its origin; where it is refused the drawing's own clipboard still pastes.
 */
export function putDrawingCopy(text: string): void {
  if (typeof document === 'undefined') return;
  const onCopy = (e: ClipboardEvent) => {
    if (!e.clipboardData) return;
    e.clipboardData.setData('text/plain', text);
    e.clipboardData.setData(DRAWING_COPY_TYPE, '1');
    e.preventDefault();
    e.stopImmediatePropagation();
  };
  document.addEventListener('copy', onCopy, true);
  try {
    document.execCommand('copy');
  } finally {
    document.removeEventListener('copy', onCopy, true);
  }
}
