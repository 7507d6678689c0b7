"""State shared by the additions: the lock, run-time settings and reset hooks."""
import threading

from moto.core.base_backend import backend_lock

# moto's backends are plain dicts and lists with no lock around request handling. Every request
# into moto and every step of an asynchronous StackSet operation takes this one re-entrant lock
# (moto's own, which its reset also takes), so the worker never mutates a backend mid-request.
LOCK = backend_lock

DEFAULT_SETTINGS = {
    # How long a StackSet operation stays RUNNING before its instances are applied. Real AWS takes
    # minutes; tests want a window in which OperationInProgressException can be observed.
    "operationSeconds": 1.0,
    # Each stack instance an operation touches takes this long; instances run as many at a time as
    # the operation's preferences allow (stacksets.py), regions one after another when SEQUENTIAL.
    "instanceSeconds": 0.0,
    # How long a stack created, updated or deleted through the API stays *_IN_PROGRESS (cfn_latency.py).
    "stackSeconds": 0.0,
    # How long EnableRegion and DisableRegion leave a region ENABLING or DISABLING (regions.py).
    "regionEnableSeconds": 1.0,
    # Whether SimulatePrincipalPolicy evaluates SCP statements whose conditions name global keys
    # (aws:...). 1: as the current CLI reference says ("evaluates ... service control policies
    # (SCPs) including their condition keys and resource scoping"). 0: as the IAM User Guide's
    # "How the IAM policy simulator works" said ("You can't test AWS Organizations service control
    # policies (SCPs) with global condition keys"): such statements take no part (iam_simulate.py).
    "simulateScpGlobalConditionKeys": 1.0,
}
SETTINGS = dict(DEFAULT_SETTINGS)
_settings_lock = threading.Lock()
_reset_hooks = []


def setting(name):
    with _settings_lock:
        return SETTINGS[name]


def update_settings(values):
    with _settings_lock:
        for key, value in (values or {}).items():
            if key not in DEFAULT_SETTINGS:
                raise ValueError(f"unknown setting {key!r}; known: {sorted(DEFAULT_SETTINGS)}")
            SETTINGS[key] = float(value)
        return dict(SETTINGS)


def on_reset(hook):
    """Registers a function called (under LOCK) whenever the emulator is reset."""
    _reset_hooks.append(hook)
    return hook


def run_reset_hooks():
    for hook in _reset_hooks:
        hook()


def reset_settings():
    with _settings_lock:
        SETTINGS.clear()
        SETTINGS.update(DEFAULT_SETTINGS)


def unlocked(work):
    """Runs `work` with the backend lock let go, so other requests go on meanwhile (the IAM
    evaluator's answer, a peer call to another worker). The dispatcher holds the (re-entrant) lock
    once around each request; the inputs were gathered from moto's state before, and the answer is
    shaped from them after."""
    LOCK.release()
    try:
        return work()
    finally:
        LOCK.acquire()
