#!/usr/bin/env python3
"""Drives three Verdict servers that share one PostgreSQL (their URLs as arguments) and checks
what teams running several servers rely on:
- a decision opened on one server is continued on the others (agents spread round robin);
- an approval answered on one server wakes an agent waiting on another (the servers re-read
  waiting decisions only every 10 minutes here, so only PostgreSQL NOTIFY can wake it);
- every approval request is delivered to the route's webhook exactly once, although every
  server runs the delivery worker;
- every overdue request is expired exactly once, its decision aborted;
- a person signed in on one server is signed in on all.
Prints what it measured; exits 1 on the first failed check."""

import argparse
import http.server
import json
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter

deliveries = Counter()


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        deliveries[body["approval"]["id"]] += 1
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def call(base, method, path, bearer=None, body=None, cookie=None, form=None):
    headers = {"Origin": base}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if form is not None:
        data = form.encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    if cookie:
        headers["Cookie"] = cookie
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, json.loads(reply.read() or b"null"), reply.headers
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null"), error.headers


def check(condition, message):
    if not condition:
        print("FAILED: " + message)
        sys.exit(1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--admin-token", required=True)
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--decisions", type=int, default=30)
    parser.add_argument("servers", nargs=3)
    args = parser.parse_args()
    servers = [url.rstrip("/") for url in args.servers]
    admin = args.admin_token

    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{receiver.server_port}/hook"

    status, _, _ = call(servers[0], "POST", "/api/v1/admin/approval-routes", admin,
                        {"name": "support-managers", "integration": "webhook", "destination": hook})
    check(status == 201, f"defining the route answered {status}")
    policy = open("app/src/policies/templates/refund_limit.yaml").read()
    status, _, _ = call(servers[1], "POST", "/api/v1/admin/policies", admin, {"source_yaml": policy})
    check(status in (200, 201), f"publishing answered {status}")
    agents = []
    for n in range(3):
        status, created, _ = call(servers[n], "POST", "/api/v1/admin/agents", admin, {"name": f"multi-bot-{n}"})
        check(status == 201, f"creating an agent answered {status}")
        key = created["api_key"]
        status, _, _ = call(servers[(n + 1) % 3], "POST", f"/api/v1/admin/agents/{created['agent']['id']}/bindings",
                            admin, {"policy_id": "refund_limit"})
        check(status == 201, f"binding answered {status}")
        agents.append(key)

    # Decisions whose steps go round robin over the servers, each asking for an approval.
    approvals, expiring = [], []
    for n in range(args.decisions):
        key = agents[n % 3]
        at = lambda step: servers[(n + step) % 3]
        status, opened, _ = call(at(0), "POST", "/api/v1/decisions", key,
                                 {"intent": "billing.refund.create", "automation_mode": "autonomous"})
        check(status == 201, f"open answered {status}")
        decision = opened["decision_id"]
        status, evaluated, _ = call(at(1), "POST", f"/api/v1/decisions/{decision}/evaluate", key,
                                    {"inputs": {"amount": 950.0, "currency": "USD"}})
        check(status == 200 and evaluated["outcome"] == "requires_exception", f"evaluate answered {status}")
        expires = 2 if n % 5 == 0 else 3600
        status, asked, _ = call(at(2), "POST", f"/api/v1/decisions/{decision}/approvals", key,
                                {"title": f"Refund {n}", "message": "m", "expires_in_seconds": expires})
        check(status == 201, f"requesting approval answered {status}")
        (expiring if expires == 2 else approvals).append((decision, asked["approval_id"], key, n))
    print(f"{args.decisions} decisions, each continued on all three servers")

    # Deliveries: every request exactly once, although all three servers deliver (an overdue
    # one may expire before any server delivers it, so at most once).
    deadline = time.monotonic() + 30
    waiting = [approval for _, approval, _, _ in approvals]
    while time.monotonic() < deadline and any(deliveries[a] == 0 for a in waiting):
        time.sleep(0.5)
    time.sleep(3)
    check(all(deliveries[a] == 1 for a in waiting),
          f"deliveries per request: {sorted(Counter(deliveries[a] for a in waiting).items())}")
    check(all(deliveries[a] <= 1 for _, a, _, _ in expiring), "an overdue request was delivered twice")
    print(f"{len(waiting)} approval requests, each delivered exactly once")

    # An answer on one server wakes the agent waiting on another.
    wakes = []
    for decision, approval, key, n in approvals[:6]:
        waiter, answerer = servers[n % 3], servers[(n + 1) % 3]
        result = {}

        def wait():
            started = time.monotonic()
            result["reply"] = call(waiter, "GET", f"/api/v1/decisions/{decision}/wait?timeout=30", key)
            result["took"] = time.monotonic() - started

        thread = threading.Thread(target=wait)
        thread.start()
        time.sleep(0.5)
        _, shown, _ = call(answerer, "GET", f"/api/v1/approvals/{approval}", admin)
        answered = time.monotonic()
        status, _, _ = call(answerer, "POST", f"/api/v1/approvals/{approval}/resolve", admin,
                            {"outcome": "approved", "evidence_hash": shown["evidence_hash"]})
        check(status == 200, f"resolving answered {status}")
        thread.join()
        status, waited, _ = result["reply"]
        check(status == 200 and waited["changed"] and waited["decision"]["status"] == "approved",
              f"the waiter on {waiter} was not woken: {status} {waited}")
        wakes.append(time.monotonic() - answered)
    print(f"waiters woken across servers: {len(wakes)}, slowest {max(wakes) * 1000:.0f} ms after the answer")

    # Expiry: every overdue request expired exactly once, its decision aborted.
    time.sleep(4)
    for decision, approval, key, n in expiring:
        status, trace, _ = call(servers[n % 3], "GET", f"/api/v1/decisions/{decision}/trace", key)
        expirations = [e for e in trace["events"]
                       if e["kind"] == "approval_resolved" and e["payload"].get("outcome") == "expired"]
        check(len(expirations) == 1, f"{approval} expired {len(expirations)} times")
        check(trace["decision"]["status"] == "aborted", f"{decision} is {trace['decision']['status']}")
    print(f"{len(expiring)} overdue requests, each expired exactly once")

    # Sessions: signed in on one server, signed in on all.
    form = f"email={urllib.request.quote(args.email)}&password={urllib.request.quote(args.password)}"
    status, _, headers = call(servers[0], "POST", "/api/login", form=form)
    check(status == 200, f"sign-in answered {status}")
    cookie = headers["Set-Cookie"].split(";")[0]
    for server in servers:
        status, person, _ = call(server, "POST", "/api/who_am_i", cookie=cookie, form="")
        check(status == 200 and person and person["email"] == args.email, f"{server} did not know the session")
    print("a session made on one server works on all three")


if __name__ == "__main__":
    main()
