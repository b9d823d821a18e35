// The bench's peer: a bare React Flow 12 page (default nodes and edges, `useNodesState`/`useEdgesState`, React
// Flow's own drag) built from this project's lockfile, so `npm run bench` can say how the editor's canvas compares
// with what React Flow does alone on the same topology.
import {
  ReactFlow,
  ReactFlowProvider,
  useEdgesState,
  useNodesState,
  useReactFlow,
  type Edge,
  type Node,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useEffect } from 'react';
import { createRoot } from 'react-dom/client';

/** What the bench calls in the page. */
export interface PeerApi {
  load(nodes: Node[], edges: Edge[], width: number, height: number): void;
  fit(): void;
}

declare global {
  interface Window {
    peer?: PeerApi;
  }
}

function Peer() {
  const [nodes, setNodes, onNodesChange] = useNodesState<Node>([]);
  const [edges, setEdges, onEdgesChange] = useEdgesState<Edge>([]);
  const flow = useReactFlow();
  useEffect(() => {
    window.peer = {
      load(n, e, width, height) {
        const root = document.getElementById('root')!;
        root.style.width = `${width}px`;
        root.style.height = `${height}px`;
        setNodes(n);
        setEdges(e);
      },
      fit: () => void flow.fitView({ maxZoom: 1.25, padding: 0.3 }),
    };
  }, [flow, setNodes, setEdges]);
  return (
    <ReactFlow nodes={nodes} edges={edges} onNodesChange={onNodesChange} onEdgesChange={onEdgesChange} minZoom={0.05} />
  );
}

createRoot(document.getElementById('root')!).render(
  <ReactFlowProvider>
    <Peer />
  </ReactFlowProvider>,
);
