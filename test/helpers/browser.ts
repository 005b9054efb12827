/**
 * Debian's Chromium for browser tests, driven by playwright-core (never a downloaded browser):
 * locally a missing Chromium skips the suite; in CI (any truthy CI) it is a failure.
 */
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { needTool } from './skips';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  return needTool(
    fs.existsSync(CHROMIUM),
    `Chromium is missing at ${CHROMIUM} (apt-get install -y chromium)`,
  );
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
