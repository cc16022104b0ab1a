// Real parts for the multi-host test: a PostgreSQL server in a temporary folder (as
// tests/support/postgres_server.hpp starts one) and HAProxy (Debian's package) in front of the hosts,
// with a configuration generated on free loopback ports.
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { existsSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function pgBin() {
  for (let v = 17; v >= 12; v--) if (existsSync(`/usr/lib/postgresql/${v}/bin/pg_ctl`)) return `/usr/lib/postgresql/${v}/bin`;
  return null;
}

// PostgreSQL refuses to run as root: then it runs as the `postgres` system user.
// Its folder is under /tmp, not $RIGHTMOMENT_TEST_TMP: that one is private to root (mktemp -d), and
// the `postgres` user could not reach into it.
export async function startPostgres() {
  const bin = pgBin();
  if (!bin) throw new Error("PostgreSQL is not installed (.ci/setup installs it)");
  const dir = mkdtempSync(path.join(os.tmpdir(), "rm-pg-"));
  chmodSync(dir, 0o777);
  const port = await freePort();
  const asUser = process.getuid && process.getuid() === 0 ? ["runuser", "-u", "postgres", "--"] : [];
  const run = (args) => execFileSync(asUser.length ? asUser[0] : args[0], asUser.length ? [...asUser.slice(1), ...args] : args.slice(1), { stdio: "ignore" });
  run([`${bin}/initdb`, "-D", `${dir}/data`, "-A", "trust", "-U", "rm", "--no-sync"]);
  run([`${bin}/pg_ctl`, "-D", `${dir}/data`, "-l", `${dir}/server.log`, "-w", "-t", "60", "-o",
       `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`, "start"]);
  return {
    url: `postgresql://rm@127.0.0.1:${port}/postgres?connect_timeout=5`,
    stop() {
      try { run([`${bin}/pg_ctl`, "-D", `${dir}/data`, "-m", "immediate", "-w", "stop"]); } catch { /* already down */ }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// HAProxy in TCP mode: connection-level balancing (each platform stream and each page's WebSocket
// stays on one host for its lifetime), round robin, a host that stops answering taken out within a
// second and its connections sent to the others.
export async function startBalancer(frontends) {
  const dir = mkdtempSync(path.join(process.env.RIGHTMOMENT_TEST_TMP || os.tmpdir(), "rm-haproxy-"));
  const lines = [
    "global", "  maxconn 2000",
    "defaults", "  mode tcp", "  balance roundrobin", "  option redispatch", "  retries 3",
    "  timeout connect 1s", "  timeout client 1h", "  timeout server 1h", "  timeout check 500ms",
    "  default-server inter 300ms fall 1 rise 2",
  ];
  const out = {};
  for (const [name, backends] of Object.entries(frontends)) {
    const port = await freePort();
    out[name] = port;
    lines.push(`frontend ${name}`, `  bind 127.0.0.1:${port}`, `  default_backend ${name}_hosts`, `backend ${name}_hosts`);
    backends.forEach((b, i) => lines.push(`  server host${i + 1} ${b} check`));
  }
  const config = path.join(dir, "haproxy.cfg");
  writeFileSync(config, lines.join("\n") + "\n");
  execFileSync("haproxy", ["-c", "-q", "-f", config]);  // a bad configuration is a clear error here
  const child = spawn("haproxy", ["-db", "-f", config], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (c) => { stderr += c; });
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(Object.values(out)[0], "127.0.0.1", () => { s.destroy(); resolve(true); });
      s.on("error", () => resolve(false));
    });
    if (ok) break;
    if (child.exitCode !== null) throw new Error(`haproxy exited: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    ports: out,
    config: lines.join("\n"),
    stop() {
      child.kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// The host's status JSON from its admin endpoint.
export async function status(host) {
  const r = await fetch(`${host.admin}/status`);
  return r.json();
}
