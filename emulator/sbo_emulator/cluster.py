"""The emulator as several worker processes, each the only holder of some accounts' state.

One Python process answered every call behind one lock, about 57 calls a second over a
3,000-account rollout: the benchmark measured the emulator, not the operator. On AWS each account
has endpoints of its own. Here the front (front.py) routes each request to the worker that owns
its account, so calls into different accounts run in different processes, each with its own lock;
everything an account holds (IAM, CloudFormation, SSM, S3, STS sessions) lives in exactly one
worker, so its writes are serialised there as before.

Ownership: a numeric account belongs to worker int(account) % N. The Organizations service, the
StackSets engine and Account Management live with the organisation's management account (the
default account), on the *organisation worker*: the organisation is one object on AWS too.

Where one worker needs another's state, it asks with a peer call (POST /_sbo/internal/<op>):
- StackSet instances are created, updated, deleted and checked for drift by the worker that owns
  the instance's account (`instances`), in batches per worker;
- IAM's simulation asks the organisation worker for the SCPs above an account (`scps`);
- STS AssumeRole, answered by the role's worker, asks the caller's worker who the caller is
  (`identity`);
- Organizations' CreateAccount makes the account's OrganizationAccountAccessRole in its worker
  (`account-role`); Account Management's region states are mirrored to every worker (`regions`).
A peer call is never made while holding the local lock (`state.LOCK`): each side takes only its
own lock, so two workers calling each other cannot deadlock. Work a locked section decides on is
queued with `later` and sent once the lock is let go (`flush`), before the request is answered.

With one worker (the default) every call is local: the same code runs, without HTTP.
"""
import http.client
import json
import threading

from . import state

DEFAULT_ACCOUNT = "123456789012"

_ports = [None]          # worker index -> the loopback port of its peer calls
_index = [0]             # this process's worker index
_handlers = {}
_local = threading.local()


def configure(index, ports):
    _index[0] = index
    _ports[:] = list(ports)


def topology():
    return {"index": _index[0], "ports": list(_ports)}


def count():
    return len(_ports)


def index():
    return _index[0]


def owner(account):
    """The worker that holds `account`'s state."""
    if account and account.isdigit():
        return int(account) % count()
    return owner(DEFAULT_ACCOUNT)


def org_worker():
    """The worker that holds the Organizations service, StackSets and Account Management."""
    return owner(DEFAULT_ACCOUNT)


def is_local(account):
    return owner(account) == _index[0]


def handles(op):
    """Registers the handler of peer call `op`: payload (JSON) -> answer (JSON). It takes the lock itself."""
    def register(fn):
        _handlers[op] = fn
        return fn
    return register


def handle(op, payload):
    fn = _handlers.get(op)
    if fn is None:
        raise KeyError(f"no peer call {op!r}")
    return fn(payload)


def call(worker, op, payload):
    """Runs peer call `op` on `worker` (here, if it is this one) and returns its answer."""
    if state.LOCK._is_owned():
        raise RuntimeError(f"peer call {op} under the backend lock would risk a deadlock between workers")
    if worker == _index[0]:
        return handle(op, payload)
    data = json.dumps(payload, default=str).encode()
    for attempt in (1, 2):
        conn = _connection(worker)
        try:
            conn.request("POST", f"/_sbo/internal/{op}", body=data,
                         headers={"Content-Type": "application/json", "Content-Length": str(len(data))})
            resp = conn.getresponse()
            body = resp.read()
        except (http.client.HTTPException, OSError):
            _drop(worker)
            if attempt == 2:
                raise
            continue
        if resp.status != 200:
            raise RuntimeError(f"peer call {op} to worker {worker} answered {resp.status}: {body[:500]!r}")
        return json.loads(body)


def broadcast(op, payload):
    """Runs `op` on every worker, this one included."""
    return [call(w, op, payload) for w in range(count())]


def _connection(worker):
    conns = getattr(_local, "conns", None)
    if conns is None:
        conns = _local.conns = {}
    conn = conns.get(worker)
    if conn is None:
        conn = conns[worker] = http.client.HTTPConnection("127.0.0.1", _ports[worker], timeout=300)
    return conn


def _drop(worker):
    conn = getattr(_local, "conns", {}).pop(worker, None)
    if conn is not None:
        conn.close()


def later(fn):
    """Queues `fn` (peer calls decided under the lock) to run once the lock is let go."""
    pending = getattr(_local, "pending", None)
    if pending is None:
        pending = _local.pending = []
    pending.append(fn)


def flush():
    """Runs what `later` queued on this thread; called with the lock let go."""
    while getattr(_local, "pending", None):
        pending, _local.pending = _local.pending, []
        for fn in pending:
            fn()
