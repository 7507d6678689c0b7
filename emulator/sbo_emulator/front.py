"""The front of the emulator: the port clients call, fault injection, rate limits, the call log,
the admin API, and the routing of every request to the worker that owns its account (cluster.py).

Admin API (JSON, under /_sbo/):
  GET    /_sbo/health                 liveness, moto version, workers
  POST   /_sbo/reset                  every worker's AWS state, StackSet operations and settings;
                                      faults, rate limits and the call log here
  GET    /_sbo/settings               {"operationSeconds": 1.0, "instanceSeconds": 0.0, ...}
  PUT    /_sbo/settings               change some of them (on every worker)
  GET    /_sbo/faults                 active fault rules
  POST   /_sbo/faults                 add rule(s): {"service": "cloudformation"|"*", "action": "*",
                                      "account": "*", "kind": "throttle"|"unavailable"|"latency",
                                      "rate": 0.3, "latencyMs": 200, "remaining": null, "code": null}
  DELETE /_sbo/faults                 remove all rules
  GET    /_sbo/calls[?since=N]        {"total": N, "calls": [...], "writesPerAccount": {...}}
  DELETE /_sbo/calls                  clear the call log and the write counters
  GET/PUT/DELETE /_sbo/rate-limits    per-account, per-region token buckets (rate_limits.py)
  POST   /_sbo/organization           seed an organisation with fixed ids (org_fixes.seed)
  PUT    /_sbo/regions                a region's state in an account at once (regions.py)
  GET/POST/DELETE /_sbo/instance-failures   make StackSet operations fail for given accounts

The account of a request is decided here as moto decides it: the x-moto-account-id header, else
the account its access key id names (AWS encodes the account in every key id it issues, and moto
issues keys the same way: iam/utils.py generate_access_key_id_from_account_id), else the default
account. Workers are told the account in x-moto-account-id, so every worker and the call log agree.
"""
import base64
import http.client
import io
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata
from urllib.parse import parse_qs, urlsplit

from . import ADMIN_PREFIX, cluster, protocol, rate_limits, state

SCOPE_RE = re.compile(r"Credential=([A-Z0-9]{16,128})/\d{8}/([^/]+)/([^/]+)/aws4_request")
ACTION_RE = re.compile(rb"(?:^|&)Action=([A-Za-z0-9]+)")
ROLE_ARN_RE = re.compile(rb"(?:^|&)RoleArn=arn%3Aaws[a-z-]*%3Aiam%3A%3A(\d{12})%3A")
# StackSet calls are answered by the organisation worker, where the StackSets engine lives
STACKSET_ACTION_RE = re.compile(r"StackSet|StackInstance")
ORGANISATION_SERVICES = {"organizations", "account"}
KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
KEY_ACCOUNT_OFFSET = 549755813888
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "expect", "proxy-connection"}

_lock = threading.Lock()
_faults = []
_calls = []
_writes = {}
_rng = random.Random()
_workers = []          # subprocess.Popen of each worker


@state.on_reset
def _clear_front_state():
    with _lock:
        _faults.clear()
        _calls.clear()
        _writes.clear()


def account_of_key(access_key):
    """The account an AWS access key id was issued for, or None (not a key AWS or moto issues)."""
    if not access_key or len(access_key) < 13 or access_key[:4] not in ("AKIA", "ASIA"):
        return None
    try:
        number = int.from_bytes(base64.b32decode(access_key[4:12]), "big") - KEY_ACCOUNT_OFFSET
    except (ValueError, TypeError):
        return None
    odd = access_key[12] in KEY_ALPHABET[16:]
    account = number * 2 + (1 if odd else 0)
    return f"{account:012d}" if 0 <= account < 10 ** 12 else None


def classify(method, path, query, headers, body):
    """(service, action, account, region) of an AWS request."""
    m = SCOPE_RE.search(headers.get("authorization", ""))
    access_key, region, service = (m.group(1), m.group(2), m.group(3).lower()) if m else (None, None, None)
    target = headers.get("x-amz-target")
    if target:
        action = target.split(".")[-1]
    else:
        found = ACTION_RE.search(body) if body else None
        if found is None and query:
            found = ACTION_RE.search(query.encode())
        action = found.group(1).decode() if found else None
    if service == "account" and action is None:
        action = path.rstrip("/").rsplit("/", 1)[-1]
        action = action[:1].upper() + action[1:]
    account = headers.get("x-moto-account-id") or account_of_key(access_key) or cluster.DEFAULT_ACCOUNT
    return service, action, account, region


def route(service, action, account, body):
    """The worker that answers a request."""
    if service in ORGANISATION_SERVICES:
        return cluster.org_worker()
    if service == "cloudformation" and action and STACKSET_ACTION_RE.search(action):
        return cluster.org_worker()
    if service == "sts" and action and action.startswith("AssumeRole"):
        # answered where the role lives: its trust policy, and the session's keys, are there
        role = ROLE_ARN_RE.search(body or b"")
        if role:
            return cluster.owner(role.group(1).decode())
    return cluster.owner(account)


def _pick_fault(service, action, account):
    with _lock:
        for rule in _faults:
            if rule.get("service", "*") not in ("*", service):
                continue
            if rule.get("action", "*") not in ("*", action):
                continue
            if rule.get("account", "*") not in ("*", account):
                continue
            if rule.get("remaining") is not None and rule["remaining"] <= 0:
                continue
            if _rng.random() >= float(rule.get("rate", 1.0)):
                continue
            if rule.get("remaining") is not None:
                rule["remaining"] -= 1
            return dict(rule)
    return None


def _log(service, action, account, region, write, fault):
    with _lock:
        _calls.append({"service": service, "action": action, "account": account, "region": region,
                       "write": write, "fault": fault, "time": time.time()})
        if write and fault in (None, "latency"):
            _writes[account] = _writes.get(account, 0) + 1


# ---------------------------------------------------------------------------------------------
# Talking to the workers


_conns = threading.local()


def _send(worker, method, path, headers, body):
    """(status, reason, headers, body) of `worker`'s answer; one retry on a dropped keep-alive connection."""
    for attempt in (1, 2):
        conns = getattr(_conns, "by_worker", None)
        if conns is None:
            conns = _conns.by_worker = {}
        conn = conns.get(worker)
        if conn is None:
            conn = conns[worker] = http.client.HTTPConnection("127.0.0.1", cluster.topology()["ports"][worker],
                                                              timeout=600)
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, resp.reason, resp.getheaders(), data
        except (http.client.HTTPException, OSError):
            conns.pop(worker, None)
            conn.close()
            if attempt == 2:
                raise


def _admin_to(worker, method, path, payload=None):
    body = json.dumps(payload).encode() if payload is not None else b""
    status, _, _, data = _send(worker, method, path, {"Content-Type": "application/json",
                                                      "Content-Length": str(len(body))}, body)
    return status, json.loads(data or b"null")


def _to_all(method, path, payload=None):
    answers = [None] * cluster.count()

    def one(w):
        answers[w] = _admin_to(w, method, path, payload)

    threads = [threading.Thread(target=one, args=(w,)) for w in range(cluster.count())]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


# ---------------------------------------------------------------------------------------------
# The HTTP front


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sbo-emulator"

    def log_message(self, format, *args):  # the call log has every request
        pass

    def _body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            out = io.BytesIO()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return out.getvalue()
                out.write(self.rfile.read(size))
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _answer(self, status, reason, headers, body):
        self.send_response_only(status, reason)
        for name, value in headers:
            if name.lower() not in HOP_BY_HOP and name.lower() not in ("server", "date"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, obj, status=200):
        data = json.dumps(obj, default=str).encode()
        self._answer(status, "OK" if status == 200 else "Error", [("Content-Type", "application/json")], data)

    def _handle(self):
        body = self._body()
        split = urlsplit(self.path)
        if split.path.startswith(ADMIN_PREFIX):
            return self._admin(split, body)
        if split.path.startswith("/moto-api"):
            if split.path.rstrip("/") in ("/moto-api/reset", "/moto-api/seed"):
                if split.path.rstrip("/") == "/moto-api/reset":
                    state.run_reset_hooks()
                answers = _to_all(self.command, self.path, None)
                return self._json(answers[cluster.org_worker()][1])
            status, reason, headers, data = _send(cluster.org_worker(), self.command, self.path,
                                                  dict(self.headers.items()), body)
            return self._answer(status, reason, headers, data)
        headers = {k.lower(): v for k, v in self.headers.items()}
        service, action, account, region = classify(self.command, split.path, split.query, headers, body)
        write = protocol.is_write(service, action)
        fault = _pick_fault(service, action, account)
        if fault is None and service and not rate_limits.take(service, write, account, region):
            fault = {"kind": "throttle", "rateLimited": True}
        kind = fault.get("kind", "throttle") if fault else None
        if kind == "latency":
            time.sleep(float(fault.get("latencyMs", 0)) / 1000.0)
        elif kind == "unavailable":
            _log(service, action, account, region, write, kind)
            return self._answer(*protocol.error(service, fault.get("code") or "ServiceUnavailable",
                                                "Service is unavailable (injected)", 503))
        elif kind == "throttle":
            _log(service, action, account, region, write, "rate-limit" if fault.get("rateLimited") else kind)
            return self._answer(*protocol.error(
                service, fault.get("code") or protocol.THROTTLING_CODE.get(service, "Throttling"),
                "Rate exceeded" if fault.get("rateLimited") else "Rate exceeded (injected)", 400))
        forwarded = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        forwarded["x-moto-account-id"] = account
        forwarded["Content-Length"] = str(len(body))
        status, reason, answer_headers, data = _send(route(service, action, account, body), self.command,
                                                     self.path, forwarded, body)
        refused = next((v for k, v in answer_headers if k.lower() == protocol.FAULT_HEADER), None)
        _log(service, action, account, region, write, refused or kind)
        self._answer(status, reason, [(k, v) for k, v in answer_headers if k.lower() != protocol.FAULT_HEADER],
                     data)

    def _admin(self, split, raw):
        path = split.path[len(ADMIN_PREFIX):].strip("/")
        method = self.command
        try:
            body = json.loads(raw or b"null") if raw else None
            query = {k: v[0] for k, v in parse_qs(split.query).items()}
            if path == "health":
                answers = _to_all("GET", ADMIN_PREFIX + "health")
                healthy = all(status == 200 for status, _ in answers)
                return self._json({"ok": healthy, "moto": metadata.version("moto"), "workers": cluster.count()},
                                  200 if healthy else 503)
            if path == "reset" and method == "POST":
                state.run_reset_hooks()
                _to_all("POST", ADMIN_PREFIX + "reset")
                return self._json({"ok": True})
            if path == "settings" and method == "PUT":
                answers = _to_all("PUT", ADMIN_PREFIX + "settings", body)
                status, answer = answers[cluster.org_worker()]
                return self._json(answer, status)
            if path == "faults":
                with _lock:
                    if method == "POST":
                        rules = body if isinstance(body, list) else [body]
                        for rule in rules:
                            if rule.get("kind", "throttle") not in ("throttle", "unavailable", "latency"):
                                raise ValueError(f"unknown fault kind {rule.get('kind')!r}")
                        _faults.extend(rules)
                    elif method == "DELETE":
                        _faults.clear()
                    return self._json(list(_faults))
            if path == "calls":
                with _lock:
                    if method == "DELETE":
                        _calls.clear()
                        _writes.clear()
                    since = int(query.get("since", 0))
                    return self._json({"total": len(_calls), "calls": _calls[since:],
                                       "writesPerAccount": dict(_writes)})
            if path == "rate-limits":
                return self._json(rate_limits.rules(method, body))
            if path.startswith("internal"):
                return self._json({"error": "peer calls are between workers only"}, 404)
            # the rest (settings, organization, regions, instance-failures) is the organisation worker's
            status, answer = _admin_to(cluster.org_worker(), method, self.path, body)
            return self._json(answer, status)
        except (ValueError, KeyError, TypeError) as e:
            return self._json({"error": str(e)}, 400)

    def do_GET(self):
        self._handle()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_GET


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


def _start_workers(n, host_port):
    """Starts n workers on free loopback ports; returns their ports once each answers."""
    env = dict(os.environ, MOTO_PORT=str(host_port))
    procs, ports = [], []
    for i in range(n):
        p = subprocess.Popen([sys.executable, "-m", "sbo_emulator", "--worker", str(i), "--workers", str(n),
                              "-p", "0"], stdout=subprocess.PIPE, env=env, text=True)
        procs.append(p)
    for i, p in enumerate(procs):
        line = p.stdout.readline().strip()
        if not line.startswith("sbo-worker listening on "):
            raise SystemExit(f"worker {i} did not start: {line!r}")
        ports.append(int(line.rsplit(" ", 1)[1]))
    _workers.extend(procs)
    cluster.configure(0, ports)
    for i in range(n):
        status, answer = _admin_to(i, "PUT", ADMIN_PREFIX + "internal/topology", {"index": i, "ports": ports})
        if status != 200:
            raise SystemExit(f"worker {i} refused its topology: {answer}")
    return ports


def _stop_workers(*_):
    for p in _workers:
        if p.poll() is None:
            p.terminate()
    for p in _workers:
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
    sys.exit(0)


def main(host, port, workers):
    server = Server((host, port), Handler)
    signal.signal(signal.SIGTERM, _stop_workers)
    signal.signal(signal.SIGINT, _stop_workers)
    try:
        _start_workers(workers, server.server_address[1])
        print(f"sbo-emulator on http://{host}:{server.server_address[1]} with {workers} worker(s)", flush=True)
        server.serve_forever()
    finally:
        _stop_workers()
