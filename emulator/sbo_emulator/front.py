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
import asyncio
import base64
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
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
# HTTP/1.1 on both sides, by hand: http.server parsed every header with the email package and
# cost a third of a worker's CPU per request; this front costs a tenth.


class Message:
    """A request or a response: its first line, headers (names as sent), body."""

    __slots__ = ("first", "headers", "body")

    def __init__(self, first, headers, body):
        self.first, self.headers, self.body = first, headers, body

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None


async def _read(reader, on_expect=None, bodiless=False):
    """One message from `reader`, or None at the end of the connection. `bodiless`: a response to
    HEAD (its Content-Length is the resource's, not a body's)."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    lines = head[:-4].decode("latin-1").split("\r\n")
    headers = [tuple(part.strip() for part in line.split(":", 1)) for line in lines[1:] if ":" in line]
    message = Message(lines[0], headers, b"")
    if on_expect is not None and (message.header("expect") or "").lower() == "100-continue":
        await on_expect()
    if "chunked" in (message.header("transfer-encoding") or "").lower():
        chunks = []
        while True:
            size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while (await reader.readline()) not in (b"\r\n", b""):
                    pass
                break
            chunks.append(await reader.readexactly(size))
            await reader.readline()
        message.body = b"".join(chunks)
    elif bodiless or message.first.split(" ")[1:2] in (["204"], ["304"]):
        message.body = b""
    elif message.header("content-length") is None and not message.first.startswith(("GET", "POST", "PUT", "DELETE",
                                                                                   "HEAD", "PATCH", "OPTIONS")):
        message.body = await reader.read()  # a response ended by closing the connection
        message.headers.append(("Connection", "close"))
    else:
        n = int(message.header("content-length") or 0)
        message.body = await reader.readexactly(n) if n else b""
    return message


def _encode(first, headers, body, length=None):
    out = [first]
    out += [f"{k}: {v}" for k, v in headers if k.lower() not in HOP_BY_HOP]
    out.append(f"Content-Length: {len(body) if length is None else length}")
    return ("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + body


class Workers:
    """Keep-alive connections to each worker, reused by the requests that go there."""

    def __init__(self):
        self.idle = {}
        self.ports = []   # each worker's port for the front (peer calls go to another)

    async def send(self, worker, method, target, headers, body):
        """(status, reason, headers, body) of `worker`'s answer; a stale connection is tried once more."""
        for attempt in (1, 2):
            pool = self.idle.setdefault(worker, [])
            fresh = not pool
            reader, writer = pool.pop() if pool else await asyncio.open_connection(
                "127.0.0.1", self.ports[worker], limit=2 ** 24)
            try:
                writer.write(_encode(f"{method} {target} HTTP/1.1", headers, body))
                answer = await _read(reader, bodiless=method == "HEAD")
                if answer is None:
                    raise ConnectionResetError("the worker closed the connection")
            except (ConnectionError, asyncio.IncompleteReadError):
                writer.close()
                if fresh or attempt == 2:
                    raise
                continue
            if (answer.header("connection") or "").lower() == "close":
                writer.close()
            else:
                pool.append((reader, writer))
            _, status, reason = (answer.first.split(" ", 2) + [""])[:3]
            return int(status), reason, answer.headers, answer.body
        raise ConnectionError("no answer from worker %d" % worker)

    async def admin(self, worker, method, path, payload=None):
        body = json.dumps(payload).encode() if payload is not None else b""
        status, _, _, data = await self.send(worker, method, path, [("Host", "127.0.0.1"),
                                                                   ("Content-Type", "application/json")], body)
        return status, json.loads(data or b"null")

    async def to_all(self, method, path, payload=None):
        return await asyncio.gather(*(self.admin(w, method, path, payload) for w in range(cluster.count())))


class Front:
    def __init__(self):
        self.workers = Workers()

    async def serve(self, reader, writer):
        try:
            while True:
                async def go_on():
                    writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")

                request = await _read(reader, go_on)
                if request is None:
                    break
                method, target = request.first.split(" ")[:2]
                status, reason, headers, body = await self.answer(method, target, request)
                kept = [(k, v) for k, v in headers if k.lower() not in ("server", "date")]
                if method == "HEAD":  # the length of what a GET would send
                    length = next((v for k, v in headers if k.lower() == "content-length"), len(body))
                    writer.write(_encode(f"HTTP/1.1 {status} {reason}", kept, b"", length))
                else:
                    writer.write(_encode(f"HTTP/1.1 {status} {reason}", kept, body))
                await writer.drain()
                if (request.header("connection") or "").lower() == "close" or request.first.endswith("1.0"):
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def answer(self, method, target, request):
        split = urlsplit(target)
        body = request.body
        if split.path.startswith(ADMIN_PREFIX):
            return await self.admin(method, target, split, body)
        if split.path.startswith("/moto-api"):
            if split.path.rstrip("/") in ("/moto-api/reset", "/moto-api/seed"):
                if split.path.rstrip("/") == "/moto-api/reset":
                    state.run_reset_hooks()
                answers = await self.workers.to_all(method, target)
                return _json(answers[cluster.org_worker()][1])
            return await self.workers.send(cluster.org_worker(), method, target, request.headers, body)
        headers = {k.lower(): v for k, v in request.headers}
        service, action, account, region = classify(method, split.path, split.query, headers, body)
        write = protocol.is_write(service, action)
        fault = _pick_fault(service, action, account)
        if fault is None and service and not rate_limits.take(service, write, account, region):
            fault = {"kind": "throttle", "rateLimited": True}
        kind = fault.get("kind", "throttle") if fault else None
        if kind == "latency":
            await asyncio.sleep(float(fault.get("latencyMs", 0)) / 1000.0)
        elif kind == "unavailable":
            _log(service, action, account, region, write, kind)
            return protocol.error(service, fault.get("code") or "ServiceUnavailable", "Service is unavailable (injected)",
                                  503)
        elif kind == "throttle":
            _log(service, action, account, region, write, "rate-limit" if fault.get("rateLimited") else kind)
            return protocol.error(service, fault.get("code") or protocol.THROTTLING_CODE.get(service, "Throttling"),
                                  "Rate exceeded" if fault.get("rateLimited") else "Rate exceeded (injected)", 400)
        forwarded = [(k, v) for k, v in request.headers if k.lower() != "x-moto-account-id"]
        forwarded.append(("x-moto-account-id", account))
        status, reason, answer_headers, data = await self.workers.send(route(service, action, account, body), method,
                                                                       target, forwarded, body)
        refused = next((v for k, v in answer_headers if k.lower() == protocol.FAULT_HEADER), None)
        _log(service, action, account, region, write, refused or kind)
        return status, reason, [(k, v) for k, v in answer_headers if k.lower() != protocol.FAULT_HEADER], data

    async def admin(self, method, target, split, raw):
        path = split.path[len(ADMIN_PREFIX):].strip("/")
        try:
            body = json.loads(raw or b"null") if raw else None
            query = {k: v[0] for k, v in parse_qs(split.query).items()}
            if path == "health":
                answers = await self.workers.to_all("GET", ADMIN_PREFIX + "health")
                healthy = all(status == 200 for status, _ in answers)
                return _json({"ok": healthy, "moto": metadata.version("moto"), "workers": cluster.count()},
                             200 if healthy else 503)
            if path == "reset" and method == "POST":
                state.run_reset_hooks()
                await self.workers.to_all("POST", ADMIN_PREFIX + "reset")
                return _json({"ok": True})
            if path == "settings" and method == "PUT":
                answers = await self.workers.to_all("PUT", ADMIN_PREFIX + "settings", body)
                status, answer = answers[cluster.org_worker()]
                return _json(answer, status)
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
                    return _json(list(_faults))
            if path == "calls":
                with _lock:
                    if method == "DELETE":
                        _calls.clear()
                        _writes.clear()
                    since = int(query.get("since", 0))
                    return _json({"total": len(_calls), "calls": _calls[since:], "writesPerAccount": dict(_writes)})
            if path == "rate-limits":
                return _json(rate_limits.rules(method, body))
            if path.startswith("internal"):
                return _json({"error": "peer calls are between workers only"}, 404)
            # the rest (settings, organization, regions, instance-failures) is the organisation worker's
            status, answer = await self.workers.admin(cluster.org_worker(), method, target, body)
            return _json(answer, status)
        except (ValueError, KeyError, TypeError) as e:
            return _json({"error": str(e)}, 400)


def _json(obj, status=200):
    return status, "OK" if status == 200 else "Error", [("Content-Type", "application/json")], \
        json.dumps(obj, default=str).encode()


def _start_workers(n, front_port):
    """Starts n workers on free loopback ports and tells each the topology; returns their ports."""
    env = dict(os.environ, MOTO_PORT=str(front_port))
    procs = [subprocess.Popen([sys.executable, "-m", "sbo_emulator", "--worker", str(i), "--workers", str(n),
                               "-p", "0"], stdout=subprocess.PIPE, env=env, text=True) for i in range(n)]
    _workers.extend(procs)
    ports, peer_ports = [], []
    for i, p in enumerate(procs):
        line = p.stdout.readline().strip()
        if not line.startswith("sbo-worker listening on "):
            raise SystemExit(f"worker {i} did not start: {line!r}")
        front_port, peer_port = line[len("sbo-worker listening on "):].split()
        ports.append(int(front_port))
        peer_ports.append(int(peer_port))
    cluster.configure(0, peer_ports)
    return ports, peer_ports


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


async def _main(host, port, workers):
    front = Front()
    # bound now (the workers are told the port), served once every worker knows the topology
    server = await asyncio.start_server(front.serve, host, port, limit=2 ** 24, backlog=256, start_serving=False)
    bound = server.sockets[0].getsockname()[1]
    ports, peer_ports = await asyncio.get_running_loop().run_in_executor(None, _start_workers, workers, bound)
    front.workers.ports = ports
    for i in range(workers):
        status, answer = await front.workers.admin(i, "PUT", ADMIN_PREFIX + "internal/topology",
                                                   {"index": i, "ports": peer_ports})
        if status != 200:
            raise SystemExit(f"worker {i} refused its topology: {answer}")
    print(f"sbo-emulator on http://{host}:{bound} with {workers} worker(s)", flush=True)
    async with server:
        await server.serve_forever()  # starts serving


def main(host, port, workers):
    signal.signal(signal.SIGTERM, _stop_workers)
    signal.signal(signal.SIGINT, _stop_workers)
    try:
        asyncio.run(_main(host, port, workers))
    finally:
        _stop_workers()
