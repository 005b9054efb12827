// The Electron layer (windows, tray, menus, settings, typed IPC): the only code that imports electron; no cluster logic.
/**
 * The Electron main process: starts Skiff's control plane (the same `serve` as headless mode)
 * and opens one secure window on the dashboard. Windows, tray, menus, settings and typed IPC
 * only — no cluster logic lives here.
 */
import { app, BrowserWindow, Menu, Notification, Tray, dialog, ipcMain, nativeImage, shell } from 'electron';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, type Served } from '../cli/serve';
import { createLogger } from '../common/logger';
import { IPC, type DesktopConfig, type IpcResult } from './ipc-contract';
import type { DesktopSettingsView } from '../common/desktop-api';
import { loadSettings, saveSettings, validateSettingsPatch, type Settings } from './settings';

const here = path.dirname(fileURLToPath(import.meta.url));
const log = createLogger((l, c, msg) => process.stderr.write(`${l} [${c}] ${msg}\n`), 'info', 'desktop');
let served: Served | undefined;
let settingsFile = '';
let settings: Settings | undefined;
/** What the running cluster was started with (settings changes apply on the next start). */
let running: DesktopSettingsView['running'] | undefined;
let win: BrowserWindow | undefined;
let tray: Tray | undefined;

function isLocalUrl(raw: string): boolean {
  try {
    const u = new URL(raw);
    return (
      (u.protocol === 'http:' || u.protocol === 'https:') &&
      ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)
    );
  } catch {
    return false;
  }
}

function createWindow(): void {
  if (!served) return;
  const dashboard = served.dashboardUrl;
  win = new BrowserWindow({
    width: 1280,
    height: 800,
    title: 'Skiff',
    show: false,
    webPreferences: {
      preload: path.join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  win.once('ready-to-show', () => win?.show());
  // Navigation guards: the window only ever shows the dashboard; links open in the browser.
  win.webContents.on('will-navigate', (e, url) => {
    if (!url.startsWith(dashboard)) e.preventDefault();
  });
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (isLocalUrl(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  void win.loadURL(dashboard);
  win.on('closed', () => (win = undefined));
}

function registerIpc(): void {
  const fromOurWindow = (sender: Electron.WebContents) => !!win && sender.id === win.webContents.id;
  ipcMain.on(IPC.config, (e) => {
    if (!served || !fromOurWindow(e.sender)) {
      e.returnValue = { apiUrl: '', token: '', version: app.getVersion() } satisfies DesktopConfig;
      return;
    }
    // The dashboard server proxies the API on the window's own origin.
    e.returnValue = {
      apiUrl: '',
      token: served.cluster.token,
      version: app.getVersion(),
    } satisfies DesktopConfig;
  });
  ipcMain.handle(IPC.openExternal, async (e, url: unknown): Promise<IpcResult<void>> => {
    if (!fromOurWindow(e.sender)) return { error: 'not allowed' };
    if (typeof url !== 'string' || !isLocalUrl(url)) return { error: 'only localhost URLs can be opened' };
    await shell.openExternal(url);
    return { result: undefined };
  });
  ipcMain.handle(IPC.notify, (e, n: unknown): IpcResult<void> => {
    if (!fromOurWindow(e.sender)) return { error: 'not allowed' };
    const d = n as { title?: unknown; body?: unknown; route?: unknown } | null;
    if (!d || typeof d.title !== 'string' || typeof d.body !== 'string')
      return { error: 'a notification needs a title and a body' };
    if (!Notification.isSupported()) return { result: undefined };
    const route = typeof d.route === 'string' && d.route.startsWith('/') ? d.route : undefined;
    const note = new Notification({ title: d.title.slice(0, 200), body: d.body.slice(0, 1000) });
    note.on('click', () => {
      if (!win) return;
      if (win.isMinimized()) win.restore();
      win.focus();
      // The renderer's router uses hash history: setting the hash navigates without a reload.
      if (route) void win.webContents.executeJavaScript(`location.hash = ${JSON.stringify(route)}`);
    });
    note.show();
    return { result: undefined };
  });
  ipcMain.handle(IPC.getSettings, (e): IpcResult<DesktopSettingsView> => {
    if (!fromOurWindow(e.sender)) return { error: 'not allowed' };
    return { result: settingsView() };
  });
  ipcMain.handle(IPC.setSettings, (e, patch: unknown): IpcResult<DesktopSettingsView> => {
    if (!fromOurWindow(e.sender) || !settings) return { error: 'not allowed' };
    try {
      const next = validateSettingsPatch(settings, patch);
      saveSettings(settingsFile, next);
      if (next.startOnLogin !== settings.startOnLogin)
        app.setLoginItemSettings({ openAtLogin: next.startOnLogin });
      settings = next;
      return { result: settingsView() };
    } catch (err) {
      return { error: err instanceof Error ? err.message : String(err) };
    }
  });
}

function settingsView(): DesktopSettingsView {
  const s = settings!;
  const r = running ?? {
    dataDir: s.dataDir,
    apiPort: s.apiPort,
    apiUrl: '',
    kubeconfigPath: '',
    store: s.store,
    imagePull: s.imagePull,
  };
  const restartRequired: DesktopSettingsView['restartRequired'] = [];
  if (s.dataDir !== r.dataDir) restartRequired.push('dataDir');
  if (s.apiPort !== 0 && s.apiPort !== r.apiPort) restartRequired.push('apiPort');
  if (s.store !== r.store) restartRequired.push('store');
  if (s.imagePull !== r.imagePull) restartRequired.push('imagePull');
  if (running && s.mergeKubeconfig !== runningMerge) restartRequired.push('mergeKubeconfig');
  return { settings: { ...s }, running: r, restartRequired };
}
let runningMerge = true;

/** Stops the Docker containers of Skiff's pods (settings: podsOnQuit = stop). */
async function stopPodContainers(): Promise<void> {
  const { default: Docker } = await import('dockerode');
  const docker = new Docker();
  const list = await docker.listContainers({ filters: { label: ['io.kubernetes.pod.uid'] } });
  await Promise.all(
    list.map((c) =>
      docker
        .getContainer(c.Id)
        .stop({ t: 5 })
        .catch(() => undefined),
    ),
  );
}

function buildMenus(): void {
  const menu = Menu.buildFromTemplate([
    { role: 'appMenu' as const, visible: process.platform === 'darwin' },
    {
      label: 'Skiff',
      submenu: [
        { label: 'Show Dashboard', click: () => (win ? win.show() : createWindow()) },
        {
          label: 'Open Data Folder',
          click: () => served && void shell.openPath(path.dirname(served.cluster.kubeconfigPath)),
        },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    { role: 'viewMenu' },
  ]);
  Menu.setApplicationMenu(menu);
  const icon = nativeImage.createFromPath(path.join(here, '../../resources/icon.png'));
  if (!icon.isEmpty()) {
    tray = new Tray(icon.resize({ width: 18, height: 18 }));
    tray.setToolTip('Skiff');
    tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: 'Show Dashboard', click: () => (win ? win.show() : createWindow()) },
        { role: 'quit' },
      ]),
    );
  }
}

async function boot(): Promise<void> {
  settingsFile = path.join(app.getPath('userData'), 'settings.json');
  settings = loadSettings(settingsFile);
  const s = settings;
  registerIpc();
  try {
    served = await serve({
      dataDir: s.dataDir,
      apiPort: s.apiPort,
      kubeconfigPath: s.mergeKubeconfig ? path.join(os.homedir(), '.kube', 'config') : undefined,
      mergeKubeconfig: s.mergeKubeconfig,
      store: s.store || undefined,
      imagePull: s.imagePull,
      staticDir: path.join(here, '../renderer'),
      logger: log,
    });
    runningMerge = s.mergeKubeconfig;
    running = {
      dataDir: s.dataDir,
      apiPort: served.cluster.apiPort,
      apiUrl: served.cluster.apiUrl,
      kubeconfigPath: served.cluster.kubeconfigPath,
      store: s.store,
      imagePull: s.imagePull,
    };
  } catch (err) {
    dialog.showErrorBox('Skiff could not start', err instanceof Error ? err.message : String(err));
    app.exit(1);
    return;
  }
  buildMenus();
  createWindow();
}

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-attach-webview', (e) => e.preventDefault());
});
app.whenReady().then(boot, (err) => log.error(String(err)));
app.on('window-all-closed', () => {
  // Keep the cluster running in the tray on macOS; elsewhere closing the window quits.
  if (process.platform !== 'darwin') app.quit();
});
app.on('activate', () => {
  if (!win) createWindow();
});
let quitting = false;
app.on('before-quit', (e) => {
  if (quitting || !served) return;
  e.preventDefault();
  quitting = true;
  // By default running pods are left running and the next start adopts them; with
  // podsOnQuit = stop their containers are stopped after the control plane (so the kubelet
  // does not restart them).
  const stopPods = settings?.podsOnQuit === 'stop';
  void served
    .stop()
    .then(() => (stopPods ? stopPodContainers() : undefined))
    .catch((err: unknown) => log.warn('stopping on quit failed', { err: String(err) }))
    .finally(() => app.quit());
});
