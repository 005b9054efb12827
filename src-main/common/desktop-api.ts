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
}

/** Name of the global the preload defines (`window.skiff`). */
export const DESKTOP_API_GLOBAL = 'skiff';
