import { create } from 'zustand';
import type { ExamplesResponse, NicModelsResponse, TargetResponse } from '../../shared/web-api';

const TOKEN_HEADER = 'x-qnet-token';

/** The engine's working directory (GET /api/target): where a relative boot path is opened from. */
export const useEngineDir = create<{ readonly dir: string | null }>()(() => ({ dir: null }));
const KEY = 'qnet.token';

/** The token `qnet serve` put in the URL; kept for the tab's lifetime so a reload without it still works. */
export function apiToken(): string | null {
  const fromUrl = new URLSearchParams(window.location.search).get('token');
  if (fromUrl) {
    sessionStorage.setItem(KEY, fromUrl);
    return fromUrl;
  }
  return sessionStorage.getItem(KEY);
}

async function getJson<T>(path: string): Promise<T> {
  const token = apiToken();
  const res = await fetch(path, { headers: token ? { [TOKEN_HEADER]: token } : {} });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new Error(body?.error?.message ?? `${path}: HTTP ${res.status}`);
  }
  return (await res.json()) as T;
}

/** `?qemu=PATH` when a QEMU is chosen (else the server's own), with `prefix` (`?` or `&`). */
const qemuQuery = (qemu: string | undefined, prefix: string) =>
  qemu === undefined ? '' : `${prefix}qemu=${encodeURIComponent(qemu)}`;

/** GET /api/target, probed for the chosen QEMU if any. */
export const fetchTarget = (qemu?: string) => getJson<TargetResponse>(`/api/target${qemuQuery(qemu, '?')}`);
/** GET /api/examples. */
export const fetchExamples = () => getJson<ExamplesResponse>('/api/examples');
/** GET /api/nic-models for one `<arch>/<machine>` pair, of the chosen QEMU if any. */
export const fetchNicModels = (pair: string, qemu?: string) =>
  getJson<NicModelsResponse>(`/api/nic-models?pair=${encodeURIComponent(pair)}${qemuQuery(qemu, '&')}`);

/**
 * Saves the pcap of a link's (or bridge's) running or last capture, as `qnet serve` sends it
 * (`/api/capture.pcap`): the browser's download of the file the engine wrote.
 */
export async function downloadCapture(lab: string, link: string): Promise<void> {
  const token = apiToken();
  const path = `/api/capture.pcap?lab=${encodeURIComponent(lab)}&link=${encodeURIComponent(link)}`;
  const res = await fetch(path, { headers: token ? { [TOKEN_HEADER]: token } : {} });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new Error(body?.error?.message ?? `${path}: HTTP ${res.status}`);
  }
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `${lab}-${link}.pcap`;
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
