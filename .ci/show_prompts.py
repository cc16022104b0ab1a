#!/usr/bin/env python3
"""Shows the prompts printed by rightmoment-host (one JSON object a line) as readable cards."""
import json
import sys

ICON = {"screen_pop": "SCREEN POP", "opportunity": "OPPORTUNITY", "guardrail": "GUARDRAIL (private)"}

count = 0
for raw in sys.stdin:
    raw = raw.strip()
    if not raw:
        continue
    try:
        p = json.loads(raw)
    except ValueError:
        print(raw)
        continue
    count += 1
    tag = ICON.get(p.get("kind"), p.get("kind", "?"))
    if p.get("handover"):
        tag += ", handed over"
    print(f"[{p.get('event_time', '')[11:19]}] {p.get('interaction_id')} -> {p.get('agent_id')}  {tag}  ({p.get('rule_id')})")
    print(f"    {p.get('title', '')}")
    body = p.get("body", "")
    if body:
        print(f"    {body}")
    print()
print(f"{count} prompts")
