#!/usr/bin/env python3
"""Prints the results table of .ci/bench from the files it wrote in OUT_DIR: the micro-benchmarks'
Google Benchmark JSON, the screen-pop lookup line, and the load generator's JSON lines. Figures are
compared with the targets of docs/performance.md and printed; nothing here ever fails on a figure."""
import json
import os
import re
import sys

out = sys.argv[1]


def micro(name):
    path = os.path.join(out, name + ".json")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        data = json.load(f)
    return {b["name"]: b for b in data.get("benchmarks", [])}


def ns(b, per_item=False):
    if not b:
        return None
    if per_item and b.get("items_per_second"):
        return 1e9 / b["items_per_second"]
    scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")]
    return b["cpu_time"] * scale


def us(v, digits=1):
    return "-" if v is None else f"{v / 1000:.{digits}f} us"


loadgen = []
lg_path = os.path.join(out, "loadgen.jsonl")
if os.path.exists(lg_path):
    with open(lg_path) as f:
        loadgen = [json.loads(line) for line in f if line.strip()]
rate_run = next((r for r in loadgen if r["rate"] != "max"), None)
max_run = next((r for r in loadgen if r["rate"] == "max"), None)

hist = None
hist_path = os.path.join(out, "history_lookup.txt")
if os.path.exists(hist_path):
    m = re.search(r"(\d+) customers.*p50 (\d+) us, p99 (\d+) us, p99.9 (\d+) us, max (\d+) us", open(hist_path).read())
    if m:
        hist = [int(x) for x in m.groups()]

rows = []  # (what, figure, target, met)


def add(what, figure, target="", met=None):
    rows.append((what, figure, target, "" if met is None else ("yes" if met else "NO")))


u = micro("utterance")
p = micro("parse_adapt")
r = micro("rule_eval")
add("parse + adapt one canonical event (generic adapter), CPU", us(ns(p.get("BM_GenericAdapter")), 2))
for vendor in ("genesys_audiohook", "twilio_media_streams", "amazon_connect", "genesys_notifications"):
    b = p.get("BM_VendorSession/" + vendor)
    add(f"parse + adapt one {vendor} message, CPU", us(ns(b, per_item=True), 2))
add("all detectors on one utterance, CPU", us(ns(u.get("BM_AnalyzeUtterance")), 2))
for i, what in enumerate(["nothing fires", "churn fires", "blame fires", "agent, nothing fires"]):
    add(f"rule evaluation for one event ({what}), CPU", us(ns(r.get(f"BM_RuleEvaluationOneEvent/{i}")), 2))
add("detectors + rules for one utterance, CPU", us(ns(u.get("BM_UtteranceThroughDetectorsAndRules")), 2), "< 20 us",
    ns(u.get("BM_UtteranceThroughDetectorsAndRules")) is not None and ns(u.get("BM_UtteranceThroughDetectorsAndRules")) < 20e3)
if hist:
    add(f"warm screen-pop lookup, {hist[0]:,} customers in SQLite: p50 / p99 / p99.9 / max",
        f"{hist[1]} / {hist[2]} / {hist[3]} / {hist[4]} us", "p99 <= 5 ms", hist[2] <= 5000)

if rate_run:
    rm, sink = rate_run["plugin"], rate_run["sink"]
    n, rate = rate_run["interactions"], rate_run["rate"]
    l = rm["latency"]
    add(f"event -> prompt in host callback, {n} interactions at {rate:g} events/s: p50 / p99 / p99.9 / max",
        f"{l['p50_us']:.0f} / {l['p99_us']:.0f} / {l['p999_us']:.0f} / {l['max_us']:.0f} us", "p99 <= 1 ms",
        l["p99_us"] <= 1000)
    sl = sink["latency"]
    add("  the same load, bare sink (event -> read): p50 / p99 / p99.9 / max",
        f"{sl['p50_us']:.0f} / {sl['p99_us']:.0f} / {sl['p999_us']:.0f} / {sl['max_us']:.0f} us")
    sp = rm["screen_pop"]
    add(f"screen pop (agent.joined -> callback), {rate_run['customers']:,} customers: p50 / p99 / p99.9 / max",
        f"{sp['p50_us']:.0f} / {sp['p99_us']:.0f} / {sp['p999_us']:.0f} / {sp['max_us']:.0f} us", "p99 <= 5 ms",
        sp["p99_us"] <= 5000)
    add("events/s received (offered load)", f"{rm['events_per_s']:.0f} (sink {sink['events_per_s']:.0f})")
    add("plugin CPU at that load", f"{rm['server_cpu_cores']:.2f} cores, {rm['server_cpu_us_per_event']:.1f} us/event")
    own = rm["rss_per_interaction_kib"] - sink["rss_per_interaction_kib"]
    add("resident memory per active interaction, RightMoment's own (over a bare WebSocket server's)", f"{own:.1f} KiB",
        "<= 32 KiB", own <= 32)
    add("  the same with both ends of its connection (client + server)",
        f"{rm['rss_per_interaction_kib']:.1f} KiB (sink run {sink['rss_per_interaction_kib']:.1f} KiB)")
if max_run:
    rm, sink = max_run["plugin"], max_run["sink"]
    add(f"sustained events/s, {max_run['interactions']} interactions, as fast as accepted", f"{rm['events_per_s']:,.0f}",
        ">= 50,000", rm["events_per_s"] >= 50000)
    add("  bare sink, same client", f"{sink['events_per_s']:,.0f}")
    ratio = max_run["throughput_ratio"]
    add("throughput as a share of the bare sink's", f"{100 * ratio:.1f} %", ">= 50 %", ratio >= 0.5)

w = max(len(x[0]) for x in rows)
fw = max(len(x[1]) for x in rows)
print()
print(f"| {'figure':<{w}} | {'measured':<{fw}} | {'target':<12} | met |")
print(f"|{'-' * (w + 2)}|{'-' * (fw + 2)}|{'-' * 14}|-----|")
for what, fig, target, met in rows:
    print(f"| {what:<{w}} | {fig:<{fw}} | {target:<12} | {met:<3} |")
loads = [f"{r['load_average_after']} after the {'max' if r['rate'] == 'max' else 'rate'} run" for r in loadgen if r.get("load_average_after")]
if loads:
    print(f"\nload average (1, 5, 15 min): {'; '.join(loads)}. Wall-clock figures include whatever else ran on the machine.")
