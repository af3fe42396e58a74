// `node --import tsx bench/page-render.ts FILE N`: how long headless Chromium takes to render the
// page journey --html wrote, N times, each in a new tab of one browser: from the navigation to
// the first frame painted after the load event. Prints the milliseconds as JSON.
import { pathToFileURL } from "node:url";
import { openBrowser } from "../__tests__/support/browser";

async function main(file: string, times: number): Promise<void> {
  const browser = await openBrowser();
  try {
    const ms: number[] = [];
    for (let i = 0; i < times; i++) {
      const page = await browser.context.newPage();
      const start = performance.now();
      await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
      // Two animation frames: the second begins once the first, with the laid-out page, is painted.
      // (A string: this runs in the page, whose DOM this project's types do not include.)
      await page.evaluate("new Promise((painted) => requestAnimationFrame(() => requestAnimationFrame(painted)))");
      ms.push(performance.now() - start);
      await page.close();
    }
    console.log(JSON.stringify(ms));
  } finally {
    await browser.close();
  }
}

main(process.argv[2], Number(process.argv[3] ?? 1)).catch((error) => {
  console.error(`page-render: ${error instanceof Error ? error.message : error}`);
  process.exitCode = 1;
});
