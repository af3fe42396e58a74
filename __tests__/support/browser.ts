import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BrowserContext, chromium, Page } from "playwright-core";
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

/** The page as Chromium prints it on landscape A4 sheets: the text of each sheet, in order (poppler's pdftotext ends each with a form feed). */
export async function printedSheets(page: Page): Promise<string[]> {
  requireTool("pdftotext", "poppler-utils");
  const pdf = await page.pdf({ format: "A4", landscape: true });
  const text = spawnSync("pdftotext", ["-", "-"], { input: pdf, encoding: "utf8" });
  if (text.status !== 0) throw new Error(`pdftotext could not read Chromium's PDF: ${text.stderr}`);
  return text.stdout.split("\f").slice(0, -1);
}
