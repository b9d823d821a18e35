import { memo, type DragEvent } from 'react';
import { kindLabel, NODE_KINDS, type NodeKind } from '../../shared/model';
import { KIND_ICONS } from '../canvas/icons';
import { KIND_MIME } from '../canvas/Canvas';
import { newNode } from '../doc/factory';
import { nodeGeom } from '../canvas/geometry';
import { freeSpot } from '../canvas/placement';
import { viewCenter } from '../canvas/viewCenter';
import { editor } from '../store/editor';

const HINT: Record<NodeKind, string> = {
  vm: 'A QEMU guest; its NICs are its ports',
  host: 'This machine: its interfaces uplink bridges',
  bridge: 'A Linux bridge',
  tap: 'A tap device',
  hub: 'A QEMU hub inside one VM (hubport)',
  vde: 'A VDE switch, optionally with slirpvde NAT/DHCP',
  nat: 'SLiRP user networking (NAT, port forwards)',
  mcast: 'A multicast segment joining many VMs',
  l2tpv3: 'An L2TPv3 tunnel end',
  'vhost-user': 'An external vhost-user switch port',
  vdpa: 'A vhost-vdpa device',
  netdev: 'A QEMU backend as written (passt, af-xdp, a socket to elsewhere)',
  testpmd: 'A DPDK testpmd vhost-user switch joining two VMs (shared memory)',
  uml: 'A User-mode Linux instance on multicast segments',
};

function onDragStart(e: DragEvent, kind: NodeKind) {
  e.dataTransfer.setData(KIND_MIME, kind);
  e.dataTransfer.effectAllowed = 'copy';
}

/** Adds a node of a kind near the top left (keyboard or double-click alternative to dragging). */
function addByClick(kind: NodeKind) {
  const s = editor.getState();
  const node = newNode(s.doc, kind);
  const c = viewCenter();
  const want = { x: Math.round(c.x / 10) * 10 - 90, y: Math.round(c.y / 10) * 10 - 20 };
  // In the middle of the view, on no other node.
  s.dispatch([{ type: 'add-node', node, position: freeSpot(s.doc, want, nodeGeom(node, want)) }]);
  s.select({ nodes: [node.id], links: [] });
}

/** Every node kind, to drag onto the canvas. */
export const Palette = memo(function Palette() {
  return (
    <nav className="palette" data-testid="palette" aria-label="Node kinds">
      <h2 className="panel-title">Palette</h2>
      <ul>
        {NODE_KINDS.map((kind) => (
          <li key={kind}>
            <button
              type="button"
              className="palette__item"
              data-testid={`palette__item__${kind}`}
              draggable
              onDragStart={(e) => onDragStart(e, kind)}
              onDoubleClick={() => addByClick(kind)}
              onKeyDown={(e) => e.key === 'Enter' && addByClick(kind)}
              title={`${HINT[kind]} (drag onto the canvas, or double-click)`}
            >
              <img src={KIND_ICONS[kind]} alt="" draggable={false} />
              <span>{kindLabel(kind)}</span>
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
});
