// The supervisor page in a real browser (Debian's Chromium through playwright-core), against the real
// plugin in the reference host: the demo calls are listed live with queue, team, agent, sentiment and
// the prompts with the agents' answers; filters by queue and team; the alert strip within its budget;
// a guardrail and its alert reach only the supervisors of the agent's team; links are role-bound.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import path from "node:path";
import { demoEvents, launchBrowser, openEventStream, SOURCE_DIR, startHost, stopHost } from "./support.mjs";

let host, browser, events;
const SUPERVISOR = {
  teams: { north: ["agent-ruth"], south: ["agent-omar", "agent-lee", "agent-priya"] },
  supervisors: { "sup-north": ["north"], "sup-south": ["south"] },
  alerts_per_window: 1,        // the churn alert uses the budget; the detractor alert is then only marked
  alert_window_s: 600,
  churn_unanswered_s: 10,
};

before(async () => {
  host = await startHost({ agents: ["agent-ruth"], supervisors: ["sup-north", "sup-south"], popupExtra: { supervisor: SUPERVISOR } });
  browser = await launchBrowser();
  events = await openEventStream(host.events);
});

after(async () => {
  events?.close();
  await browser?.close();
  if (host) await stopHost(host);
});

async function openSupervisor(id, viewport = { width: 1280, height: 820 }) {
  const page = await browser.newPage({ viewport });
  const problems = [];
  page.on("console", (m) => { if (m.type() === "error") problems.push(m.text()); });
  page.on("pageerror", (e) => problems.push(String(e)));
  await page.goto(host.supervisorLinks[id]);
  await page.waitForSelector('body[data-connected="true"]');
  return { page, problems };
}

const row = (page, id) => page.locator(`tr[data-interaction="${id}"]`);
const all = [...demoEvents("demo-101"), ...demoEvents("demo-102"), ...demoEvents("demo-104")];
const upTo = (ts) => all.filter((e) => e.ts <= ts && e.type !== "interaction.ended").sort((a, b) => a.ts.localeCompare(b.ts));

test("live calls appear with queue, team, agent and sentiment; guardrails and their alert only for the team's supervisor", async () => {
  const north = await openSupervisor("sup-north");
  const south = await openSupervisor("sup-south");
  events.send(upTo("2026-11-22T09:04:16.000Z"));
  await events.sync();
  for (const { page } of [north, south]) {
    await row(page, "demo-101").waitFor();
    await row(page, "demo-102").waitFor();
    await row(page, "demo-104").waitFor();
  }
  const r101 = row(north.page, "demo-101");
  assert.match(await r101.innerText(), /north/);
  assert.match(await r101.innerText(), /agent-ruth/);
  assert.match(await row(north.page, "demo-102").innerText(), /agent-omar/);
  assert.match(await row(north.page, "demo-102").innerText(), /south/);
  assert.ok((await r101.locator(".trend span").count()) >= 2, "a sentiment point per customer utterance");
  assert.ok((await r101.locator('li[data-rule="churn-intent"]').count()) === 1);
  // Ruth's guardrails: her supervisor sees them; the other team's supervisor does not.
  assert.ok((await north.page.locator('tr[data-interaction="demo-104"] li[data-kind="guardrail"]').count()) >= 1);
  assert.equal(await south.page.locator('li[data-kind="guardrail"]').count(), 0);
  // The legal threat on demo-104 needs her supervisor now, and no one else.
  await north.page.locator('#alerts li[data-kind="legal_threat"]').waitFor();
  assert.equal(await south.page.locator('#alerts li[data-kind="legal_threat"]').count(), 0);
  // The churn moment on demo-101 was left unanswered for more than 10 s of the call: on the strip.
  await north.page.locator('#alerts li[data-kind="churn_unanswered"][data-interaction="demo-101"]').waitFor();
  await south.page.locator('#alerts li[data-kind="churn_unanswered"]').waitFor();
  // The frustrated high-reach detractor on demo-104 came past the budget (1 per window): marked in
  // the list, not on the strip.
  assert.equal(await north.page.locator('#alerts li[data-kind="frustrated_detractor"]').count(), 0);
  assert.equal(await row(north.page, "demo-104").getAttribute("data-attention"), "true");
  assert.deepEqual(north.problems, []);
  await south.page.close();
  globalThis.north = north;
});

test("filters by queue and team", async () => {
  const { page } = globalThis.north;
  await page.selectOption("#team", "south");
  assert.equal(await page.locator("tbody tr").count(), 1);
  assert.ok(await row(page, "demo-102").isVisible());
  await page.selectOption("#team", "");
  const queue = await row(page, "demo-104").locator("td").first().innerText();
  await page.selectOption("#queue", queue);
  assert.equal(await page.locator("tbody tr").count(), 1);
  await page.selectOption("#queue", "");
  assert.equal(await page.locator("tbody tr").count(), 3);
  assert.match(await page.locator("#count").innerText(), /3 of 3 live calls/);
});

test("an agent's answer shows beside its prompt; an ended call leaves the list", async () => {
  const { page } = globalThis.north;
  const ruth = await browser.newPage();
  await ruth.goto(host.links["agent-ruth"]);
  await ruth.waitForSelector('body[data-connected="true"]');
  const churn = ruth.locator('.card[data-rule-id="churn-intent"]');
  await churn.waitFor();
  await churn.locator("button", { hasText: "Accept" }).click();
  await page.locator('tr[data-interaction="demo-101"] li[data-rule="churn-intent"]', { hasText: "(accepted)" }).waitFor();
  await ruth.close();
  if (process.env.RIGHTMOMENT_UPDATE_SCREENSHOTS) {
    await page.screenshot({ path: path.join(SOURCE_DIR, "docs/images/supervisor.png"), fullPage: true });
  }
  events.send(all.filter((e) => e.type === "interaction.ended" && e.interaction_id === "demo-102"));
  await events.sync();
  await row(page, "demo-102").waitFor({ state: "detached" });
  assert.equal(await page.locator("tbody tr").count(), 2);
  await page.close();
});

test("links are bound to their role: an agent's link opens no supervisor page, and the other way round", async () => {
  const agent = new URL(host.links["agent-ruth"]);
  const sup = new URL(host.supervisorLinks["sup-north"]);
  const asSupervisor = `${agent.origin}/supervisor?supervisor=agent-ruth&exp=${agent.searchParams.get("exp")}&sig=${agent.searchParams.get("sig")}`;
  assert.equal((await fetch(asSupervisor)).status, 403);
  const asAgent = `${sup.origin}/agent?agent=sup-north&exp=${sup.searchParams.get("exp")}&sig=${sup.searchParams.get("sig")}`;
  assert.equal((await fetch(asAgent)).status, 403);
  const ok = await fetch(host.supervisorLinks["sup-north"]);
  assert.equal(ok.status, 200);
  assert.match(ok.headers.get("content-security-policy"), /default-src 'none'/);
});
