// Used by .ci/demo: opens an agent's pop-up link in Debian's headless Chromium, as the agent would,
// waits for the demo calls to put cards on it, and saves a screenshot.
//   node tests/browser/demo_watch.mjs LINK OUT.png [SECONDS]
import { launchBrowser } from "./support.mjs";

const [link, out, seconds = "60"] = process.argv.slice(2);
if (!link || !out) {
  console.error("usage: node demo_watch.mjs LINK OUT.png [SECONDS]");
  process.exit(2);
}
const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 760, height: 1000 } });
  const seen = new Map();
  await page.exposeFunction("rmSeen", (id, kind, title) => seen.set(id, `${kind}: ${title}`));
  await page.goto(link);
  await page.waitForSelector('body[data-connected="true"]', { timeout: 15000 });
  // Note every card that ever shows, since cards clear themselves when their call ends.
  await page.evaluate(() => {
    const note = () => document.querySelectorAll(".card").forEach((c) =>
      window.rmSeen(c.dataset.promptId, c.dataset.kind, c.querySelector("h2").textContent));
    new MutationObserver(note).observe(document.getElementById("cards"), { childList: true });
  });
  let shot = false;
  const deadline = Date.now() + Number(seconds) * 1000;
  while (Date.now() < deadline) {
    const n = await page.locator(".card").count();
    if (!shot && n >= 4) {
      await page.waitForTimeout(500);
      await page.screenshot({ path: out, fullPage: true });
      shot = true;
    }
    if (shot && n === 0) break;  // the agent's call ended and its cards cleared
    await page.waitForTimeout(200);
  }
  console.log(`pop-up: ${seen.size} cards appeared on the agent's page${shot ? `; screenshot ${out}` : ""}`);
  for (const s of seen.values()) console.log(`  ${s}`);
  process.exitCode = seen.size > 0 ? 0 : 1;
} finally {
  await browser.close();
}
