import { fetchTarget } from '../api/client';
import { editor } from '../store/editor';
import { useTargetOptions } from './targetOptions';

/**
 * Chooses the QEMU the page compiles for and a launch runs: the server probes that one (version, backends, NIC
 * models) and the page's target is rebuilt from its answer; undefined goes back to the server's own. A path that
 * holds no QEMU changes nothing: the answer is the server's sentence naming it.
 */
export async function chooseQemu(path: string | undefined): Promise<string | null> {
  let probed;
  try {
    probed = await fetchTarget(path);
  } catch (error) {
    return (error as Error).message;
  }
  editor.getState().setProbed(probed);
  useTargetOptions.getState().set('qemu', path);
  return null;
}
