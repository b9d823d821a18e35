import { Handle, Position, useUpdateNodeInternals, type Node, type NodeProps } from '@xyflow/react';
import { memo, useEffect, useRef } from 'react';
import { kindLabel } from '../../shared/model';
import type { TopologyNode } from '../../shared/model';
import type { VmState } from '../../shared/api';
import { useNodeVmState } from '../lab/labStore';
import { KIND_ICONS } from './icons';

/** Plain data of a canvas node: the topology node and its worst problem. */
export type TopoNodeData = { readonly node: TopologyNode; readonly severity: 'error' | 'warning' | null };
export type TopoFlowNode = Node<TopoNodeData, 'topo'>;

/** The handle id of a node kind without named ports. */
export const PLAIN_PORT = 'port';

/** Ports a node shows: a VM's NICs, a host's interfaces, else one plain port. */
export function portsOf(node: TopologyNode): string[] {
  if (node.kind === 'vm') return node.nics.map((n) => n.id);
  if (node.kind === 'host') return node.interfaces.map((i) => i.name);
  return [PLAIN_PORT];
}

/** "killed by SIGKILL" / "exited with code 1". */
export function exitText(state: Extract<VmState, { state: 'crashed' }>): string {
  return state.exit.signal ? `killed by ${state.exit.signal}` : `exited with code ${String(state.exit.code)}`;
}

/** A VM's run state on the canvas: starting, running, stopped, crashed (how it ended in the tooltip). */
const VmBadge = memo(function VmBadge({ node }: { node: string }) {
  const state = useNodeVmState(node);
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
      {...(state.state === 'crashed' ? { 'data-signal': state.exit.signal ?? '', 'data-code': String(state.exit.code ?? '') } : {})}
      title={title}
    >
      {state.state}
    </span>
  );
});

function TopoNodeView({ data, selected }: NodeProps<TopoFlowNode>) {
  const { node, severity } = data;
  const ports = portsOf(node);
  const update = useUpdateNodeInternals();
  const portKey = ports.join(',');
  // React Flow measures a node's handles when it mounts; only a change of ports later needs a re-measure (calling
  // it on mount for hundreds of nodes at once nests store updates past React's limit).
  const shownPorts = useRef(portKey);
  useEffect(() => {
    if (shownPorts.current === portKey) return;
    shownPorts.current = portKey;
    update(node.id);
  }, [update, node.id, portKey]);
  const named = node.kind === 'vm' || node.kind === 'host';
  return (
    <div
      className={`topo-node kind-${node.kind}${selected ? ' selected' : ''}${severity ? ` has-${severity}` : ''}`}
      data-testid={`node__${node.id}`}
    >
      <div className="topo-node__head">
        <img className="topo-node__icon" src={KIND_ICONS[node.kind]} alt="" draggable={false} />
        <div className="topo-node__titles">
          <span className="topo-node__name">{node.name ?? node.id}</span>
          <span className="topo-node__kind">{kindLabel(node.kind)}</span>
        </div>
        {node.kind === 'vm' ? <VmBadge node={node.id} /> : null}
      </div>
      {named ? (
        <ul className="topo-node__ports">
          {ports.map((p) => (
            <li key={p} className="topo-node__port" data-testid={`node__${node.id}__port__${p}`}>
              <span>{p}</span>
              <Handle id={p} type="source" position={Position.Right} className="topo-handle" />
            </li>
          ))}
          {ports.length === 0 ? <li className="topo-node__port empty">no NIC: add one in the inspector</li> : null}
        </ul>
      ) : (
        <Handle id={PLAIN_PORT} type="source" position={Position.Right} className="topo-handle" />
      )}
    </div>
  );
}

export const TopoNode = memo(TopoNodeView);
