/**
 * The preload: exposes exactly one frozen, typed object (`window.skiff`, a DesktopApi) and no
 * raw ipcRenderer. The renderer then talks to the cluster over the Kubernetes HTTP API.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type {
  DesktopApi,
  DesktopNotification,
  DesktopSettings,
  DesktopSettingsView,
} from '../common/desktop-api';
import { DESKTOP_API_GLOBAL } from '../common/desktop-api';
import { IPC, type DesktopConfig, type IpcResult } from './ipc-contract';

const config = ipcRenderer.sendSync(IPC.config) as DesktopConfig;

const api: DesktopApi = Object.freeze({
  apiUrl: config.apiUrl,
  token: config.token,
  version: config.version,
  async openExternal(url: string): Promise<void> {
    const res = (await ipcRenderer.invoke(IPC.openExternal, url)) as IpcResult<void>;
    if ('error' in res) throw new Error(res.error);
  },
  async getSettings(): Promise<DesktopSettingsView> {
    const res = (await ipcRenderer.invoke(IPC.getSettings)) as IpcResult<DesktopSettingsView>;
    if ('error' in res) throw new Error(res.error);
    return res.result;
  },
  async setSettings(patch: Partial<DesktopSettings>): Promise<DesktopSettingsView> {
    const res = (await ipcRenderer.invoke(IPC.setSettings, patch)) as IpcResult<DesktopSettingsView>;
    if ('error' in res) throw new Error(res.error);
    return res.result;
  },
  async notify(n: DesktopNotification): Promise<void> {
    const res = (await ipcRenderer.invoke(IPC.notify, n)) as IpcResult<void>;
    if ('error' in res) throw new Error(res.error);
  },
});

contextBridge.exposeInMainWorld(DESKTOP_API_GLOBAL, api);
