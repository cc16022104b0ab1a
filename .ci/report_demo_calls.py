#!/usr/bin/env python3
"""Generates scripted calls (canonical events, one JSON object a line) for the effectiveness report's
demo: customers from a history file (rightmoment-history generate), openings that fire the live rules
(frustration, churn intent, a life event, a public-feedback threat), agents who sometimes blame or
threaten, holds long enough for the long-hold prompt, and the platform's sentiment on every customer
utterance. The customer's words are scripted, so they cannot react to a prompt: replayed with a
holdout, the report must find no difference (an A/A test of the report itself).

usage: report_demo_calls.py HISTORY.jsonl OUT.jsonl [--calls N] [--seed S]
"""
import argparse
import datetime
import json
import random

OPENINGS = [
    # (share, texts, mean sentiment)
    (0.25, ["Nobody turned up again yesterday. Honestly I'm sick and tired of taking days off for this.",
            "This is the third time I've called about this and I'm fed up."], -0.6),
    (0.10, ["I'm seriously looking at other broadband companies at this point.",
            "I want to cancel my contract and switch to another provider."], -0.4),
    (0.05, ["Hi! We finally got the keys to our new house last week, so I need the broadband moved over.",
            "Hi, I'm after a family plan. We're expecting twins in March so we need more lines!"], 0.5),
    (0.04, ["If nobody fixes this today I'm telling every one of my followers how you treat customers."], -0.7),
    (0.56, ["Hi, I'm calling about my bill.", "Hello, I'd like to check my data allowance.",
            "Hi there, I need to update my payment details."], 0.0),
]
AGENT_REPLIES = [
    (0.05, "Well, the engineer did call; you should have kept your phone on."),
    (0.01, "You'll need to delete that post, or our legal department will have to get involved."),
    (0.94, "Let me look into that for you."),
]


def pick(rng, weighted):
    x, acc = rng.random(), 0.0
    for entry in weighted:
        acc += entry[0]
        if x < acc:
            return entry
    return weighted[-1]


def clamp(v):
    return max(-1.0, min(1.0, v))


def ts(t):
    return datetime.datetime.fromtimestamp(t, tz=datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("history")
    ap.add_argument("out")
    ap.add_argument("--calls", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--start", default="2026-11-22T08:00:00Z")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    phones = []
    with open(a.history) as f:
        for line in f:
            r = json.loads(line)
            if r.get("record") == "identity" and r.get("kind") == "phone":
                phones.append(r["value"])
    start = datetime.datetime.fromisoformat(a.start.replace("Z", "+00:00")).timestamp()
    events = []
    for i in range(a.calls):
        iid = "rd-%05d" % (i + 1)
        n = [0]

        def ev(t, type_, **fields):
            n[0] += 1
            e = {"event_id": "%s-%d" % (iid, n[0]), "type": type_, "interaction_id": iid, "ts": ts(t)}
            e.update(fields)
            events.append((t, i, n[0], e))

        t0 = start + i * 30
        phone = rng.choice(phones) if phones and rng.random() < 0.85 else "+1 202 555 %04d" % rng.randrange(10000)
        ev(t0, "interaction.started", channel="voice", direction="inbound", queue="support", customer={"phone": phone})
        agent = "agent-%02d" % rng.randrange(1, 26)
        ev(t0 + 8, "agent.joined", agent_id=agent, agent_name=agent)
        _, texts, mood = pick(rng, OPENINGS)
        opening = clamp(rng.gauss(mood, 0.2))
        ev(t0 + 20, "utterance", speaker="customer", text=rng.choice(texts), sentiment=round(opening, 3))
        ev(t0 + 40, "utterance", speaker="agent", text=pick(rng, AGENT_REPLIES)[1])
        t = t0 + 60
        if rng.random() < 0.2:
            hold = rng.uniform(30, 240)
            ev(t, "hold.started")
            ev(t + hold, "hold.ended")
            t += hold + 5
        ev(t + 15, "utterance", speaker="customer", text="Okay, I see.", sentiment=round(clamp(opening + rng.gauss(0.05, 0.2)), 3))
        end = t + rng.uniform(60, 240)
        closing = clamp(opening + rng.gauss(0.1, 0.3))
        ev(end - 10, "utterance", speaker="customer", text="Right, thanks.", sentiment=round(closing, 3))
        ev(end, "interaction.ended")
    events.sort(key=lambda x: (x[0], x[1], x[2]))
    with open(a.out, "w") as f:
        for _, _, _, e in events:
            f.write(json.dumps(e, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
