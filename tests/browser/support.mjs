// Real parts for the browser tests: the reference host with the real plugin on a real SQLite file,
// a real event WebSocket, a TCP proxy that can cut the network, and Debian's Chromium.
import { spawn, execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import WebSocket from "ws";

export const SOURCE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const BUILD_DIR = process.env.RIGHTMOMENT_BUILD_DIR || path.join(SOURCE_DIR, "build");
export const LINK_SECRET = "browser-test-secret-0123456789";

// Starts rightmoment-host in serve mode with a pop-up and an admin listener; resolves once it
// printed every address. `agents` get a signed link each; `history` is the demo history (true), none
// (false) or a history file to import.
export async function startHost({ agents = ["agent-ruth"], supervisors = [], extraConfig = {}, store = null, name = "browser-test", history = true, popupExtra = {} } = {}) {
  const dir = mkdtempSync(path.join(process.env.RIGHTMOMENT_TEST_TMP || os.tmpdir(), "rm-browser-"));
  const db = path.join(dir, "store.db");
  const config = {
    instance_name: name,
    log: { level: "info" },
    history: { store: store || `sqlite:${db}`, default_region: "US" },
    rules: {
      files: [path.join(SOURCE_DIR, "config/rules/default.rules.jsonc")],
      lexicons: path.join(SOURCE_DIR, "config/lexicons"),
    },
    listeners: [{ name: "generic", adapter: "generic", address: "127.0.0.1", port: 0, path: "/events", auth: { mode: "none" } }],
    popup: { address: "127.0.0.1", port: 0, link_secret: LINK_SECRET, snooze_s: 5, ...popupExtra },
    admin: { address: "127.0.0.1", port: 0 },
    ...extraConfig,
  };
  const configPath = path.join(dir, "rightmoment.json");
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const args = ["--config", configPath];
  if (history) args.push("--history", typeof history === "string" ? history : path.join(SOURCE_DIR, "config/demo/history.jsonl"));
  for (const a of agents) args.push("--agent-link", a);
  for (const s of supervisors) args.push("--supervisor-link", s);
  const child = spawn(path.join(BUILD_DIR, "sdk/host/rightmoment-host"), args, { stdio: ["ignore", "pipe", "pipe"] });
  const host = { child, dir, db, prompts: [], links: {}, supervisorLinks: {}, stderr: "" };
  child.stdout.setEncoding("utf8");
  let partial = "";
  child.stdout.on("data", (chunk) => {
    partial += chunk;
    const lines = partial.split("\n");
    partial = lines.pop();
    for (const l of lines) if (l.trim()) host.prompts.push(JSON.parse(l));
  });
  child.stderr.setEncoding("utf8");
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`host did not start:\n${host.stderr}`)), 20000);
    child.on("exit", (code) => reject(new Error(`host exited with ${code}:\n${host.stderr}`)));
    child.stderr.on("data", (chunk) => {
      host.stderr += chunk;
      for (const line of host.stderr.split("\n")) {
        let m;
        if ((m = line.match(/^listening generic (\S+)$/))) host.events = m[1];
        if ((m = line.match(/^admin (\S+)$/))) host.admin = m[1];
        if ((m = line.match(/^popup (\S+) (\S+)$/))) host.links[m[1]] = m[2];
        if ((m = line.match(/^supervisor (\S+) (\S+)$/))) host.supervisorLinks[m[1]] = m[2];
      }
      if (host.events && host.admin && agents.every((a) => host.links[a]) && supervisors.every((s) => host.supervisorLinks[s])) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  host.popupOrigin = new URL(host.links[agents[0]]).origin;
  return host;
}

// SIGTERM and wait for a clean exit (the outcome record is flushed by then).
export async function stopHost(host) {
  if (host.child.exitCode !== null || host.child.signalCode !== null) return host.child.exitCode;  // gone already (killed)
  const exited = new Promise((resolve) => host.child.on("exit", (code) => resolve(code)));
  host.child.kill("SIGTERM");
  return exited;
}

export function sql(db, query) {
  return execFileSync("sqlite3", ["-json", db, query], { encoding: "utf8" }).trim();
}

// A platform sending canonical events over the generic listener.
export async function openEventStream(url) {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  let n = 0;
  return {
    send(events) {
      for (const e of events) ws.send(JSON.stringify(e));
    },
    // Resolves once everything sent so far is processed and its prompts delivered.
    sync() {
      const id = `sync-${++n}`;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no control.synced")), 20000);
        const onMessage = (data) => {
          const m = JSON.parse(data.toString());
          if (m.type === "control.synced" && m.sync_id === id) {
            clearTimeout(timer);
            ws.off("message", onMessage);
            resolve();
          }
        };
        ws.on("message", onMessage);
        ws.send(JSON.stringify({ type: "control.sync", sync_id: id }));
      });
    },
    close() { ws.close(); },
  };
}

// A TCP proxy in front of the pop-up, so that a test can cut the network under a live page.
export async function startProxy(targetUrl) {
  const target = new URL(targetUrl);
  const sockets = new Set();
  let down = false;
  const server = net.createServer((client) => {
    if (down) return client.destroy();
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {});
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    cut() {
      down = true;
      for (const s of sockets) s.destroy();
    },
    restore() { down = false; },
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

// A link signed with the test's secret, for links the host would never mint (expired ones).
export function signedLink(origin, agent, exp, secret = LINK_SECRET) {
  const sig = createHmac("sha256", secret).update(`${agent}|${exp}`).digest("hex");
  return `${origin}/agent?agent=${encodeURIComponent(agent)}&exp=${exp}&sig=${sig}`;
}

export function demoEvents(interactionId) {
  return execFileSync("grep", [`"interaction_id":"${interactionId}"`, path.join(SOURCE_DIR, "config/demo/events.jsonl")], { encoding: "utf8" })
    .trim().split("\n").map((l) => JSON.parse(l));
}
