import { memo, useState } from 'react';
import { downloadCapture } from '../api/client';
import { desktopApi } from '../api/desktop';
import { useLab } from '../lab/labStore';
import { setCapture } from '../lab/linkActions';
import { useEditor } from '../store/editor';
import { usePanels } from '../store/panels';
import { usePacketFeed } from './packetFeed';

/**
 * The followed lab's captured packets: a link, a display filter (Wireshark's syntax, applied by tshark on the
 * engine's side), the rows live while the capture runs. Start and Stop act on the chosen link's capture; a bridge of
 * the lab's drawing is offered too (its whole segment captured). In web mode the pcap can be saved from the server.
 */
export const Packets = memo(function Packets() {
  const lab = useLab((s) => s.lab);
  const labState = useLab((s) => s.state);
  const links = useLab((s) => s.links);
  const captures = useLab((s) => s.captures);
  const chosen = usePanels((s) => s.packetsLink);
  // Joined as one string: the selector's answer keeps its identity while the drawing only moves.
  const bridges = useEditor((s) =>
    s.doc.name === lab
      ? s.doc.nodes
          .filter((n) => n.kind === 'bridge')
          .map((n) => n.id)
          .join('\n')
      : '',
  );
  const bridgeIds = bridges ? bridges.split('\n') : [];
  const ids = [...new Set([...Object.keys(links), ...bridgeIds])];
  const link = chosen !== null && ids.includes(chosen) ? chosen : (Object.keys(captures)[0] ?? ids[0] ?? null);
  const live = link !== null && captures[link] !== undefined;
  const [typed, setTyped] = useState('');
  const [filter, setFilter] = useState('');
  const [saveError, setSaveError] = useState<string | null>(null);
  const feed = usePacketFeed(lab, link, filter, live);

  if (!lab || ids.length === 0)
    return (
      <div className="muted" data-testid="packets__empty">
        Launch a lab, then capture a link (its context menu, or here) to see its packets.
      </div>
    );
  return (
    <div className="packets" data-testid="packets">
      <form
        className="packets__bar"
        onSubmit={(e) => {
          e.preventDefault();
          setFilter(typed.trim());
        }}
      >
        <select
          aria-label="Link"
          data-testid="packets__link"
          value={link ?? ''}
          onChange={(e) => usePanels.getState().choosePacketsLink(e.target.value)}
        >
          {ids.map((id) => (
            <option key={id} value={id}>
              {id}
              {/* A captured segment is listed among the lab's links too: the drawing says it is a bridge. */}
              {bridgeIds.includes(id) ? ' (bridge segment)' : ''}
              {captures[id] !== undefined ? ' (capturing)' : ''}
            </option>
          ))}
        </select>
        <button
          type="button"
          data-testid="packets__capture"
          disabled={labState !== 'running' || link === null}
          onClick={() => link && void setCapture(lab, link, !live)}
        >
          {live ? 'Stop capture' : 'Start capture'}
        </button>
        <input
          aria-label="Display filter"
          data-testid="packets__filter"
          placeholder="Display filter, e.g. icmp or arp (Enter applies)"
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
        />
        <span className="muted" data-testid="packets__file">
          {feed.file ?? ''}
        </span>
        {feed.file && link && !desktopApi() ? (
          <button
            type="button"
            data-testid="packets__save"
            onClick={() => void downloadCapture(lab, link).catch((e: Error) => setSaveError(`Save pcap: ${e.message}`))}
          >
            Save pcap
          </button>
        ) : null}
      </form>
      {saveError ? (
        <div className="packets__error" data-testid="packets__save-error">
          {saveError}
        </div>
      ) : null}
      {feed.error ? (
        <div className="packets__error" data-testid="packets__error">
          {feed.error}
        </div>
      ) : null}
      {!feed.tshark ? (
        <div className="packets__error" data-testid="packets__no-tshark">
          tshark is not installed where the engine runs: install the Debian package tshark to see the packets here. The
          capture is still written to {feed.file}.
        </div>
      ) : null}
      <table className="packets__table" data-testid="packets__table">
        <thead>
          <tr>
            <th>No.</th>
            <th>Time</th>
            <th>Source</th>
            <th>Destination</th>
            <th>Protocol</th>
            <th>Info</th>
          </tr>
        </thead>
        <tbody>
          {feed.rows.map((r) => (
            <tr key={r.no} data-testid="packets__row" data-protocol={r.protocol}>
              <td>{r.no}</td>
              <td>{r.time.toFixed(6)}</td>
              <td>{r.source}</td>
              <td>{r.destination}</td>
              <td>{r.protocol}</td>
              <td>{r.info}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
});
