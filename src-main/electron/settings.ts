/** Desktop settings, kept as JSON in the app's userData folder. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { DesktopSettings } from '../common/desktop-api';
import { DEFAULT_IMAGE_PULL_MODE, parseImagePullMode } from '../common/image-pull';

/** The settings file's shape (the DesktopApi contract's). */
export type Settings = DesktopSettings;

export function defaultSettings(): Settings {
  return {
    dataDir: path.join(os.homedir(), '.skiff'),
    apiPort: 0,
    mergeKubeconfig: true,
    startOnLogin: false,
    podsOnQuit: 'keep-running',
    store: '',
    imagePull: DEFAULT_IMAGE_PULL_MODE,
  };
}

/**
 * Checks a settings change from the renderer: only known keys, each of the right type and
 * range. Returns the merged settings or throws with a readable message.
 */
export function validateSettingsPatch(current: Settings, patch: unknown): Settings {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch))
    throw new Error('settings must be an object');
  const next: Settings = { ...current };
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    switch (k) {
      case 'dataDir':
        if (typeof v !== 'string' || !path.isAbsolute(v)) throw new Error('dataDir must be an absolute path');
        next.dataDir = v;
        break;
      case 'apiPort':
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535)
          throw new Error('apiPort must be 0 or a port from 1 to 65535');
        next.apiPort = v;
        break;
      case 'mergeKubeconfig':
      case 'startOnLogin':
        if (typeof v !== 'boolean') throw new Error(`${k} must be true or false`);
        next[k] = v;
        break;
      case 'podsOnQuit':
        if (v !== 'keep-running' && v !== 'stop') throw new Error('podsOnQuit must be keep-running or stop');
        next.podsOnQuit = v;
        break;
      case 'store':
        if (typeof v !== 'string') throw new Error('store must be a string');
        next.store = v.trim();
        break;
      case 'imagePull':
        next.imagePull = parseImagePullMode(v, 'imagePull');
        break;
      default:
        throw new Error(`unknown setting ${k}`);
    }
  }
  return next;
}

export function loadSettings(file: string): Settings {
  try {
    return { ...defaultSettings(), ...(JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Settings>) };
  } catch {
    return defaultSettings();
  }
}

export function saveSettings(file: string, s: Settings): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(s, null, 2), { mode: 0o600 });
}
