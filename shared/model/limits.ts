/**
 * How big a topology may be: far above what the app is built for (a 2,000-node canvas, a 1,000-VM compile in the
 * bench), so no real lab meets them, yet low enough that a hostile file cannot make validate or the engine spend
 * minutes and gigabytes on it.
 */

/** Bytes of a topology's text (a file, a YAML source, a document as JSON); a 10,000-node file is about 2 MiB. */
export const MAX_TOPOLOGY_BYTES = 8 * 1024 * 1024;
/** Nodes of one topology: five times the canvas budget, ten times the compile bench. */
export const MAX_NODES = 10_000;
/** Links of one topology. */
export const MAX_LINKS = 20_000;
