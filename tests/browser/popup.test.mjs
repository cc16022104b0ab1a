// The agent pop-up in a real browser (Debian's Chromium through playwright-core), against the real
// plugin in the reference host: cards appear as a call goes on, an answer lands in the store, a
// wrong or expired link is refused, a network blip loses nothing, an ended call clears its cards.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import path from "node:path";
import WebSocket from "ws";
import {
  SOURCE_DIR, demoEvents, launchBrowser, openEventStream, signedLink, sql, startHost, startProxy, stopHost,
} from "./support.mjs";

let host, browser, proxy, events;

before(async () => {
  host = await startHost({ agents: ["agent-ruth", "agent-omar"] });
  browser = await launchBrowser();
  proxy = await startProxy(host.popupOrigin);
  events = await openEventStream(host.events);
});

after(async () => {
  events?.close();
  await browser?.close();
  proxy?.close();
  if (host) await stopHost(host);
});

// The agent's link, through the proxy (same path and signature, the proxy's origin).
function viaProxy(link) {
  const u = new URL(link);
  return `${proxy.origin}${u.pathname}${u.search}`;
}

test("a call's prompts appear on the agent's page, and an accept lands in the outcome record", async () => {
  const call = demoEvents("demo-101");
  const byId = Object.fromEntries(call.map((e) => [e.event_id, e]));
  const page = await browser.newPage({ viewport: { width: 520, height: 900 } });
  const problems = [];
  page.on("console", (m) => { if (m.type() === "error") problems.push(m.text()); });
  page.on("pageerror", (e) => problems.push(String(e)));
  await page.goto(viaProxy(host.links["agent-ruth"]));
  await page.waitForSelector('body[data-connected="true"]');
  assert.equal(await page.locator(".card").count(), 0);

  // The call starts, Ruth joins, the customer is frustrated.
  events.send([byId.a1, byId.a2, byId.a3]);
  await events.sync();
  const pop = page.locator('.card[data-kind="screen_pop"]');
  await pop.waitFor();
  assert.match(await pop.innerText(), /Alex Morgan/);
  assert.match(await pop.innerText(), /Unanswered/);  // the unanswered public review is marked
  const review = page.locator('.card[data-rule-id="unanswered-negative-review"]');
  await review.waitFor();
  await page.locator('.card[data-rule-id="frustration"]').waitFor();
  // The screen pop comes first; the opportunities follow in priority order.
  const kinds = await page.locator(".card").evaluateAll((cards) => cards.map((c) => c.dataset.kind));
  assert.equal(kinds[0], "screen_pop");
  // New cards are announced in a polite live region.
  assert.notEqual((await page.locator("#announcer").getAttribute("aria-live")), null);
  await page.waitForFunction(() => document.getElementById("announcer").textContent.length > 0);
  // The "why" is one click away.
  await review.locator("summary").click();
  assert.match(await review.locator("details.why li").first().innerText(), /Google/);

  // Keyboard: select the review card and accept it with A.
  await review.focus();
  await page.keyboard.press("a");
  await review.waitFor({ state: "detached" });
  const reviewPrompt = host.prompts.find((p) => p.rule_id === "unanswered-negative-review" && p.interaction_id === "demo-101");
  assert.ok(reviewPrompt, "the host got the same prompt through the SDK callback");

  // Snooze with the button: the card goes away for now.
  const tenure = page.locator('.card[data-rule-id="tenure-milestone"]');
  await tenure.locator('button[data-action="snoozed"]').click();
  await tenure.waitFor({ state: "detached" });

  // At 200% zoom in a 520 px panel (260 CSS px) the cards reflow: nothing needs a sideways scroll.
  await page.setViewportSize({ width: 260, height: 900 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px at 200% zoom`);
  assert.deepEqual(problems, [], "no script or CSP errors on the page");

  // The answers reach the store with the agent from the signed link, on the plugin's event clock.
  await events.sync();
  await page.waitForTimeout(300);  // the feedback goes page -> plugin -> outcome writer
  const metrics = await (await fetch(`${host.admin}/metrics`)).text();
  assert.match(metrics, /rightmoment_feedback_total\{action="accepted"\} 1/);
  await page.close();
});

test("a wrong, tampered or expired link is refused, and so is a foreign origin", async () => {
  const link = host.links["agent-ruth"];
  const tampered = link.replace(/sig=([0-9a-f])/, (m, c) => `sig=${c === "0" ? "1" : "0"}`);
  let res = await fetch(tampered);
  assert.equal(res.status, 403);
  assert.match(await res.text(), /signature does not match/);

  const other = new URL(link);
  other.searchParams.set("agent", "agent-omar");  // Ruth's signature on Omar's name
  res = await fetch(other);
  assert.equal(res.status, 403);

  const expired = signedLink(host.popupOrigin, "agent-ruth", Math.floor(Date.now() / 1000) - 60);
  const page = await browser.newPage();
  const response = await page.goto(expired);
  assert.equal(response.status(), 403);
  assert.match(await page.locator("#refused-reason").innerText(), /expired/);
  await page.close();

  res = await fetch(`${host.popupOrigin}/agent`);
  assert.equal(res.status, 403);

  // The WebSocket checks the token and the Origin too.
  const wsUrl = (l, origin) => new Promise((resolve) => {
    const u = new URL(l);
    const ws = new WebSocket(`ws://${u.host}/agent/ws${u.search}`, { origin });
    ws.on("open", () => { ws.close(); resolve(101); });
    ws.on("unexpected-response", (req, r) => resolve(r.statusCode));
    ws.on("error", () => resolve(-1));
  });
  assert.equal(await wsUrl(link, host.popupOrigin), 101);
  assert.equal(await wsUrl(link, "http://evil.example"), 403);
  assert.equal(await wsUrl(tampered, host.popupOrigin), 403);
  assert.equal(await wsUrl(expired, host.popupOrigin), 403);
});

test("a page that loses its network catches up on reconnect, and an ended call clears its cards", async () => {
  const call = demoEvents("demo-101");
  const byId = Object.fromEntries(call.map((e) => [e.event_id, e]));
  const page = await browser.newPage({ viewport: { width: 520, height: 900 } });
  await page.goto(viaProxy(host.links["agent-ruth"]));
  await page.waitForSelector('body[data-connected="true"]');
  // Still active from the first test: the screen pop, repeat-contact and frustration.
  await page.locator('.card[data-kind="screen_pop"]').waitFor();
  await page.locator('.card[data-rule-id="frustration"]').waitFor();

  // The network drops; the agent blames the customer, the customer talks about leaving.
  proxy.cut();
  await page.waitForSelector('body[data-connected="false"]');
  events.send([byId.a4, byId.a5]);
  await events.sync();
  assert.equal(await page.locator('.card[data-kind="guardrail"]').count(), 0);
  proxy.restore();

  // Back online: nothing was lost.
  await page.waitForSelector('body[data-connected="true"]', { timeout: 20000 });
  const guardrail = page.locator('.card[data-kind="guardrail"]');
  await guardrail.waitFor();
  assert.match(await guardrail.innerText(), /only you see this/i);
  await page.locator('.card[data-rule-id="churn-intent"]').waitFor();
  await page.setViewportSize({ width: 760, height: 1000 });
  if (process.env.RIGHTMOMENT_UPDATE_SCREENSHOTS === "1")
    await page.screenshot({ path: path.join(SOURCE_DIR, "docs/images/popup.png"), fullPage: true });

  // The call ends: every card of it clears itself.
  events.send([byId.a6, byId.a10]);
  await events.sync();
  await page.waitForFunction(() => document.querySelectorAll(".card").length === 0);
  assert.ok(await page.locator("#empty").isVisible());
  await page.close();
});

test("an answer to someone else's prompt is refused and changes nothing", async () => {
  const page = await browser.newPage();
  await page.goto(host.links["agent-omar"]);
  await page.waitForSelector('body[data-connected="true"]');
  const ruths = host.prompts.find((p) => p.agent_id === "agent-ruth" && p.kind !== "screen_pop").prompt_id;
  const reply = await page.evaluate((promptId) => new Promise((resolve) => {
    const ws = new WebSocket(`ws://${location.host}/agent/ws${location.search}`);
    ws.onmessage = (m) => {
      const msg = JSON.parse(m.data);
      if (msg.type === "snapshot") ws.send(JSON.stringify({ type: "prompt.feedback", prompt_id: promptId, action: "dismissed" }));
      else if (msg.type === "error") resolve(msg.code);
    };
  }), ruths);
  assert.equal(reply, "unknown_prompt");
  await page.close();
});

test("the answers are stored with the outcome record", async () => {
  assert.equal(await stopHost(host), 0);
  const rows = JSON.parse(sql(host.db, "SELECT prompt_id, action, agent_id FROM outcome_feedback ORDER BY rowid") || "[]");
  const review = host.prompts.find((p) => p.rule_id === "unanswered-negative-review" && p.interaction_id === "demo-101");
  const tenure = host.prompts.find((p) => p.rule_id === "tenure-milestone" && p.interaction_id === "demo-101");
  assert.deepEqual(rows, [
    { prompt_id: review.prompt_id, action: "accepted", agent_id: "agent-ruth" },
    { prompt_id: tenure.prompt_id, action: "snoozed", agent_id: "agent-ruth" },
  ]);
});
