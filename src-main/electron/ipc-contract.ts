/** Channel names and payloads between the preload and the main process (typed IPC). */
export const IPC = {
  /** Synchronous: the renderer's connection settings. */
  config: 'skiff:config',
  /** Opens a localhost URL in the user's browser. */
  openExternal: 'skiff:open-external',
  /** The desktop settings view (DesktopSettingsView). */
  getSettings: 'skiff:get-settings',
  /** Changes settings (a Partial<DesktopSettings>); answers the new view. */
  setSettings: 'skiff:set-settings',
  /** Shows an OS notification (a DesktopNotification). */
  notify: 'skiff:notify',
} as const;

/** What the main process answers on IPC.config. */
export interface DesktopConfig {
  apiUrl: string;
  token: string;
  version: string;
}

/** IPC handlers answer `{ result } | { error }`; the preload re-throws errors. */
export type IpcResult<T> = { result: T } | { error: string };
