/**
 * Debian's Chromium driven by playwright-core: never a downloaded browser. The flags keep it
 * from reaching out to the network (this machine's closed network refuses those connections).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";

/** Where the tests save their screenshots (the README's pictures are copied from here). */
export const SCREENSHOT_DIR = join(import.meta.dirname, "../../../../test-output/screenshots");

/** Launches headless Chromium from `/usr/bin/chromium`. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.VIGIL_CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Saves a screenshot of the whole page as `<name>.png` under {@link SCREENSHOT_DIR}. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/**
 * Collects what the page reports as broken: uncaught errors and Content-Security-Policy
 * violations (a UI that needed `unsafe-inline` would show up here).
 */
export function watchPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" && /Content Security Policy|Refused to/i.test(message.text())) {
      errors.push(`console: ${message.text()}`);
    }
  });
  return errors;
}
