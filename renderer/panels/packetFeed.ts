/**
 * The Packets tab's rows: asked of the engine (`capturePackets`, decoded there by tshark) from the last row shown,
 * again every second while the capture is written, and from the start when the link or the filter changes.
 */
import { useEffect, useState } from 'react';
import type { PacketRow } from '../../shared/api';
import { getEngine } from '../api/engine';

/** The most rows the tab keeps (the pcap keeps them all). */
export const MAX_ROWS = 5000;

export interface PacketFeed {
  readonly rows: readonly PacketRow[];
  readonly file: string | null;
  /** False when the engine's host has no tshark. */
  readonly tshark: boolean;
  /** What was wrong with the last ask (an invalid display filter, a lost server). */
  readonly error: string | null;
}

const EMPTY: PacketFeed = { rows: [], file: null, tshark: true, error: null };

/** The rows of `link`'s capture in `lab` kept by `filter`, followed while `live`. */
export function usePacketFeed(lab: string | null, link: string | null, filter: string, live: boolean): PacketFeed {
  const [feed, setFeed] = useState<PacketFeed>(EMPTY);
  useEffect(() => {
    setFeed(EMPTY);
    if (!lab || !link) return;
    let gone = false;
    let after = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ask = async () => {
      const r = await getEngine().request({ type: 'capturePackets', lab, link, filter, after });
      if (gone) return;
      if (!r.ok) setFeed((f) => ({ ...f, error: r.error.message }));
      else {
        const last = r.packets.at(-1);
        if (last) after = last.no;
        setFeed((f) => ({
          rows: r.packets.length ? [...f.rows, ...r.packets].slice(-MAX_ROWS) : f.rows,
          file: r.file,
          tshark: r.tshark,
          error: null,
        }));
        // Rows left over are asked for at once; a live capture again in a second.
        if (r.more) return void (timer = setTimeout(() => void ask(), 0));
      }
      if (live) timer = setTimeout(() => void ask(), 1000);
    };
    void ask();
    return () => {
      gone = true;
      clearTimeout(timer);
    };
  }, [lab, link, filter, live]);
  return feed;
}
