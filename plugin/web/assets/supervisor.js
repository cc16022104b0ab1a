// RightMoment supervisor page: live calls of every host, filters by queue and team, and the alert
// strip. Everything arrives over one WebSocket; the page reconnects with backoff and gets a snapshot.
(() => {
  "use strict";
  const calls = new Map();   // interaction_id -> summary
  const alerts = new Map();  // interaction_id + kind -> alert
  let teams = [];
  let retryMs = 500;
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    for (const c of children) e.append(c);
    return e;
  }
  // On the call's own event time (its latest event), so a replayed day reads as it did live.
  function duration(s) {
    const secs = Math.floor(Math.max(0, (s.last_event_ms || 0) - (s.started_at_ms || 0)) / 1000);
    return `${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, "0")}`;
  }
  function trend(points) {
    const span = el("span", { class: "trend" });
    const bars = "▁▂▃▄▅▆▇█";
    for (let i = 0; i < points.length; i++) {
      const v = points[i];
      const b = el("span", { class: v < -0.2 ? "down" : v > 0.2 ? "up" : "" }, bars[Math.max(0, Math.min(7, Math.round((v + 1) * 3.5)))]);
      span.append(b);
    }
    if (!points.length) span.append("–");
    span.setAttribute("aria-label", points.length ? `sentiment ${points.map((p) => p.toFixed(2)).join(", ")}` : "no sentiment yet");
    return span;
  }
  function fillSelect(select, values) {
    const keep = select.value;
    while (select.options.length > 1) select.remove(1);
    for (const v of [...values].sort()) select.add(new Option(v, v));
    select.value = [...values].includes(keep) ? keep : "";
  }
  function render() {
    const q = $("queue").value;
    const t = $("team").value;
    fillSelect($("queue"), new Set([...calls.values()].map((c) => c.queue).filter(Boolean)));
    fillSelect($("team"), new Set([...teams, ...[...calls.values()].map((c) => c.team).filter(Boolean)]));
    $("queue").value = q && [...$("queue").options].some((o) => o.value === q) ? q : "";
    $("team").value = t && [...$("team").options].some((o) => o.value === t) ? t : "";
    const body = $("calls");
    body.replaceChildren();
    const shown = [...calls.values()]
      .filter((c) => (!$("queue").value || c.queue === $("queue").value) && (!$("team").value || c.team === $("team").value))
      .sort((a, b) => (a.started_at_ms - b.started_at_ms) || a.interaction_id.localeCompare(b.interaction_id));
    for (const c of shown) {
      const prompts = el("ul", { class: "prompts" });
      for (const p of c.prompts || []) {
        const answer = p.answer ? ` (${p.answer})` : " (no answer yet)";
        prompts.append(el("li", { "data-kind": p.kind, "data-rule": p.rule_id }, p.kind === "guardrail" ? `Private coaching: ${p.title}` : p.title,
          el("span", { class: "answer" }, answer)));
      }
      body.append(el("tr", { "data-interaction": c.interaction_id, "data-attention": String((c.attention || []).length > 0) },
        el("td", {}, c.queue || "–"), el("td", {}, c.team || "–"), el("td", {}, c.agent_id || "waiting"),
        el("td", {}, c.customer || "unknown caller"), el("td", { class: "duration" }, duration(c)), el("td", {}, trend(c.sentiment || [])),
        el("td", {}, prompts)));
    }
    $("empty").hidden = shown.length > 0;
    $("count").textContent = `${shown.length} of ${calls.size} live calls`;
    const list = $("alerts");
    list.replaceChildren();
    for (const a of alerts.values()) list.append(el("li", { "data-kind": a.kind, "data-interaction": a.interaction_id }, a.text));
    $("no-alerts").hidden = alerts.size > 0;
    document.body.dataset.calls = String(calls.size);
  }
  function onMessage(event) {
    let m;
    try { m = JSON.parse(event.data); } catch { return; }
    if (m.type === "snapshot") {
      teams = m.teams || [];
      calls.clear();
      alerts.clear();
      for (const c of m.interactions || []) calls.set(c.interaction_id, c);
      for (const a of m.alerts || []) alerts.set(`${a.interaction_id}|${a.kind}`, a);
    } else if (m.type === "interaction") {
      calls.set(m.interaction.interaction_id, m.interaction);
    } else if (m.type === "interaction.ended") {
      calls.delete(m.interaction_id);
      for (const k of [...alerts.keys()]) if (k.startsWith(`${m.interaction_id}|`)) alerts.delete(k);
    } else if (m.type === "alert") {
      alerts.set(`${m.alert.interaction_id}|${m.alert.kind}`, m.alert);
    } else {
      return;
    }
    render();
  }
  function setConnection(state, text) {
    $("connection").dataset.state = state;
    $("connection").textContent = text;
  }
  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(`${scheme}${location.host}/supervisor/ws${location.search}`);
    setConnection("connecting", "Connecting…");
    socket.addEventListener("open", () => {
      retryMs = 500;
      setConnection("open", "Connected");
      document.body.dataset.connected = "true";
    });
    socket.addEventListener("message", onMessage);
    socket.addEventListener("close", () => {
      document.body.dataset.connected = "false";
      setConnection("closed", "Reconnecting…");
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 10000);
    });
  }
  $("queue").addEventListener("change", render);
  $("team").addEventListener("change", render);
  $("filters").addEventListener("submit", (e) => e.preventDefault());
  connect();
})();
