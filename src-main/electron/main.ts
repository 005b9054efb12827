/**
 * The Electron main process: starts Skiff's control plane (the same `serve` as headless mode)
 * and opens one secure window on the dashboard. Windows, tray, menus, settings and typed IPC
 * only — no cluster logic lives here.
 */
import { app, BrowserWindow, Menu, Tray, dialog, ipcMain, nativeImage, shell } from 'electron';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, type Served } from '../cli/serve';
import { createLogger } from '../common/logger';
import { IPC, type DesktopConfig, type IpcResult } from './ipc-contract';
import { loadSettings } from './settings';

const here = path.dirname(fileURLToPath(import.meta.url));
const log = createLogger((l, c, msg) => process.stderr.write(`${l} [${c}] ${msg}\n`), 'info', 'desktop');
let served: Served | undefined;
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
  const settings = loadSettings(path.join(app.getPath('userData'), 'settings.json'));
  registerIpc();
  try {
    served = await serve({
      dataDir: settings.dataDir,
      apiPort: settings.apiPort,
      kubeconfigPath: settings.mergeKubeconfig ? path.join(os.homedir(), '.kube', 'config') : undefined,
      mergeKubeconfig: settings.mergeKubeconfig,
      staticDir: path.join(here, '../renderer'),
      logger: log,
    });
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
  // Running pods are left running; the next start adopts them.
  void served.stop().finally(() => app.quit());
});
