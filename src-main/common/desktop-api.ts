/**
 * The typed contract between the Electron preload and the renderer: the only thing the
 * renderer gets from the desktop shell. In serve mode it is absent and the renderer reads the
 * token from the URL fragment (`#token=…`) and talks to the same-origin API proxy.
 */
export interface DesktopApi {
  /** Base URL of the Kubernetes API as the renderer should reach it ('' = same origin proxy). */
  readonly apiUrl: string;
  /** Bearer token for the API. */
  readonly token: string;
  /** App version string. */
  readonly version: string;
  /** Opens a URL in the user's browser (only http(s) on localhost is allowed). */
  openExternal(url: string): Promise<void>;
  /** The desktop settings and what the running cluster actually uses. */
  getSettings(): Promise<DesktopSettingsView>;
  /** Changes some settings (validated by the main process); answers the new view. */
  setSettings(patch: Partial<DesktopSettings>): Promise<DesktopSettingsView>;
  /**
   * Shows an OS notification (the in-app toast's twin when the window is not focused); a click
   * focuses the window and opens `route` (a hash route such as `/pods/ns/name`).
   */
  notify(n: DesktopNotification): Promise<void>;
}

/** One OS notification asked for by the renderer. */
export interface DesktopNotification {
  title: string;
  body: string;
  /** A dashboard route (starts with '/'), opened when the notification is clicked. */
  route?: string;
}

import type { ImagePullMode } from './image-pull';

/** What happens to running pods when the app quits. */
export type PodsOnQuit = 'keep-running' | 'stop';

/** The desktop app's settings (kept as JSON in the app's userData folder). */
export interface DesktopSettings {
  /** Where the cluster's state lives. */
  dataDir: string;
  /** API server port (0 = reuse the last one, else any free port). */
  apiPort: number;
  /** Merge the `skiff` context into ~/.kube/config. */
  mergeKubeconfig: boolean;
  /** Start Skiff when the user logs in. */
  startOnLogin: boolean;
  /** Running pods on quit: left running (adopted on the next start) or their containers stopped. */
  podsOnQuit: PodsOnQuit;
  /** Store backend spec ('' = the embedded WAL store in <dataDir>/store). */
  store: string;
  /** A failed pull of an image Docker already has: run the local image, or fail like upstream. */
  imagePull: ImagePullMode;
}

/** Settings plus what is in effect now (some changes apply on the next start). */
export interface DesktopSettingsView {
  settings: DesktopSettings;
  /** Values the running cluster was started with. */
  running: {
    dataDir: string;
    apiPort: number;
    apiUrl: string;
    kubeconfigPath: string;
    store: string;
    imagePull: ImagePullMode;
  };
  /** Settings that differ from what is running and need a restart. */
  restartRequired: (keyof DesktopSettings)[];
}

/** Name of the global the preload defines (`window.skiff`). */
export const DESKTOP_API_GLOBAL = 'skiff';
