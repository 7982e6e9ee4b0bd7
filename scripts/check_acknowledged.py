#!/usr/bin/env python3
"""After a crash test: every call the load driver had acknowledged (its --ack-log) must be on
record, every decision's hash chain must verify, and every decision must stand in a state its
events explain. Prints the counts; exits 1 on the first kind of failure it finds."""

import argparse
import json
import sys
import urllib.error
import urllib.request

# The event each acknowledged step leaves.
STEP_EVENTS = {
    "open": "decision_opened",
    "evaluate": "policy_eval",
    "write": "write",
    "commit": "decision_committed",
}
# What a decision's status says its events must show.
STATUS_EVENTS = {
    "committed": "decision_committed",
    "aborted": "decision_aborted",
}


def get(base, token, path):
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as reply:
        return json.load(reply)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--acks", required=True)
    args = parser.parse_args()
    base = args.url.rstrip("/") + "/api/v1/admin/decisions"

    acknowledged = {}
    calls = 0
    with open(args.acks) as log:
        for line in log:
            decision, step = line.split()
            acknowledged.setdefault(decision, set()).add(step)
            calls += 1

    # Every decision with its events, in one streamed export.
    decisions = {}
    request = urllib.request.Request(base + "/export", headers={"Authorization": f"Bearer {args.token}"})
    with urllib.request.urlopen(request, timeout=600) as export:
        for line in export:
            if line.strip():
                record = json.loads(line)
                decisions[record["decision"]["id"]] = record

    failures = []
    for decision, steps in acknowledged.items():
        record = decisions.get(decision)
        if record is None:
            failures.append(f"{decision}: acknowledged {sorted(steps)} but not on record")
            continue
        kinds = {event["kind"] for event in record["events"]}
        for step in steps:
            if STEP_EVENTS[step] not in kinds:
                failures.append(f"{decision}: acknowledged {step} but no {STEP_EVENTS[step]} event")
        if "commit" in steps and record["decision"]["status"] != "committed":
            failures.append(f"{decision}: commit acknowledged, status {record['decision']['status']}")

    for decision, record in decisions.items():
        verification = get(base, args.token, f"/{decision}/verify")
        if not verification["intact"]:
            failures.append(f"{decision}: chain broken at {verification['first_break']}")
        needed = STATUS_EVENTS.get(record["decision"]["status"])
        if needed and needed not in {event["kind"] for event in record["events"]}:
            failures.append(f"{decision}: status {record['decision']['status']} without a {needed} event")
    checked = len(decisions)

    print(f"acknowledged calls: {calls} over {len(acknowledged)} decisions; "
          f"decisions checked: {checked}; failures: {len(failures)}")
    for failure in failures[:20]:
        print("  " + failure)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
