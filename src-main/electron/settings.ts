/** Desktop settings, kept as JSON in the app's userData folder. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Settings {
  /** Where the cluster's state lives. */
  dataDir: string;
  /** API server port (0 = reuse the last one, else any free port). */
  apiPort: number;
  /** Merge the `skiff` context into ~/.kube/config. */
  mergeKubeconfig: boolean;
}

export function defaultSettings(): Settings {
  return { dataDir: path.join(os.homedir(), '.skiff'), apiPort: 0, mergeKubeconfig: true };
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
