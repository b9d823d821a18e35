import { useEffect } from 'react';
import { fetchNicModels, fetchTarget, useEngineDir } from '../api/client';
import { editor, useEditor } from '../store/editor';
import { machinePairs } from './target';

const asked = new Set<string>();

/** Loads the server's target once, then the NIC models of any `<arch>/<machine>` pair the document starts using. */
export function useProbe(): string | null {
  // Nodes, not the document: a drag changes only the layout, and this hook's component is the whole window.
  const nodes = useEditor((s) => s.doc.nodes);
  const probed = useEditor((s) => s.probed);
  const error = useEditor((s) => (s.probed ? null : s.notice?.kind === 'error' ? s.notice.text : null));
  useEffect(() => {
    fetchTarget().then(
      (r) => {
        useEngineDir.setState({ dir: r.engineDir });
        editor.getState().setProbed({ base: r.target, probesNicModels: r.probesNicModels, nicModels: r.nicModels });
      },
      (e: Error) => editor.getState().notify('error', `Cannot reach qnet serve: ${e.message}`),
    );
  }, []);
  useEffect(() => {
    if (!probed?.probesNicModels) return;
    for (const pair of machinePairs({ nodes })) {
      if (pair in probed.nicModels || asked.has(pair)) continue;
      asked.add(pair);
      fetchNicModels(pair).then(
        (r) => {
          const cur = editor.getState().probed;
          if (cur && !(r.pair in cur.nicModels))
            editor.getState().setProbed({ ...cur, nicModels: { ...cur.nicModels, [r.pair]: r.models } });
        },
        () => undefined,
      );
    }
  }, [nodes, probed]);
  return error;
}
