import { useEffect } from 'react';
import { fetchNicModels, fetchTarget, useEngineDir } from '../api/client';
import { machinePairs } from '../../shared/compiler';
import { editor, useEditor } from '../store/editor';
import { pageTarget, withNicModels } from './target';
import { useTargetOptions } from './targetOptions';

const asked = new Set<string>();

/** Loads the server's target once, then the NIC models of any `<arch>/<machine>` pair the document starts using. */
export function useProbe(): string | null {
  // Nodes, not the document: a drag changes only the layout, and this hook's component is the whole window.
  const nodes = useEditor((s) => s.doc.nodes);
  const probed = useEditor((s) => s.probed);
  const error = useEditor((s) => (s.probed ? null : s.notice?.kind === 'error' ? s.notice.text : null));
  const qemu = useTargetOptions((s) => s.options.qemu);
  useEffect(() => {
    fetchTarget(useTargetOptions.getState().options.qemu).then(
      (r) => {
        useEngineDir.setState({ dir: r.engineDir });
        editor.getState().setProbed(r);
      },
      (e: Error) => editor.getState().notify('error', `Cannot reach qnet serve: ${e.message}`),
    );
  }, []);
  useEffect(() => {
    // Only where the target uses NIC models (a QEMU was probed, and no version was chosen instead).
    if (!probed || pageTarget(probed).nicModels === undefined) return;
    for (const pair of machinePairs({ nodes })) {
      const key = `${qemu ?? ''} ${pair}`;
      if (pair in probed.probe.nicModels || asked.has(key)) continue;
      asked.add(key);
      fetchNicModels(pair, qemu).then(
        (r) => {
          const cur = editor.getState().probed;
          // Models of a QEMU the user has since left are not this target's.
          if (cur && useTargetOptions.getState().options.qemu === qemu)
            editor.getState().setProbed(withNicModels(cur, r.pair, r.models));
        },
        () => undefined,
      );
    }
  }, [nodes, probed, qemu]);
  return error;
}
