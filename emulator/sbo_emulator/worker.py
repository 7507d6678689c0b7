"""One worker of the emulator: moto with the project's additions, for the accounts it owns (cluster.py).

The front (front.py) sends it the AWS requests of its accounts, with the account already decided
in x-moto-account-id, and the admin calls that concern its state. Every request into moto and
every step of an asynchronous StackSet operation takes the one re-entrant backend lock
(state.LOCK); peer calls to other workers are made only once it is let go (cluster.later/flush).

Admin API of a worker (the front's is the public one):
  GET    /_sbo/health                 liveness
  POST   /_sbo/reset                  moto reset + our StackSet state, regions, settings
  GET    /_sbo/settings               {"operationSeconds": 1.0, "instanceSeconds": 0.0, ...}
  PUT    /_sbo/settings               change some of them
  POST   /_sbo/organization           seed an organisation with fixed ids (org_fixes.seed)
  PUT    /_sbo/regions                a region's state in an account at once
  GET/POST/DELETE /_sbo/instance-failures   make StackSet operations fail for given accounts
  PUT    /_sbo/internal/topology      {"index": i, "ports": [...]}: which worker this is
  POST   /_sbo/internal/<op>          a peer call (cluster.handles)
"""
import io
import json
import re

from moto.moto_server.werkzeug_app import DomainDispatcherApplication

from . import ADMIN_PREFIX, cluster, org_fixes, protocol, regions, stacksets, state

SCOPE_RE = re.compile(r"Credential=[A-Z0-9]{16,128}/\d{8}/([^/]+)/([^/]+)/aws4_request")


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
        if path.startswith("internal/"):
            op = path[len("internal/"):]
            if op == "topology":
                cluster.configure(int(body["index"]), body["ports"])
                return _json(start_response, cluster.topology())
            answer = cluster.handle(op, body)
            cluster.flush()
            return _json(start_response, answer)
        if path == "health":
            return _json(start_response, {"ok": True, "worker": cluster.index()})
        if path == "reset" and method == "POST":
            _reset_everything()
            return _json(start_response, {"ok": True})
        if path == "settings":
            if method == "PUT":
                return _json(start_response, state.update_settings(body))
            return _json(start_response, dict(state.SETTINGS))
        if path == "organization" and method == "POST":
            with state.LOCK:
                answer = org_fixes.seed(body)
            cluster.flush()
            return _json(start_response, answer)
        if path == "regions" and method == "PUT":
            # the state of a region in an account at once: {"account", "region", "enabled"}
            with state.LOCK:
                regions.set_enabled(body["account"], body["region"], bool(body["enabled"]))
                answer = {"status": regions.status(body["account"], body["region"])}
            cluster.flush()
            return _json(start_response, answer)
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
        m = SCOPE_RE.search(environ.get("HTTP_AUTHORIZATION", ""))
        region, service = (m.group(1), m.group(2).lower()) if m else (None, None)
        account = environ.get("HTTP_X_MOTO_ACCOUNT_ID")
        if service == "account":
            n = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(n) if n else b""
            environ["wsgi.input"] = io.BytesIO(raw)
            answer = regions.handle(path, account, raw)
            if answer is not None:
                cluster.flush()
                return _json(start_response, answer[1], f"{answer[0]} {'OK' if answer[0] == 200 else 'Error'}")
        if regions.refuses(service, account, region):
            status, reason, headers, body = protocol.error(
                service, "UnrecognizedClientException", "The security token included in the request is invalid.", 403)
            start_response(f"{status} {reason}", headers + [(protocol.FAULT_HEADER, "region-not-enabled"),
                                                            ("Content-Length", str(len(body)))])
            return [body]
        try:
            with state.LOCK:
                return list(super().__call__(environ, start_response))
        finally:
            cluster.flush()
