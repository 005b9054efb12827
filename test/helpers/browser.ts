/**
 * Debian's Chromium for browser tests, driven by playwright-core (never a downloaded browser):
 * locally a missing Chromium skips the suite; in CI (CI=true) it is a failure.
 */
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  const ok = fs.existsSync(CHROMIUM);
  if (!ok && process.env.CI === 'true') throw new Error(`CI=true but Chromium is missing at ${CHROMIUM}`);
  return ok;
}

/** Headless Chromium with the flags this machine needs (no sandbox, no background networking). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}
