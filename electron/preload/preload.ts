/**
 * The window's preload (sandboxed; bundled to dist/electron/preload.cjs): exposes `window.qnet`, the typed
 * contract and nothing else. The page never sees ipcRenderer.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { windowApi } from './api';

contextBridge.exposeInMainWorld('qnet', windowApi(ipcRenderer));
