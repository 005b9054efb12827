/**
 * Where the dashboard finds the cluster. In Electron the preload exposes `window.skiff`
 * (`DesktopApi`: apiUrl + token). In serve mode the page is served by Skiff next to a
 * same-origin API proxy, so the base URL is '' and the token arrives once in the URL fragment
 * (`#token=…`): it is kept in sessionStorage and removed from the address bar.
 */
import { DESKTOP_API_GLOBAL, type DesktopApi } from '@common/desktop-api';

const TOKEN_KEY = 'skiff.token';

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
