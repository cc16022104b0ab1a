// Takes a full-page screenshot of an effectiveness report page with the system's headless Chromium.
//   node screenshot.mjs REPORT.html OUT.png
// Never downloads a browser: playwright-core drives /usr/bin/chromium (or $CHROMIUM). The page must load
// nothing from the network; any request other than the file itself fails the run.
import { chromium } from 'playwright-core';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [page_path, out_path] = process.argv.slice(2);
if (!page_path || !out_path) {
  console.error('usage: node screenshot.mjs REPORT.html OUT.png');
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  const url = pathToFileURL(resolve(page_path)).href;
  const outside = [];
  page.on('request', (request) => {
    if (request.url() !== url) outside.push(request.url());
  });
  await page.goto(url, { waitUntil: 'load' });
  if (outside.length > 0) {
    console.error(`the report requested something besides itself: ${outside.join(', ')}`);
    process.exitCode = 1;
  }
  await page.screenshot({ path: out_path, fullPage: true });
  console.log(`screenshot: ${out_path}`);
} finally {
  await browser.close();
}
