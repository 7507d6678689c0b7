"""The WSGI front of the emulator: admin endpoints, fault injection, the call log, the lock.

Admin API (JSON, under /_sbo/):
  GET    /_sbo/health                 liveness, moto version
  POST   /_sbo/reset                  moto reset + our StackSet state, faults, call log, settings
  GET    /_sbo/settings               {"operationSeconds": 1.0, "instanceSeconds": 0.0}
  PUT    /_sbo/settings               change some of them
  GET    /_sbo/faults                 active fault rules
  POST   /_sbo/faults                 add rule(s): {"service": "cloudformation"|"*", "action": "*",
                                      "account": "*", "kind": "throttle"|"unavailable"|"latency",
                                      "rate": 0.3, "latencyMs": 200, "remaining": null, "code": null}
  DELETE /_sbo/faults                 remove all rules
  GET    /_sbo/calls[?since=N]        {"total": N, "calls": [...], "writesPerAccount": {...}}
  DELETE /_sbo/calls                  clear the call log and the write counters
  POST   /_sbo/organization           seed an organisation with fixed ids (see org_fixes.seed)
  GET/POST/DELETE /_sbo/instance-failures   make StackSet operations fail for given accounts
  GET/PUT/DELETE /_sbo/rate-limits  per-account, per-region token buckets (rate_limits.py)
"""
import io
import json
import random
import re
import threading
import time
import uuid
from importlib import metadata
from urllib.parse import parse_qs

from moto.moto_server.werkzeug_app import DomainDispatcherApplication

from . import ADMIN_PREFIX, org_fixes, rate_limits, regions, stacksets, state

# Protocols, from botocore's service metadata: these two speak awsJson1_1, the rest awsQuery.
JSON_SERVICES = {"organizations", "ssm"}
THROTTLING_CODE = {
    "cloudformation": "Throttling",
    "iam": "Throttling",
    "sts": "Throttling",
    "organizations": "TooManyRequestsException",
    "ssm": "ThrottlingException",
}
XML_NAMESPACE = {
    "cloudformation": "http://cloudformation.amazonaws.com/doc/2010-05-15/",
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
}
# An action is a read when its name starts with one of these; everything else changes state.
READ_PREFIXES = ("Get", "List", "Describe", "Detect", "Estimate", "Validate", "Simulate",
                 "Generate", "Search", "Lookup", "AssumeRole")
SCOPE_RE = re.compile(r"Credential=([A-Z0-9]{16,128})/\d{8}/([^/]+)/([^/]+)/aws4_request")

_lock = threading.Lock()
_faults = []
_calls = []
_writes = {}
_rng = random.Random()


@state.on_reset
def _clear_admin_state():
    with _lock:
        _faults.clear()
        _calls.clear()
        _writes.clear()


def classify(environ):
    """(service, action, account, region) of an AWS request, the way moto itself decides them."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    m = SCOPE_RE.search(auth)
    access_key, region, service = (m.group(1), m.group(2), m.group(3).lower()) if m else (None, None, None)
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        action = target.split(".")[-1]
    else:
        body = b""
        if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            n = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(n) if n else b""
            environ["wsgi.input"] = io.BytesIO(body)
        params = parse_qs(body.decode("utf-8", "replace")) or parse_qs(environ.get("QUERY_STRING", ""))
        action = (params.get("Action") or [None])[0]
    # Same precedence as moto's BaseResponse: header, then the access key's owner, then default.
    account = environ.get("HTTP_X_MOTO_ACCOUNT_ID")
    if not account:
        from moto.iam.models import get_account_id_from

        account = get_account_id_from(access_key or "AKIAIOSFODNN7EXAMPLE")
    return service, action, account, region


def is_write(service, action):
    return bool(action) and service != "sts" and not action.startswith(READ_PREFIXES)


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


def _error(start_response, service, code, message, status):
    """An error body in the service's own protocol, so SDKs parse it as they would AWS's."""
    rid = str(uuid.uuid4())
    if service in JSON_SERVICES:
        body = json.dumps({"__type": code, "message": message}).encode()
        headers = [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", code)]
    else:
        body = (f'<ErrorResponse xmlns="{XML_NAMESPACE.get(service, "")}"><Error><Type>Sender</Type>'
                f"<Code>{code}</Code><Message>{message}</Message></Error>"
                f"<RequestId>{rid}</RequestId></ErrorResponse>").encode()
        headers = [("Content-Type", "text/xml")]
    headers += [("x-amzn-RequestId", rid), ("Content-Length", str(len(body)))]
    reason = {400: "Bad Request", 403: "Forbidden", 503: "Service Unavailable"}.get(status, "Error")
    start_response(f"{status} {reason}", headers)
    return [body]


def _json(start_response, obj, status="200 OK"):
    data = json.dumps(obj, default=str).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def _reset_everything():
    from moto.moto_api._internal.models import moto_api_backend
    from moto.organizations.models import organizations_backends

    with state.LOCK:
        moto_api_backend.reset()
        # moto keeps this side table outside the backends, so its reset leaves former members
        # believing they are still in an organisation.
        organizations_backends.master_accounts.clear()
        state.reset_settings()
        state.run_reset_hooks()


def _admin(environ, start_response):
    path = environ["PATH_INFO"][len(ADMIN_PREFIX):].strip("/")
    method = environ["REQUEST_METHOD"]
    n = int(environ.get("CONTENT_LENGTH") or 0)
    try:
        body = json.loads(environ["wsgi.input"].read(n) or b"null") if n else None
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        if path == "health":
            return _json(start_response, {"ok": True, "moto": metadata.version("moto")})
        if path == "reset" and method == "POST":
            _reset_everything()
            return _json(start_response, {"ok": True})
        if path == "settings":
            if method == "PUT":
                return _json(start_response, state.update_settings(body))
            return _json(start_response, dict(state.SETTINGS))
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
                return _json(start_response, list(_faults))
        if path == "calls":
            with _lock:
                if method == "DELETE":
                    _calls.clear()
                    _writes.clear()
                since = int(query.get("since", 0))
                return _json(start_response, {"total": len(_calls), "calls": _calls[since:],
                                              "writesPerAccount": dict(_writes)})
        if path == "organization" and method == "POST":
            with state.LOCK:
                return _json(start_response, org_fixes.seed(body))
        if path == "rate-limits":
            return _json(start_response, rate_limits.rules(method, body))
        if path == "regions" and method == "PUT":
            # the state of a region in an account at once: {"account", "region", "enabled"}
            with state.LOCK:
                regions.set_enabled(body["account"], body["region"], bool(body["enabled"]))
                return _json(start_response, {"status": regions.status(body["account"], body["region"])})
        if path == "instance-failures":
            return _json(start_response, stacksets.instance_failures(method, body))
        return _json(start_response, {"error": f"no admin endpoint {method} {path}"}, "404 Not Found")
    except (ValueError, KeyError, TypeError) as e:
        return _json(start_response, {"error": str(e)}, "400 Bad Request")


class EmulatorDispatcher(DomainDispatcherApplication):
    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith(ADMIN_PREFIX):
            return _admin(environ, start_response)
        if path.startswith("/moto-api"):
            if path.rstrip("/") == "/moto-api/reset" and environ["REQUEST_METHOD"] == "POST":
                _reset_everything()
                return _json(start_response, {"status": "ok"})
            with state.LOCK:
                return list(super().__call__(environ, start_response))
        service, action, account, region = classify(environ)
        if service == "account":
            n = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(n) if n else b""
            environ["wsgi.input"] = io.BytesIO(raw)
            answer = regions.handle(path, account, raw)
            if answer is not None:
                action = path.rstrip("/").rsplit("/", 1)[-1]
                action = action[0].upper() + action[1:]
                with _lock:
                    _calls.append({"service": service, "action": action, "account": account, "region": region,
                                   "write": is_write(service, action), "fault": None, "time": time.time()})
                return _json(start_response, answer[1], f"{answer[0]} {'OK' if answer[0] == 200 else 'Error'}")
        if regions.refuses(service, account, region):
            with _lock:
                _calls.append({"service": service, "action": action, "account": account, "region": region,
                               "write": is_write(service, action), "fault": "region-not-enabled", "time": time.time()})
            return _error(start_response, service, "UnrecognizedClientException",
                          "The security token included in the request is invalid.", 403)
        write = is_write(service, action)
        fault = _pick_fault(service, action, account)
        if fault is None and service and not rate_limits.take(service, write, account, region):
            fault = {"kind": "throttle", "rateLimited": True}
        kind = fault.get("kind", "throttle") if fault else None
        with _lock:
            _calls.append({"service": service, "action": action, "account": account, "region": region,
                           "write": write, "fault": "rate-limit" if fault and fault.get("rateLimited") else kind,
                           "time": time.time()})
            if write and kind in (None, "latency"):
                _writes[account] = _writes.get(account, 0) + 1
        if kind == "latency":
            time.sleep(float(fault.get("latencyMs", 0)) / 1000.0)
        elif kind == "unavailable":
            return _error(start_response, service, fault.get("code") or "ServiceUnavailable",
                          "Service is unavailable (injected)", 503)
        elif kind == "throttle":
            return _error(start_response, service,
                          fault.get("code") or THROTTLING_CODE.get(service, "Throttling"),
                          "Rate exceeded" if fault.get("rateLimited") else "Rate exceeded (injected)", 400)
        with state.LOCK:
            return list(super().__call__(environ, start_response))
