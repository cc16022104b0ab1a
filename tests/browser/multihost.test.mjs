// Several hosts as one contact centre, with every part real: three reference hosts with the real
// plugin on loopback, behind HAProxy (Debian's package, configuration generated on free ports),
// sharing one real PostgreSQL server, and Debian's Chromium on the agent's and the supervisor's pages,
// both opened through the balancer.
//
// The platform's streams and the pages are spread over the hosts by the balancer; the test learns
// which host took what (a host prints its own prompts on stdout, its admin status counts its pages)
// and asserts on that, never on timing. Every wait is bounded.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { startBalancer, startPostgres, status } from "./multihost_support.mjs";
import { launchBrowser, openEventStream, SOURCE_DIR, startHost, stopHost } from "./support.mjs";

const AGENT = "agent-ruth";
const SUPERVISOR = "sup-north";
const SUPERVISOR_CONFIG = {
  teams: { north: [AGENT], south: ["agent-omar"] },
  supervisors: { [SUPERVISOR]: ["north"] },
};
const WAIT_MS = 20000;

let pg, hosts = [], balancer, browser;

// Until check() gives something truthy, at most ms; then fails saying what it waited for.
async function until(what, check, ms = WAIT_MS) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`waited ${ms} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// One chat for an agent: started, the agent joins, the customer speaks; `end` adds the end.
function chat(id, { customer, queue, agent = AGENT, at, lines, end = false }) {
  let n = 0;
  const ts = () => new Date(Date.parse(at) + 1000 * n++).toISOString();
  const events = [
    { event_id: `${id}-s`, type: "interaction.started", interaction_id: id, ts: ts(), channel: "chat", direction: "inbound", queue, customer },
    { event_id: `${id}-j`, type: "agent.joined", interaction_id: id, ts: ts(), agent_id: agent },
    ...lines.map((text, i) => ({ event_id: `${id}-u${i}`, type: "utterance", interaction_id: id, ts: ts(), speaker: "customer", text, final: true })),
  ];
  if (end) events.push({ event_id: `${id}-e`, type: "interaction.ended", interaction_id: id, ts: ts(), reason: "customer_closed" });
  return events;
}
const ended = (id, at) => [{ event_id: `${id}-e`, type: "interaction.ended", interaction_id: id, ts: at, reason: "customer_closed" }];

// Three chats of Ruth's, live across the whole test (chat agents hold several at once).
const LIVE = {
  "mh-live-1": chat("mh-live-1", { customer: { phone: "+1 212-555-0142" }, queue: "field-service", at: "2026-11-22T10:00:00.000Z",
                                   lines: ["I'm seriously looking at other broadband companies at this point."] }),
  "mh-live-2": chat("mh-live-2", { customer: { email: "sofia.alvarez@example.org" }, queue: "moves", at: "2026-11-22T10:01:00.000Z",
                                   lines: ["We finally got the keys to our new house last week, so I need the broadband moved over."] }),
  "mh-live-3": chat("mh-live-3", { customer: { account_id: "ACC-40417" }, queue: "tech-support", at: "2026-11-22T10:02:00.000Z",
                                   lines: ["Four days without internet. If nobody fixes this today I'm telling every one of my followers how you treat customers."] }),
};
const LIVE_IDS = Object.keys(LIVE);
const streams = {};  // interaction id -> the platform's stream that carries it
const owner = {};    // interaction id -> index of the host whose engine has it

const hostPort = (url) => new URL(url).host;
const throughBalancer = (link) => {
  const u = new URL(link);
  return `http://127.0.0.1:${balancer.ports.popup}${u.pathname}${u.search}`;
};
const live = (i) => hosts[i].child.exitCode === null && hosts[i].child.signalCode === null;

// The host that printed prompts of this interaction (its own engine raised them).
async function ownerOf(id) {
  const i = await until(`a host to raise prompts for ${id}`, () => hosts.findIndex((h) => h.prompts.some((p) => p.interaction_id === id)) + 1);
  return i - 1;
}
const psql = (query) => execFileSync("psql", [pg.url, "-Atc", query], { encoding: "utf8" }).trim();
const promptsOf = (id) => hosts.flatMap((h) => h.prompts.filter((p) => p.interaction_id === id));

// The live host whose admin status counts a page of this kind.
async function hostWithPage(kind) {
  return until(`a host to count the ${kind} page`, async () => {
    for (let i = 0; i < hosts.length; i++) {
      if (!live(i)) continue;
      const s = await status(hosts[i]);
      if ((s[kind]?.pages_open || 0) > 0) return i + 1;
    }
    return 0;
  }).then((i) => i - 1);
}

async function openPage(link) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
  const problems = [];
  page.on("pageerror", (e) => problems.push(String(e)));
  await page.goto(throughBalancer(link));
  await page.waitForSelector('body[data-connected="true"]', { timeout: WAIT_MS });
  return { page, problems };
}

before(async () => {
  pg = await startPostgres();
  // The demo history, and Dana, who wrote in two days ago about a bill, not resolved.
  const history = path.join(process.env.RIGHTMOMENT_TEST_TMP || "/tmp", `rm-multihost-history-${process.pid}.jsonl`);
  writeFileSync(history, readFileSync(path.join(SOURCE_DIR, "config/demo/history.jsonl"), "utf8") + [
    { record: "customer", customer_id: "cu-mh-dana", name: "Dana Reyes", preferred_name: "Dana" },
    { record: "identity", customer_id: "cu-mh-dana", kind: "email", value: "dana.reyes@example.com" },
    { record: "contact", customer_id: "cu-mh-dana", contact_id: "ct-mh-dana-1", channel: "email", started_at: "2026-11-20T09:00:00Z",
      reason: "bill", resolved: false, summary: "Asked why the bill went up." },
  ].map((r) => JSON.stringify(r)).join("\n") + "\n");
  // One after the other: the first imports the history into the shared store.
  for (let i = 1; i <= 3; i++) {
    hosts.push(await startHost({ name: `host-${i}`, store: pg.url, agents: [AGENT], supervisors: [SUPERVISOR],
                                 history: i === 1 ? history : false, popupExtra: { supervisor: SUPERVISOR_CONFIG } }));
  }
  balancer = await startBalancer({
    events: hosts.map((h) => hostPort(h.events)),
    popup: hosts.map((h) => hostPort(h.popupOrigin)),
  });
  browser = await launchBrowser();
});

after(async () => {
  for (const s of Object.values(streams)) s.close();
  await browser?.close();
  for (const h of hosts) await stopHost(h);
  balancer?.stop();
  pg?.stop();
});

let ruth, supervisor, ruthHost, supervisorHost;

test("calls are spread over the hosts by the balancer; the agent's page on one host shows the cards raised on the others", async () => {
  ruth = await openPage(hosts[0].links[AGENT]);
  ruthHost = await hostWithPage("popup");
  // The supervisor's page on the same host as Ruth's, so that the kill below makes both reconnect:
  // the balancer takes each new connection to the next host, so a few tries get there.
  for (let tries = 1; ; tries++) {
    supervisor = await openPage(hosts[0].supervisorLinks[SUPERVISOR]);
    supervisorHost = await hostWithPage("supervisor");
    if (supervisorHost === ruthHost) break;
    await supervisor.page.close();
    await until("the page's close to count", async () => (await status(hosts[supervisorHost])).supervisor.pages_open === 0);
    assert.ok(tries < 9, "the balancer never took a supervisor page to the agent's page's host");
  }
  // Every live call in the supervisor's list at every change from now on, for "throughout".
  await supervisor.page.evaluate((ids) => {
    window.missing = [];
    window.complete = false;
    const body = document.getElementById("calls");
    new MutationObserver(() => {
      const shown = new Set([...body.querySelectorAll("tr[data-interaction]")].map((r) => r.dataset.interaction));
      const gone = ids.filter((i) => !shown.has(i));
      if (!gone.length) window.complete = true;
      else if (window.complete) window.missing.push(gone.join(","));
    }).observe(body, { childList: true });
  }, LIVE_IDS);

  const eventsUrl = new URL(hosts[0].events);
  eventsUrl.host = `127.0.0.1:${balancer.ports.events}`;
  for (const id of LIVE_IDS) {
    streams[id] = await openEventStream(eventsUrl.toString());
    streams[id].send(LIVE[id]);
    await streams[id].sync();
    owner[id] = await ownerOf(id);
  }
  // Round robin: three streams, three hosts.
  assert.deepEqual(new Set(Object.values(owner)).size, 3, JSON.stringify(owner));
  const remote = LIVE_IDS.filter((id) => owner[id] !== ruthHost);
  assert.equal(remote.length, 2);
  // Every prompt raised for Ruth, on whichever host, is a card on her one page.
  const ids = LIVE_IDS.flatMap((id) => promptsOf(id).filter((p) => p.agent_id === AGENT).map((p) => p.prompt_id));
  assert.ok(ids.length >= 6, `a screen pop and an opportunity per call: ${ids}`);
  for (const id of ids) await ruth.page.locator(`.card[data-prompt-id="${id}"]`).waitFor({ timeout: WAIT_MS });
  assert.equal(await ruth.page.locator(".card").count(), ids.length);
  // The supervisor, on one host, lists every host's calls.
  await until("the supervisor's list of three calls", () => supervisor.page.evaluate(() => window.complete));
  assert.equal(await supervisor.page.locator("tbody tr").count(), 3);
  for (const id of LIVE_IDS)
    assert.match(await supervisor.page.locator(`tr[data-interaction="${id}"]`).innerText(), /agent-ruth/);
});

test("a customer who calls twice through different hosts gets repeat-contact", async () => {
  // Dana's first chat on one host; it ends, and becomes a contact in the shared store.
  const [first, second] = LIVE_IDS.slice(0, 2).map((id) => streams[id]);
  first.send(chat("mh-dana-1", { customer: { email: "dana.reyes@example.com" }, queue: "billing", agent: "agent-omar",
                                 at: "2026-11-22T10:05:00.000Z", lines: ["Hi, it's about my bill again."], end: true }));
  await first.sync();
  const firstHost = await ownerOf("mh-dana-1");
  assert.equal(firstHost, owner[LIVE_IDS[0]]);
  assert.ok(!promptsOf("mh-dana-1").some((p) => p.rule_id === "repeat-contact"), "one earlier contact only");
  await until("the first chat as a contact in PostgreSQL", () => psql("SELECT count(*) FROM rm_contacts WHERE contact_id = 'mh-dana-1'") === "1");
  // Her second chat, a quarter of an hour later, through the other stream: another host.
  second.send(chat("mh-dana-2", { customer: { email: "dana.reyes@example.com" }, queue: "billing", agent: "agent-omar",
                                  at: "2026-11-22T10:20:00.000Z", lines: ["Hello, still the bill."] }));
  await second.sync();
  const secondHost = await ownerOf("mh-dana-2");
  assert.notEqual(secondHost, firstHost);
  const repeat = promptsOf("mh-dana-2").find((p) => p.rule_id === "repeat-contact");
  assert.ok(repeat, JSON.stringify(promptsOf("mh-dana-2").map((p) => p.rule_id)));
  assert.match(repeat.title, /^2 contacts in 7 days/);
  second.send(ended("mh-dana-2", "2026-11-22T10:21:00.000Z"));
  await second.sync();
});

test("a host killed mid-run: its pages reconnect through the balancer and catch up; the supervisor lists every live call throughout", async () => {
  const cards = async () => (await ruth.page.locator(".card").evaluateAll((cs) => cs.map((c) => c.dataset.promptId))).sort();
  const before = await cards();
  const victim = ruthHost;
  const orphan = LIVE_IDS.find((id) => owner[id] === victim);
  hosts[victim].child.kill("SIGKILL");
  await until("the killed host to exit", () => !live(victim));

  // The platform's stream to the killed host dropped: it comes back through the balancer, sends the
  // call's events again and goes on. Another host resumes the call from the outcome record
  // (docs/operations.md, "Restarts": no prompt raised twice) and takes its cards over.
  streams[orphan].close();
  const eventsUrl = new URL(hosts[0].events);
  eventsUrl.host = `127.0.0.1:${balancer.ports.events}`;
  streams[orphan] = await openEventStream(eventsUrl.toString());
  const last = LIVE[orphan].at(-1);
  streams[orphan].send([...LIVE[orphan], { ...last, event_id: `${orphan}-u-again`, ts: new Date(Date.parse(last.ts) + 5000).toISOString(),
                                           text: "Sorry, the line dropped. Are you still there?" }]);
  await streams[orphan].sync();
  const heir = await until(`another host to own ${orphan}`, () => {
    const o = psql(`SELECT owner FROM rm_live_interactions WHERE interaction_id = '${orphan}'`);
    return hosts.findIndex((h, i) => i !== victim && o.startsWith(`host-${i + 1}/`)) + 1;
  }) - 1;
  owner[orphan] = heir;
  await until(`${orphan}'s cards owned by host-${heir + 1}`, () =>
    psql(`SELECT string_agg(DISTINCT split_part(owner, '/', 1), ',') FROM rm_live_cards WHERE interaction_id = '${orphan}'`) === `host-${heir + 1}`);

  // Ruth's page reconnected to another host through the balancer and shows every card again.
  await ruth.page.waitForSelector('body[data-connected="true"]', { timeout: WAIT_MS });
  const newRuthHost = await hostWithPage("popup");
  assert.notEqual(newRuthHost, victim);
  const hasAll = async () => { const now = await cards(); return before.every((id) => now.includes(id)); };
  await until("Ruth's cards after the reconnect", hasAll);
  await supervisor.page.waitForSelector('body[data-connected="true"]', { timeout: WAIT_MS });
  assert.notEqual(await hostWithPage("supervisor"), victim);  // it was on the killed host too
  await until("three live calls on the supervisor's page", async () => (await supervisor.page.locator("tbody tr").count()) === 3);

  // 15 s without a heartbeat: a surviving host sweeps what the killed one left. The call that went
  // on elsewhere is not ended by that, on the pages or in the supervisor's list.
  await until("the sweep of the killed host", () => hosts.some((h, i) => live(i) && /stopped beating/.test(h.stderr)), 30000);
  await new Promise((r) => setTimeout(r, 500));  // the sweep's notifications, had they ended anything
  assert.ok(await hasAll(), "a card of a live call left the agent's page");
  assert.equal(await supervisor.page.locator("tbody tr").count(), 3);
  assert.deepEqual(await supervisor.page.evaluate(() => window.missing), [], "a live call left the supervisor's list");

  // Ruth answers a card of the call that moved: the answer reaches the host that has the call now,
  // and is in its outcome record.
  const moved = promptsOf(orphan).find((p) => p.agent_id === AGENT && p.kind !== "screen_pop");
  assert.ok(moved, JSON.stringify(promptsOf(orphan)));
  const card = ruth.page.locator(`.card[data-prompt-id="${moved.prompt_id}"]`);
  await card.locator("button", { hasText: "Accept" }).click();
  await card.waitFor({ state: "detached", timeout: WAIT_MS });
  await until("the answer in the outcome record", () =>
    psql(`SELECT count(*) FROM rm_outcome_feedback WHERE prompt_id = '${moved.prompt_id}' AND action = 'accepted' AND interaction_id = '${orphan}'`) === "1");

  // The calls end on their hosts: their cards and rows go everywhere.
  for (const id of LIVE_IDS) {
    streams[id].send(ended(id, "2026-11-22T10:30:00.000Z"));
    await streams[id].sync();
  }
  await until("Ruth's cards to clear", async () => (await ruth.page.locator(".card").count()) === 0);
  await until("the supervisor's list to empty", async () => (await supervisor.page.locator("tbody tr").count()) === 0);
  assert.deepEqual(ruth.problems, []);
  assert.deepEqual(supervisor.problems, []);
});
