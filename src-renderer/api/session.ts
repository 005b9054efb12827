/**
 * Where the dashboard finds the cluster. In Electron the preload exposes `window.skiff`
 * (`DesktopApi`: apiUrl + token). In serve mode the page is served by Skiff next to a
 * same-origin API proxy, so the base URL is '' and the token arrives once in the URL fragment
 * (`#token=…`): it is kept in sessionStorage and removed from the address bar.
 */
import { DESKTOP_API_GLOBAL, type DesktopApi } from '@common/desktop-api';

const TOKEN_KEY = 'skiff.token';
const CLUSTER_KEY = 'skiff.cluster';

/** The desktop bridge, when running inside Electron. */
export function desktopApi(): DesktopApi | undefined {
  return (window as unknown as Record<string, DesktopApi | undefined>)[DESKTOP_API_GLOBAL];
}

/** Where and how to reach the API. */
export interface SessionInfo {
  baseUrl: string;
  token: string | null;
  desktop: boolean;
}

/**
 * Reads `token=` from the fragment (`#token=X` or `#/route?token=X`), stores it and rewrites
 * the address bar without it. Returns the token found, if any.
 */
export function takeTokenFromLocation(
  loc: Location = window.location,
  hist: History = window.history,
): string | null {
  const hash = loc.hash.replace(/^#/, '');
  if (!hash.includes('token=')) return null;
  const q = hash.indexOf('?');
  const [route, params] =
    q >= 0 ? [hash.slice(0, q), hash.slice(q + 1)] : hash.startsWith('/') ? [hash, ''] : ['', hash];
  const sp = new URLSearchParams(params);
  const token = sp.get('token');
  sp.delete('token');
  const rest = sp.toString();
  const newHash = `#${route || '/'}${rest ? `?${rest}` : ''}`;
  hist.replaceState(hist.state, '', `${loc.pathname}${loc.search}${newHash}`);
  return token || null;
}

export function resolveSession(): SessionInfo {
  const api = desktopApi();
  if (api) return { baseUrl: api.apiUrl.replace(/\/$/, ''), token: api.token, desktop: true };
  const fromUrl = takeTokenFromLocation();
  if (fromUrl) saveToken(fromUrl);
  return { baseUrl: '', token: fromUrl ?? loadToken(), desktop: false };
}

export function saveToken(token: string): void {
  try {
    sessionStorage.setItem(TOKEN_KEY, token);
  } catch (err) {
    // Storage can be disabled (privacy mode); the token then lives for this page only.
    console.warn('sessionStorage unavailable', err);
  }
}

export function loadToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch (err) {
    console.warn('sessionStorage unavailable', err);
    return null;
  }
}

export function clearToken(): void {
  try {
    sessionStorage.removeItem(TOKEN_KEY);
  } catch (err) {
    console.warn('sessionStorage unavailable', err);
  }
}

/** Opens a localhost URL: through the desktop bridge in Electron, a new tab in the browser. */
export function openExternal(url: string): void {
  const api = desktopApi();
  if (api) void api.openExternal(url);
  else window.open(url, '_blank', 'noopener,noreferrer');
}

/** The kubeconfig context chosen in the switcher ('' = the local Skiff cluster), per tab. */
export function loadCluster(): string {
  try {
    return sessionStorage.getItem(CLUSTER_KEY) ?? '';
  } catch (err) {
    console.warn('sessionStorage unavailable', err);
    return '';
  }
}

export function saveCluster(name: string): void {
  try {
    if (name) sessionStorage.setItem(CLUSTER_KEY, name);
    else sessionStorage.removeItem(CLUSTER_KEY);
  } catch (err) {
    console.warn('sessionStorage unavailable', err);
  }
}

/**
 * A call to the dashboard server's own API (`/dashboard/v1/…`: clusters, kubeconfig files,
 * port-forwards), on this page's origin with the session token. Throws the Status message.
 */
export async function dashboardApi<T>(
  token: string | null,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`/dashboard/v1/${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let doc: unknown;
  try {
    doc = text ? JSON.parse(text) : {};
  } catch {
    throw new Error(`dashboard server: HTTP ${res.status}`);
  }
  if (!res.ok) throw new Error((doc as { message?: string }).message ?? `HTTP ${res.status}`);
  return doc as T;
}
