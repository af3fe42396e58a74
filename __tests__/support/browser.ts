import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BrowserContext, chromium } from "playwright-core";
import { requireTool } from "./tools";

/** Debian's Chromium (bin/setup.sh installs it): playwright-core drives it and downloads no browser of its own. */
export const CHROMIUM = "/usr/bin/chromium";

// Headless, without a sandbox (root has none), and quiet on a machine with no network: no
// background fetches, component updates or sync.
const ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export interface Browser {
  readonly context: BrowserContext;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/** Chromium with a fresh profile, at a laptop's screen size. */
export async function openBrowser(viewport = { width: 1440, height: 900 }): Promise<Browser> {
  requireTool("chromium");
  const profile = mkdtempSync(join(tmpdir(), "labyrinth-chromium-"));
  try {
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport });
    return {
      context,
      close: async () => {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
}
