// Debian's Chromium, headless, driven by playwright-core from .tools (never `playwright install`).
import { createRequire } from 'node:module';

/** @param {NodeJS.ProcessEnv} env  needs OBS_PLAYWRIGHT_HOME and OBS_CHROMIUM (scripts/lib/tools-paths.sh) */
export async function launchChromium(env) {
  const require = createRequire(import.meta.url);
  const { chromium } = require(env.OBS_PLAYWRIGHT_HOME);
  return chromium.launch({
    executablePath: env.OBS_CHROMIUM,
    headless: true,
    chromiumSandbox: false, // = --no-sandbox: Chromium's sandbox refuses to run as root
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    timeout: 60_000,
    // Playwright gives each launch a fresh temporary profile and deletes it on close.
    args: [
      '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
    ],
  });
}
