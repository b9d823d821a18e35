import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import { memo, useState } from 'react';
import { kindLabel } from '../../shared/model';
import type { TopologyNode } from '../../shared/model';
import type { VmState } from '../../shared/api';
import { useLab, useNodeAddresses, useNodeSwitchState, useNodeVmState } from '../lab/labStore';
import { hasNamedPorts, nodeHeight, NODE_W, portRows } from './geometry';
import { useConnecting } from './connecting';
import { KIND_ICONS } from './icons';
import type { Side } from './routes';

/**
 * Plain data of a canvas node: the topology node, its worst problem, and the side each linked named port faces
 * (`eth0:left|eth1:right`, from the link routing; a port not listed faces right).
 */
export type TopoNodeData = {
  readonly node: TopologyNode;
  readonly severity: 'error' | 'warning' | null;
  readonly sides: string;
};
export type TopoFlowNode = Node<TopoNodeData, 'topo'>;

/** The handle id of a node kind without named ports (on its right; the other sides add `@left`, `@top`, …). */
export const PLAIN_PORT = 'port';

/** The port a handle id stands for: a named port's own id, or undefined for any handle of the plain port. */
export function portOfHandle(handle: string | null | undefined): string | undefined {
  if (!handle || handle === PLAIN_PORT || handle.startsWith(`${PLAIN_PORT}@`)) return undefined;
  return handle;
}

/** `eth0:left|eth1:right` for a node's port sides. */
export function sidesKey(sides: ReadonlyMap<string, Side> | undefined): string {
  return sides ? [...sides].map(([p, s]) => `${p}:${s}`).join('|') : '';
}

/** "killed by SIGKILL" / "exited with code 1". */
function exitText(state: Extract<VmState, { state: 'crashed' }>): string {
  return state.exit.signal ? `killed by ${state.exit.signal}` : `exited with code ${String(state.exit.code)}`;
}

/** A VM's run state on the canvas: starting, running, stopped, crashed (how it ended in the tooltip). */
const VmBadge = memo(function VmBadge({ node }: { node: string }) {
  return <StateBadge node={node} state={useNodeVmState(node)} />;
});

/** A VDE switch's state in the followed lab, as the engine reports it. */
const SwitchBadge = memo(function SwitchBadge({ node }: { node: string }) {
  return <StateBadge node={node} state={useNodeSwitchState(node)} />;
});

function StateBadge({ node, state }: { node: string; state: VmState | null }) {
  if (!state) return null;
  const title =
    state.state === 'crashed'
      ? `crashed: QEMU ${exitText(state)} (its stderr is in the Log panel)`
      : state.state === 'running'
        ? `running (pid ${state.pid})`
        : state.state;
  return (
    <span
      className={`vm-badge vm-badge--${state.state}`}
      data-testid={`node__${node}__badge`}
      data-state={state.state}
      {...(state.state === 'crashed'
        ? { 'data-signal': state.exit.signal ?? '', 'data-code': String(state.exit.code ?? '') }
        : {})}
      title={title}
    >
      {state.state}
    </span>
  );
}

/** A bridge whose whole segment the running lab captures: marked as a captured link is, in the capture colour. */
const CaptureBadge = memo(function CaptureBadge({ node }: { node: string }) {
  const file = useLab((s) => (s.state === 'running' ? s.captures[node] : undefined));
  if (file === undefined) return null;
  return (
    <span
      className="capture-badge"
      data-testid={`node__${node}__capture`}
      title={`capturing this segment into ${file}`}
    >
      capturing
    </span>
  );
});

/** A VM's console TCP port (`console.tcpPort`), which the engine serves on the host's loopback while the lab runs. */
function ConsolePort({ node, port }: { node: string; port: number }) {
  return (
    <span
      className="topo-node__console"
      data-testid={`node__${node}__console-port`}
      title={`console on 127.0.0.1:${port} while the lab runs: nc 127.0.0.1 ${port}`}
    >
      {` · console :${port}`}
    </span>
  );
}

/** Names and port details longer than these may not fit their node and are clipped with an ellipsis. */
const LONG_NAME = 13;
const LONG_DETAIL = 18;

function PortDetail({ text, reported }: { text: string; reported?: string }) {
  if (!text) return null;
  const long = text.length > LONG_DETAIL ? ' topo-node__port-detail--long' : '';
  return (
    <span
      className={`topo-node__port-detail${long}${reported ? ' topo-node__port-detail--reported' : ''}`}
      title={reported ?? text}
      {...(reported ? { 'data-reported': '' } : {})}
    >
      {text}
    </span>
  );
}

/** A VM port's address: what the running guest reported, else the IP hint of the NIC. */
const VmPortDetail = memo(function VmPortDetail({ node, port, hint }: { node: string; port: string; hint: string }) {
  const address = useNodeAddresses(node)?.[port];
  if (!address) return <PortDetail text={hint} />;
  return (
    <PortDetail
      text={address}
      reported={`${address}, reported by the running guest${hint ? ` (hint: ${hint})` : ''}`}
    />
  );
});

const PLAIN_HANDLES = [
  { id: PLAIN_PORT, position: Position.Right },
  { id: `${PLAIN_PORT}@left`, position: Position.Left },
  { id: `${PLAIN_PORT}@top`, position: Position.Top },
  { id: `${PLAIN_PORT}@bottom`, position: Position.Bottom },
];

/**
 * A plain node's handles: the right one always, the other sides while the pointer is over the node or a wire is
 * being drawn (three handles fewer per node to create when thousands of nodes open).
 */
function PlainHandles({ near }: { near: boolean }) {
  const connecting = useConnecting((s) => s.on);
  return (connecting || near ? PLAIN_HANDLES : PLAIN_HANDLES.slice(0, 1)).map((h) => (
    <Handle key={h.id} id={h.id} type="source" position={h.position} className="topo-handle" />
  ));
}

function TopoNodeView({ data, selected }: NodeProps<TopoFlowNode>) {
  const { node, severity, sides } = data;
  const rows = portRows(node);
  // Handle places reach React Flow with the node (flow.ts), not by measuring: nothing to re-measure here.
  const sideOf = new Map(sides ? sides.split('|').map((kv) => kv.split(':') as [string, string]) : []);
  const name = node.name ?? node.id;
  const named = hasNamedPorts(node);
  const [near, setNear] = useState(false);
  return (
    <div
      className={`topo-node nopan kind-${node.kind}${selected ? ' selected' : ''}${severity ? ` has-${severity}` : ''}`}
      style={{ width: NODE_W, height: nodeHeight(node) }}
      data-testid={`node__${node.id}`}
      {...(named ? {} : { onPointerEnter: () => setNear(true), onPointerLeave: () => setNear(false) })}
    >
      <div className="topo-node__head">
        <img className="topo-node__icon" src={KIND_ICONS[node.kind]} alt="" draggable={false} />
        <div className="topo-node__titles">
          <span className={`topo-node__name${name.length > LONG_NAME ? ' topo-node__name--long' : ''}`} title={name}>
            {name}
          </span>
          <span className="topo-node__kind">
            {kindLabel(node.kind)}
            {(node.kind === 'vm' || node.kind === 'uml') && node.console?.tcpPort !== undefined ? (
              <ConsolePort node={node.id} port={node.console.tcpPort} />
            ) : null}
          </span>
        </div>
        {node.kind === 'vm' || node.kind === 'uml' ? <VmBadge node={node.id} /> : null}
        {node.kind === 'vde' ? <SwitchBadge node={node.id} /> : null}
        {node.kind === 'bridge' ? <CaptureBadge node={node.id} /> : null}
      </div>
      {named ? (
        <ul className="topo-node__ports">
          {rows.map((r) => {
            const left = sideOf.get(r.id) === 'left';
            return (
              <li
                key={r.id}
                className={`topo-node__port${left ? ' topo-node__port--left' : ''}`}
                data-testid={`node__${node.id}__port__${r.id}`}
                data-side={left ? 'left' : 'right'}
              >
                <span className="topo-node__port-id">{r.id}</span>
                {node.kind === 'vm' || node.kind === 'uml' ? (
                  <VmPortDetail node={node.id} port={r.id} hint={r.detail} />
                ) : (
                  <PortDetail text={r.detail} />
                )}
                <Handle
                  id={r.id}
                  type="source"
                  position={left ? Position.Left : Position.Right}
                  className="topo-handle"
                />
              </li>
            );
          })}
          {rows.length === 0 ? (
            <li className="topo-node__port empty">
              {node.kind === 'vm' ? 'no NIC: add one in the inspector' : 'no interfaces'}
            </li>
          ) : null}
        </ul>
      ) : (
        <PlainHandles near={near} />
      )}
    </div>
  );
}

export const TopoNode = memo(TopoNodeView);
