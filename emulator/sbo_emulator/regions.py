"""Regions per account: opt-in regions are off until enabled, and calls into them are refused.

Mirrors AWS (accounts/latest/reference/manage-acct-regions.html; account/latest/APIReference
API_GetRegionOptStatus, API_ListRegions, API_EnableRegion, API_DisableRegion;
AWSCloudFormation/latest/UserGuide/stacksets-opt-in-regions.html):
- Regions introduced before 20 March 2019 are ENABLED_BY_DEFAULT and cannot be disabled
  (EnableRegion/DisableRegion on them: ValidationException). Later ones are DISABLED until
  EnableRegion, which answers at once and leaves the region ENABLING for `regionEnableSeconds`
  (AWS: minutes, sometimes hours), then ENABLED; DisableRegion passes through DISABLING the same way.
- Another account's regions (the AccountId parameter) may be read or changed only by the
  organisation's management account or a delegated administrator for account.amazonaws.com, and
  only once trusted access for account.amazonaws.com is enabled; otherwise AccessDeniedException.
  An account that is not a member answers AccessDeniedException too.
- A regional call into a region that is not enabled in the calling account fails as AWS's
  endpoints answer credentials that are not valid there: HTTP 403 UnrecognizedClientException
  ("The security token included in the request is invalid."). IAM, STS (global endpoint),
  Organizations and Account Management are global and always answer.
- A StackSet instance in a region not enabled in its target account fails (stacksets.py asks
  `enabled`).
"""
import json
import threading

from moto.organizations.models import organizations_backends

from . import cluster, org_fixes, state

DEFAULT_REGIONS = frozenset({
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1",
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1",
    "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ap-south-1",
})
OPT_IN_REGIONS = frozenset({
    "af-south-1", "ap-east-1", "ap-east-2", "ap-south-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
    "ap-southeast-6", "ap-southeast-7", "ca-west-1", "eu-central-2", "eu-south-1", "eu-south-2",
    "il-central-1", "me-central-1", "me-south-1", "mx-central-1",
})
GLOBAL_SERVICES = frozenset({"iam", "sts", "organizations", "account"})
PRINCIPAL = "account.amazonaws.com"

_status = {}   # (account, region) -> ENABLED | ENABLING | DISABLING (absent: DISABLED)
_generation = [0]


@state.on_reset
def _reset():
    _status.clear()
    _generation[0] += 1


def status(account, region):
    if region in DEFAULT_REGIONS:
        return "ENABLED_BY_DEFAULT"
    return _status.get((account, region), "DISABLED")


def enabled(account, region):
    """Whether calls into `region` from `account` are answered (ENABLING and DISABLING are not yet, and still are)."""
    if region not in OPT_IN_REGIONS:
        return True
    return status(account, region) in ("ENABLED", "DISABLING")


def refuses(service, account, region):
    """The call is regional and its region is not enabled in the calling account."""
    return bool(service and account and region) and service not in GLOBAL_SERVICES and not enabled(account, region)


def set_enabled(account, region, on):
    """For the admin API and the seeder: the region's state at once, without ENABLING."""
    _set((account, region), "ENABLED" if on else None)


def _set(key, status):
    """Changes a region's state here, on the organisation worker, and (once the lock is let go) on
    every other worker, whose calls into the region are refused or not by it (cluster.py)."""
    if status is None:
        _status.pop(key, None)
    else:
        _status[key] = status
    if cluster.count() > 1:
        others = [w for w in range(cluster.count()) if w != cluster.index()]
        cluster.later(lambda: [cluster.call(w, "regions", {"account": key[0], "region": key[1], "status": status})
                               for w in others])


@cluster.handles("regions")
def _mirror(payload):
    with state.LOCK:
        key = (payload["account"], payload["region"])
        if payload["status"] is None:
            _status.pop(key, None)
        else:
            _status[key] = payload["status"]
        return {"ok": True}


class _Refused(Exception):
    def __init__(self, code, message, status_code=400):
        super().__init__(message)
        self.code, self.message, self.status_code = code, message, status_code


def _target(caller, body):
    """The account the request is about: the caller's own, or (AccountId) a member's, if the caller may."""
    account = body.get("AccountId") or caller
    if account == caller:
        return account
    mgmt = org_fixes.management_backend(caller)
    if mgmt is None or not any(a.id == account for a in mgmt.accounts):
        raise _Refused("AccessDeniedException", "You don't have permissions to access this resource.", 403)
    is_mgmt = mgmt.org.master_account_id == caller
    if not is_mgmt and not org_fixes.is_delegated_admin(mgmt, caller, PRINCIPAL):
        raise _Refused("AccessDeniedException", "You don't have permissions to access this resource.", 403)
    if not any(s["ServicePrincipal"] == PRINCIPAL for s in mgmt.services):
        raise _Refused("AccessDeniedException", "The request failed because your organization does not have "
                       "trusted access enabled for account.amazonaws.com.", 403)
    return account


def _region(body):
    region = body.get("RegionName")
    if region not in DEFAULT_REGIONS and region not in OPT_IN_REGIONS:
        raise _Refused("ValidationException", f"Invalid region name {region!r}")
    return region


def _later(key, to, generation):
    with state.LOCK:
        if generation != _generation[0]:
            return
        _set(key, "ENABLED" if to == "ENABLED" else None)
    cluster.flush()


def _change(account, region, enable):
    if region in DEFAULT_REGIONS:
        raise _Refused("ValidationException", f"{region} is enabled by default and cannot be "
                       f"{'enabled' if enable else 'disabled'}")
    now = status(account, region)
    if now in ("ENABLING", "DISABLING"):
        raise _Refused("ConflictException", f"{region} is {now.lower()} in {account}; try again later", 409)
    key = (account, region)
    if enable and now == "DISABLED":
        _set(key, "ENABLING")
        target = "ENABLED"
    elif not enable and now == "ENABLED":
        _set(key, "DISABLING")
        target = "DISABLED"
    else:
        return
    timer = threading.Timer(state.setting("regionEnableSeconds"), _later, args=(key, target, _generation[0]))
    timer.daemon = True
    timer.start()


def handle(path, caller, raw):
    """Answers an Account Management request (REST-JSON: POST /getRegionOptStatus etc.), or None if it is not ours."""
    op = path.rstrip("/").rsplit("/", 1)[-1]
    if op not in ("getRegionOptStatus", "listRegions", "enableRegion", "disableRegion"):
        return None
    try:
        body = json.loads(raw or b"{}")
        with state.LOCK:
            account = _target(caller, body)
            if op == "getRegionOptStatus":
                region = _region(body)
                return 200, {"RegionName": region, "RegionOptStatus": status(account, region)}
            if op == "listRegions":
                wanted = set(body.get("RegionOptStatusContains") or [])
                regions = [{"RegionName": r, "RegionOptStatus": status(account, r)}
                           for r in sorted(DEFAULT_REGIONS | OPT_IN_REGIONS)]
                return 200, {"Regions": [r for r in regions if not wanted or r["RegionOptStatus"] in wanted]}
            _change(account, _region(body), op == "enableRegion")
            return 200, {}
    except _Refused as e:
        return e.status_code, {"__type": e.code, "message": e.message}
