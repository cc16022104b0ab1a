// RightMoment agent pop-up. Served by the plugin itself (no CDN, no framework). It opens a WebSocket
// with the page's own signed link, shows the cards for this agent, and sends the agent's answers
// back as prompt.feedback. A reconnecting page gets a snapshot of every active card first, so a
// network blip loses nothing. All text goes through textContent: nothing from a prompt is ever HTML.
"use strict";

(function () {
  const cardsEl = document.getElementById("cards");
  const connectionEl = document.getElementById("connection");
  const announcer = document.getElementById("announcer");

  const cards = new Map(); // prompt_id -> {prompt, el, snoozedUntil, answered}
  let selected = null;     // prompt_id of the selected card
  let socket = null;
  let retryMs = 500;
  let serverOffsetMs = 0;  // server wall clock minus ours, for snooze deadlines
  let snoozeTimer = null;
  let pending = [];         // answers waiting for the connection to come back

  const KIND_LABEL = {
    screen_pop: "Caller",
    opportunity: "Opportunity",
    guardrail: "Private coaching: only you see this",
  };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v);
    }
    for (const c of children) if (c) node.append(c);
    return node;
  }

  function setConnection(state, text) {
    connectionEl.dataset.state = state;
    connectionEl.textContent = text;
  }

  function announce(text) {
    // Clearing first makes screen readers read a repeated message again.
    announcer.textContent = "";
    window.setTimeout(() => { announcer.textContent = text; }, 50);
  }

  function shortDate(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return iso;
    return d.toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" });
  }

  function customerSection(c) {
    const wrap = el("div", { class: "customer" });
    if (!c) return wrap;
    if (c.customer_id === null || c.customer_id === undefined) {
      const text = c.candidates > 0
        ? `Not identified: ${c.candidates} customers share this number or address. Confirm who is calling.`
        : "Not identified: no customer matches. Confirm who is calling.";
      wrap.append(el("p", { text }));
      if (c.history_unavailable) wrap.append(el("p", { class: "status-line", text: "History was not available in time." }));
      return wrap;
    }
    const facts = el("ul", { class: "facts" });
    const fact = (label, value) => {
      if (value === undefined || value === null || value === "") return;
      const li = el("li");
      li.append(el("strong", { text: label + ": " }), document.createTextNode(String(value)));
      facts.append(li);
    };
    fact("Name", c.name);
    fact("Tier", c.tier);
    if (c.tenure_years !== undefined && c.tenure_years !== null) fact("Customer for", `${c.tenure_years} years`);
    wrap.append(facts);

    const history = el("div", { class: "history" });
    const list = (title, items, render) => {
      if (!Array.isArray(items) || items.length === 0) return;
      history.append(el("h3", { text: title }));
      const ul = el("ul");
      for (const item of items) ul.append(render(item));
      history.append(ul);
    };
    list("Recent contacts", c.recent_contacts, (x) => el("li", {
      text: `${shortDate(x.started_at)} · ${x.channel || ""} · ${x.reason || ""}` +
            (x.resolved === false ? " · not resolved" : "") + (x.summary ? ` · ${x.summary}` : ""),
    }));
    list("Open cases", c.open_cases, (x) => el("li", {
      text: `${x.subject || x.case_id} (${x.status || "open"}, opened ${shortDate(x.opened_at)})`,
    }));
    list("Public feedback", c.feedback, (x) => {
      const li = el("li");
      const where = [x.platform || x.source, x.kind].filter(Boolean).join(" ");
      const rating = x.rating !== undefined && x.rating !== null ? ` · ${x.rating}★` : "";
      li.append(document.createTextNode(`${shortDate(x.posted_at)} · ${where}${rating} · “${x.text || ""}”`));
      if (x.responded === false) li.append(el("span", { class: "unanswered", text: "Unanswered" }));
      else li.append(el("span", { class: "answered-tag", text: "(answered)" }));
      return li;
    });
    wrap.append(history);
    return wrap;
  }

  function renderCard(entry) {
    const p = entry.prompt;
    const titleId = `t-${p.prompt_id}`;
    const card = el("article", {
      class: `card kind-${p.kind}`,
      tabindex: "0",
      "aria-labelledby": titleId,
      "data-prompt-id": p.prompt_id,
      "data-kind": p.kind,
      "data-rule-id": p.rule_id,
    });
    card.append(el("span", { class: "label", text: KIND_LABEL[p.kind] || p.kind }));
    card.append(el("h2", { id: titleId, text: p.title || "" }));
    if (p.body) card.append(el("p", { class: "body", text: p.body }));
    if (p.kind === "screen_pop") card.append(customerSection(p.customer));
    if (Array.isArray(p.evidence) && p.evidence.length) {
      const why = el("details", { class: "why" });
      why.append(el("summary", { text: "Why am I seeing this?" }));
      const ul = el("ul");
      for (const e of p.evidence) ul.append(el("li", { text: `${e.text || ""} (${e.kind || ""} ${e.ref || ""})` }));
      why.append(ul);
      card.append(why);
    }
    const actions = el("div", { class: "actions", role: "group", "aria-label": "Answer this prompt" });
    const button = (label, action, primary) => {
      const b = el("button", { type: "button", class: primary ? "primary" : "", "data-action": action, text: label });
      b.addEventListener("click", () => answer(p.prompt_id, action));
      return b;
    };
    actions.append(button("Accept (A)", "accepted", true), button("Dismiss (D)", "dismissed"), button("Snooze (S)", "snoozed"));
    card.append(actions);
    card.append(el("p", { class: "status-line", "aria-live": "polite" }));
    card.addEventListener("focus", () => select(p.prompt_id, false));
    return card;
  }

  // Screen pops first (the caller), then the rest by priority, newest first among equals.
  function ordered() {
    const visible = [...cards.values()].filter((c) => !isSnoozed(c));
    return visible.sort((a, b) => {
      const pa = a.prompt.kind === "screen_pop" ? 1 : 0, pb = b.prompt.kind === "screen_pop" ? 1 : 0;
      if (pa !== pb) return pb - pa;
      if ((b.prompt.priority || 0) !== (a.prompt.priority || 0)) return (b.prompt.priority || 0) - (a.prompt.priority || 0);
      return b.seq - a.seq;
    });
  }

  function isSnoozed(c) { return c.snoozedUntil && c.snoozedUntil > Date.now() + serverOffsetMs; }

  let seq = 0;
  function layout() {
    const list = ordered();
    const hadFocus = cardsEl.contains(document.activeElement);
    cardsEl.replaceChildren(...list.map((c) => c.el));
    if (!list.some((c) => c.prompt.prompt_id === selected)) selected = list.length ? list[0].prompt.prompt_id : null;
    for (const c of list) c.el.setAttribute("aria-current", String(c.prompt.prompt_id === selected));
    if (hadFocus && selected) cards.get(selected).el.focus({ preventScroll: false });
    scheduleSnoozeWake();
  }

  function scheduleSnoozeWake() {
    if (snoozeTimer) window.clearTimeout(snoozeTimer);
    const now = Date.now() + serverOffsetMs;
    const next = [...cards.values()].filter((c) => c.snoozedUntil > now).map((c) => c.snoozedUntil).sort((a, b) => a - b)[0];
    if (next) snoozeTimer = window.setTimeout(layout, Math.min(next - now + 50, 2 ** 31 - 1));
  }

  function addCard(prompt, snoozedUntil, quiet) {
    const existing = cards.get(prompt.prompt_id);
    const entry = { prompt, snoozedUntil: snoozedUntil || 0, seq: ++seq };
    entry.el = renderCard(entry);
    cards.set(prompt.prompt_id, entry);
    if (!existing && !quiet) {
      const what = prompt.kind === "guardrail" ? "Private coaching" : prompt.kind === "screen_pop" ? "Caller" : "New prompt";
      announce(`${what}: ${prompt.title || ""}`);
    }
  }

  function removeWhere(test) {
    for (const [id, c] of cards) if (test(c)) cards.delete(id);
  }

  function select(promptId, focus) {
    selected = promptId;
    for (const c of cards.values()) c.el.setAttribute("aria-current", String(c.prompt.prompt_id === selected));
    if (focus && selected) cards.get(selected).el.focus();
  }

  function answer(promptId, action) {
    const c = cards.get(promptId);
    if (!c || c.answered) return;
    c.answered = action;
    const line = c.el.querySelector(".status-line");
    line.textContent = action === "snoozed" ? "Snoozing…" : action === "accepted" ? "Accepted" : "Dismissed";
    for (const b of c.el.querySelectorAll("button")) b.disabled = true;
    const message = JSON.stringify({ type: "prompt.feedback", prompt_id: promptId, action });
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(message);
    else pending.push(message);
  }

  function onMessage(event) {
    let m;
    try { m = JSON.parse(event.data); } catch { return; }
    switch (m.type) {
      case "snapshot": {
        serverOffsetMs = (m.server_time_ms || Date.now()) - Date.now();
        const before = new Set(cards.keys());
        cards.clear();
        for (const c of m.cards || []) addCard(c.prompt, c.snoozed_until_ms, before.has(c.prompt.prompt_id));
        layout();
        break;
      }
      case "prompt":
        addCard(m.prompt, m.snoozed_until_ms, false);
        layout();
        break;
      case "interaction.ended":
        removeWhere((c) => c.prompt.interaction_id === m.interaction_id);
        layout();
        break;
      case "card.updated": {
        const c = cards.get(m.prompt_id);
        if (!c) break;
        if (m.action === "snoozed") {
          c.snoozedUntil = m.snoozed_until_ms;
          c.answered = null;
          c.el = renderCard(c);
        } else {
          cards.delete(m.prompt_id);
        }
        layout();
        break;
      }
      case "error": {
        const c = m.prompt_id && cards.get(m.prompt_id);
        if (c) {
          c.answered = null;
          c.el.querySelector(".status-line").textContent = `Not recorded: ${m.message}`;
          for (const b of c.el.querySelectorAll("button")) b.disabled = false;
        }
        break;
      }
      default:
        break;
    }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(`${scheme}${location.host}/agent/ws${location.search}`);
    setConnection("connecting", "Connecting…");
    socket.addEventListener("open", () => {
      retryMs = 500;
      setConnection("open", "Connected");
      document.body.dataset.connected = "true";
      for (const m of pending) socket.send(m);
      pending = [];
    });
    socket.addEventListener("message", onMessage);
    socket.addEventListener("close", () => {
      document.body.dataset.connected = "false";
      setConnection("closed", "Reconnecting…");
      window.setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 10000);
    });
  }

  document.addEventListener("keydown", (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const list = ordered();
    if (!list.length) return;
    const index = Math.max(0, list.findIndex((c) => c.prompt.prompt_id === selected));
    const key = e.key.toLowerCase();
    const current = list[index].prompt.prompt_id;
    if (key === "a") answer(current, "accepted");
    else if (key === "d") answer(current, "dismissed");
    else if (key === "s") answer(current, "snoozed");
    else if (key === "w") {
      const why = list[index].el.querySelector("details.why");
      if (why) why.open = !why.open;
    } else if (key === "j" || key === "arrowdown") select(list[Math.min(index + 1, list.length - 1)].prompt.prompt_id, true);
    else if (key === "k" || key === "arrowup") select(list[Math.max(index - 1, 0)].prompt.prompt_id, true);
    else return;
    e.preventDefault();
  });

  connect();
})();
