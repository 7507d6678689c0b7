"""Per-account, per-region API rate limits: token buckets per service and action family.

AWS throttles each account's calls per Region and per API (CloudFormation, IAM, STS and
Organizations publish no numbers, STS allows 600 requests a second per account and Region), and
answers with each service's own throttling error: `Throttling` "Rate exceeded" (CloudFormation,
IAM and STS, Query protocol, HTTP 400), `TooManyRequestsException` (Organizations),
`ThrottlingException` (SSM) -- the codes in protocol.THROTTLING_CODE, which the AWS SDKs treat as
throttling and retry with backoff. See "Throttling" in the AWS SDKs and Tools reference guide
(retry behaviour) and the service quotas pages of each service.

A rule: {"service": "cloudformation"|"*", "family": "read"|"write"|"*", "perSecond": 5,
"burst": 10}. Every (rule, account, Region) gets its own bucket holding up to `burst` tokens,
refilled at `perSecond`; a call takes one token from every bucket of the rules that match it, and
is throttled when one of them is empty. IAM and Organizations are global services: their calls
are signed for one Region, so their buckets are per account in practice. No rules: no limits.

Admin API: GET/PUT/DELETE /_sbo/rate-limits (PUT replaces the rules).
"""
import threading
import time

from . import state

_lock = threading.Lock()
_rules = []
_buckets = {}


@state.on_reset
def _clear():
    with _lock:
        _rules.clear()
        _buckets.clear()


def rules(method, body):
    with _lock:
        if method == "PUT":
            new = body if isinstance(body, list) else [body]
            for r in new:
                if r.get("family", "*") not in ("read", "write", "*"):
                    raise ValueError(f"unknown family {r.get('family')!r}: read, write or *")
                if float(r.get("perSecond", 0)) <= 0:
                    raise ValueError("perSecond must be above 0")
            _rules[:] = [dict(r) for r in new]
            _buckets.clear()
        elif method == "DELETE":
            _rules.clear()
            _buckets.clear()
        return list(_rules)


def take(service, write, account, region, now=None):
    """True when the call may go on; False when a bucket it draws from is empty (throttle it)."""
    now = time.monotonic() if now is None else now
    family = "write" if write else "read"
    with _lock:
        matching = [(i, r) for i, r in enumerate(_rules)
                    if r.get("service", "*") in ("*", service) and r.get("family", "*") in ("*", family)]
        if not matching:
            return True
        buckets = []
        for i, r in matching:
            rate = float(r["perSecond"])
            burst = float(r.get("burst", rate))
            key = (i, account, region)
            tokens, at = _buckets.get(key, (burst, now))
            tokens = min(burst, tokens + (now - at) * rate)
            buckets.append((key, tokens))
        if any(tokens < 1 for _, tokens in buckets):
            for key, tokens in buckets:
                _buckets[key] = (tokens, now)
            return False
        for key, tokens in buckets:
            _buckets[key] = (tokens - 1, now)
        return True
