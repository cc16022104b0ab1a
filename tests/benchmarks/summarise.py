#!/usr/bin/env python3
"""Prints the results tables of .ci/bench from the files it wrote in OUT_DIR: the micro-benchmarks'
Google Benchmark JSON, the screen-pop lookup line, the load generator's JSON lines (loadgen.jsonl),
and the outside view's (outside.jsonl: the reference host and the bare sink as processes of their
own, quiet and busy). Figures are compared with the targets of docs/performance.md and issue 16, and
printed; nothing here ever fails on a figure."""
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

fan = micro("fanout").get("BM_CrossHostFanout/iterations:{}/manual_time".format(os.environ.get("RIGHTMOMENT_FANOUT_PROMPTS", "500")))
if fan:
    n = fan.get("iterations", 0)
    add(f"fan-out, prompt raised on one host -> card on another host's page (PostgreSQL bus), {n} prompts: p50 / p99",
        f"{fan['other_host_p50_ms']:.2f} / {fan['other_host_p99_ms']:.2f} ms", "p99 <= 5 ms", fan["other_host_p99_ms"] <= 5)
    add("  the same prompt on its own host's page: p50 / p99; p99 added by the fan-out",
        f"{fan['own_host_p50_ms']:.2f} / {fan['own_host_p99_ms']:.2f} ms; {fan['fanout_added_p99_ms']:.2f} ms")

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


# The outside view (issue 16): the reference host beside the bare sink, measured in the same run.
outside = []
outside_path = os.path.join(out, "outside.jsonl")
if os.path.exists(outside_path):
    with open(outside_path) as f:
        outside = [json.loads(line) for line in f if line.strip()]


def outside_run(condition, saturated):
    return next((r for r in outside if r.get("condition") == condition and (r["rate"] == "max") == saturated), None)


orows = []  # (what, host, sink, ratio, target, met)


def oadd(what, host, sink, ratio="", target="", met=None):
    orows.append((what, host, sink, ratio, target, "" if met is None else ("yes" if met else "NO")))


def ms(v):
    return f"{v / 1000:.2f} ms"


for condition in ("quiet", "busy"):
    run = outside_run(condition, False)
    if not run:
        continue
    h, k = run["host"], run["sink"]
    label = "quiet" if condition == "quiet" else "busy (stress-ng --cpu 1)"
    for what, key in (("live prompt", "latency"), ("screen pop", "screen_pop")):
        hp, sp = h[key]["p99_us"], k[key]["p99_us"]
        ratio = hp / sp if sp > 0 else None
        if condition == "quiet":
            target, met = "<= 2x sink", ratio is not None and ratio <= 2
        else:
            target, met = "<= 1 ms, 3x sink", ratio is not None and hp <= 1000 and ratio <= 3
        oadd(f"{what} p99, {label}", ms(hp), ms(sp), "-" if ratio is None else f"{ratio:.1f}x", target, met)
    e2p = h.get("plugin_metrics", {}).get("event_to_prompt_latency")
    if e2p:
        oadd(f"  inside the host: event -> prompt p99 (its own histogram, whole run), {condition}", ms(e2p.get("p99_us", 0)), "")
    if condition == "quiet":
        hc, sc = h["server_cpu_us_per_event"], k["server_cpu_us_per_event"]
        oadd(f"CPU per event at {h['events_per_s']:,.0f} events/s, quiet", f"{hc:.1f} us", f"{sc:.1f} us",
             f"{hc / sc:.1f}x" if sc > 0 else "-", "<= 20 us", hc <= 20)
        # Not the <= 32 KiB figure (RightMoment's own over a bare connection): the host's whole growth.
        oadd("growth of the server's RSS per active interaction, quiet", f"{h['rss_per_interaction_kib']:.1f} KiB",
             f"{k['rss_per_interaction_kib']:.1f} KiB")
for condition in ("quiet", "busy"):
    run = outside_run(condition, True)
    if not run:
        continue
    h, k = run["host"], run["sink"]
    ratio = run["throughput_ratio"]
    oadd(f"events/s at saturation, {condition}", f"{h['events_per_s']:,.0f}", f"{k['events_per_s']:,.0f}",
         f"{100 * ratio:.0f} %", ">= 50 % sink", ratio >= 0.5)
    hc, sc = h["server_cpu_us_per_event"], k["server_cpu_us_per_event"]
    oadd(f"CPU per event at saturation, {condition}", f"{hc:.1f} us", f"{sc:.1f} us", f"{hc / sc:.1f}x" if sc > 0 else "-")

if orows:
    first = outside[0]
    print(f"\nFrom outside: rightmoment-host (serve mode, example configuration, {first['customers']:,} customers) and the bare "
          f"sink, each a process of its own; {first['interactions']} interactions over {first['connections']} connections; "
          "prompts timed as read from the host's standard output")
    heads = ("figure", "host", "bare sink", "ratio", "target", "met")
    widths = [max(len(heads[i]), *(len(r[i]) for r in orows)) for i in range(6)]
    print("| " + " | ".join(f"{heads[i]:<{widths[i]}}" for i in range(6)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in orows:
        print("| " + " | ".join(f"{r[i]:<{widths[i]}}" for i in range(6)) + " |")
    loads = [f"{r['condition']} {'max' if r['rate'] == 'max' else 'rate'} run {r['load_average_before']} -> {r['load_average_after']}"
             for r in outside]
    print(f"\nload average (1, 5, 15 min) before -> after: {'; '.join(loads)}.")
