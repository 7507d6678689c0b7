"""AWS STS: AssumeRole only into a role that exists and trusts the caller.

Mirrors STS's documented behaviour (sts/latest/APIReference/API_AssumeRole.html, Errors; IAM user
guide, id_roles_terms-and-concepts.html "trust policy" and
reference_policies_elements_principal.html): AssumeRole into a role that does not exist, or whose
trust policy does not allow the caller, fails with AccessDenied (HTTP 403) "User: <caller> is not
authorized to perform: sts:AssumeRole on resource: <role>". moto let every AssumeRole through:
the role need not exist, and trust policies were never read, so a test could "prove" a boundary
through a member role that is not there.

The trust policy allows the caller when an Allow statement for sts:AssumeRole (or sts:*, or *)
names it as Principal: "*", {"AWS": "*"}, its account id or account root ARN, or its own ARN (an
assumed-role session counts as its role's ARN, as IAM matches it; an IAM user as its user ARN). An
explicit Deny that names it wins. Condition blocks are not evaluated (a statement with one counts
as written without it): the one place this stays kinder than AWS, and no trust policy the tests,
the demo or CDK's bootstrap roles use has one.
"""
import json
from urllib.parse import unquote

from moto.core.exceptions import ServiceException
from moto.iam.models import iam_backends
from moto.sts.models import sts_backends
from moto.sts.responses import TokenResponse

from . import cluster, state

_ACTIONS = {"sts:assumerole", "sts:*", "*"}


class AccessDenied(ServiceException):
    code = "AccessDenied"

    def __init__(self, caller, role_arn):
        super().__init__(self.code, f"User: {caller} is not authorized to perform: sts:AssumeRole on resource: {role_arn}")


class _Denied(Exception):
    pass


def _list(value):
    return value if isinstance(value, list) else [value]


def caller_of(response):
    """(account id, ARN as a trust policy names it, ARN as AWS reports it) of the request's caller.
    AssumeRole is answered by the worker that holds the role (cluster.py); the caller's session or
    user is in the worker that holds the caller's account, which is asked when that is another."""
    account = response.current_account
    key = response.get_access_key()
    if cluster.is_local(account):
        return identity_of(account, key)
    return tuple(state.unlocked(lambda: cluster.call(cluster.owner(account), "identity",
                                                     {"account": account, "key": key})))


def identity_of(account, key):
    assumed = sts_backends[account]["aws"].get_assumed_role_from_access_key(key)
    if assumed is not None:
        return account, assumed.role_arn, assumed.arn
    user = iam_backends[account]["aws"].get_user_from_access_key_id(key)
    if user is not None:
        return account, user.arn, user.arn
    root = f"arn:aws:iam::{account}:root"
    return account, root, root


@cluster.handles("identity")
def _identity_call(payload):
    with state.LOCK:
        return list(identity_of(payload["account"], payload["key"]))


def _names(principal, account, arn):
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    for p in _list(principal.get("AWS", [])):
        if p == "*" or p == account or p == f"arn:aws:iam::{account}:root" or p == arn:
            return True
        # a role ARN with a path names the same role as the session's role ARN without one
        if ":role/" in p and ":role/" in arn and p.split(":")[4] == arn.split(":")[4] \
                and p.rsplit("/", 1)[-1] == arn.rsplit("/", 1)[-1]:
            return True
    return False


def trusts(document, account, arn):
    """Whether a trust policy lets the caller assume its role."""
    if isinstance(document, str):
        document = json.loads(unquote(document) if document.startswith("%") else document)
    allowed = False
    for st in _list(document.get("Statement", [])):
        actions = {a.lower() for a in _list(st.get("Action", []))}
        if not actions & _ACTIONS or not _names(st.get("Principal"), account, arn):
            continue
        if st.get("Effect") == "Deny":
            return False
        allowed |= st.get("Effect") == "Allow"
    return allowed


def _role(role_arn):
    try:
        target = role_arn.split(":")[4]
        name = role_arn.split(":role/", 1)[1].rsplit("/", 1)[-1]
    except IndexError:
        return None
    if target not in iam_backends:
        return None
    for role in iam_backends[target]["aws"].get_roles():
        if role.name == name and role.arn.split(":")[4] == target:
            return role
    return None


def _checked(original):
    def assume_role(self):
        role_arn = self._get_param("RoleArn")
        account, arn, reported = caller_of(self)
        role = _role(role_arn)
        if role is None or not trusts(role.assume_role_policy_document, account, arn):
            raise AccessDenied(reported, role_arn)
        return original(self)
    return assume_role


def apply():
    TokenResponse.assume_role = _checked(TokenResponse.assume_role)
