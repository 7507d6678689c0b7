"""AWS Organizations: delegated administrators, paging as AWS pages, reset, and seeding.

Additions, each mirroring documented AWS behaviour:
- CloudFormation StackSets is a service that supports a delegated administrator
  (organizations/latest/userguide/services-that-can-integrate-cloudformation.html); moto rejected
  its principal, and appended the account before validating, leaving a half-registered admin.
- A delegated administrator may call the read-only Organizations operations (ListAccounts,
  ListChildren, DescribeOrganizationalUnit, ...) for the whole organisation
  (organizations/latest/userguide/orgs_delegate_policies.html); a plain member gets
  AccessDeniedException. moto answered from the member's own empty backend.
- ListAccounts pages at 20 (its MaxResults maximum) and ListChildren honours MaxResults/NextToken
  (APIReference/API_ListChildren.html); moto returned 100 and everything, respectively.
- Seeding with fixed ids (admin endpoint POST /_sbo/organization), so samples and docs can name
  real OU and account ids. It goes through moto's own create calls, so every account gets its
  OrganizationAccountAccessRole exactly as CreateAccount gives it.
"""
import functools
import json
from contextlib import contextmanager

from moto.core.exceptions import ServiceException
from moto.organizations import utils as org_utils
from moto.organizations.models import (
    FakeDelegatedAdministrator,
    OrganizationsBackend,
    organizations_backends,
)

from . import cluster, state

STACKSETS_PRINCIPAL = "member.org.stacksets.cloudformation.amazonaws.com"
PARTITION = "aws"

_READS = [
    "list_accounts", "list_accounts_for_parent", "list_organizational_units_for_parent",
    "list_children", "list_parents", "describe_account", "describe_organizational_unit",
    "list_delegated_administrators", "list_delegated_services_for_account",
    "list_aws_service_access_for_organization", "list_create_account_status",
]


class AccessDeniedException(ServiceException):
    code = "AccessDeniedException"
    message = "You don't have permissions to access this resource."


def management_backend(account_id):
    """The backend that holds the organisation `account_id` belongs to, or None."""
    own = organizations_backends[account_id][PARTITION]
    if own.org is not None:
        return own
    owner = organizations_backends.master_accounts.get(account_id)
    if owner is None:
        return None
    return organizations_backends[owner[0]][owner[1]]


def is_delegated_admin(backend, account_id, principal):
    return any(a.account.id == account_id and principal in a.services for a in backend.admins)


def _reader(read):
    @functools.wraps(read)
    def forwarded(self, *args, **kwargs):
        if self.org is None and self.account_id in organizations_backends.master_accounts:
            mgmt = management_backend(self.account_id)
            if not any(a.account.id == self.account_id and a.services for a in mgmt.admins):
                raise AccessDeniedException()
            return read(mgmt, *args, **kwargs)
        return read(self, *args, **kwargs)

    return forwarded


def _list_children_paged(original):
    @functools.wraps(original)
    def paged(self, **kwargs):
        children = original(self, **kwargs)["Children"]
        start = int(kwargs.get("NextToken") or 0)
        size = int(kwargs.get("MaxResults") or 20)
        page = children[start:start + size]
        result = {"Children": page}
        if start + size < len(children):
            result["NextToken"] = str(start + size)
        return result

    return paged


def _register_delegated_administrator(self, **kwargs):
    if not FakeDelegatedAdministrator.supported_service(kwargs["ServicePrincipal"]):
        from moto.organizations.exceptions import InvalidInputException

        raise InvalidInputException("You specified an unrecognized service principal.")
    return _original_register(self, **kwargs)


_original_register = OrganizationsBackend.register_delegated_administrator


def apply():
    # both accept a delegated administrator on AWS (organizations/latest/userguide/orgs_integrate_services_list.html)
    for principal in (STACKSETS_PRINCIPAL, "account.amazonaws.com"):
        if principal not in FakeDelegatedAdministrator.SUPPORTED_SERVICES:
            FakeDelegatedAdministrator.SUPPORTED_SERVICES.append(principal)
    OrganizationsBackend.register_delegated_administrator = _register_delegated_administrator
    OrganizationsBackend.list_children = _list_children_paged(OrganizationsBackend.list_children)
    for name in _READS:
        setattr(OrganizationsBackend, name, _reader(getattr(OrganizationsBackend, name)))
    model = org_utils.PAGINATION_MODEL["list_accounts"]
    model["limit_default"] = 20
    # JoinedTimestamp is not unique when accounts are created in a burst; paging by it skips some.
    model["unique_attribute"] = "Id"
    # Membership changes drive StackSet auto-deployment (see stacksets.on_membership_change).
    OrganizationsBackend.create_account = _create_account(OrganizationsBackend.create_account)
    for name in ("create_account", "move_account", "remove_account_from_organization", "close_account"):
        setattr(OrganizationsBackend, name, _notify_membership(getattr(OrganizationsBackend, name)))


def _notify_membership(change):
    @functools.wraps(change)
    def notified(self, **kwargs):
        result = change(self, **kwargs)
        from . import stacksets

        stacksets.on_membership_change(self)
        return result

    return notified


def _create_account(original):
    """CreateAccount makes the account's OrganizationAccountAccessRole in the account itself (moto
    does it in this worker's copy of the account); with several workers, in the one that owns it."""
    @functools.wraps(original)
    def created(self, **kwargs):
        result = original(self, **kwargs)
        account = result["CreateAccountStatus"]["AccountId"]
        if not cluster.is_local(account):
            payload = {"account": account, "roleName": kwargs.get("RoleName") or "OrganizationAccountAccessRole",
                       "managementAccount": self.account_id}
            cluster.later(lambda: cluster.call(cluster.owner(account), "account-role", payload))
        return result

    return created


@cluster.handles("account-role")
def _account_role(payload):
    from moto.iam import iam_backends
    from moto.iam.exceptions import EntityAlreadyExists

    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{payload['managementAccount']}:root"},
        "Action": "sts:AssumeRole"}]}
    with state.LOCK:
        try:
            iam_backends[payload["account"]]["global"].create_role(
                role_name=payload["roleName"], assume_role_policy_document=json.dumps(trust), path="",
                permissions_boundary=None, description="", tags=[], max_session_duration="3600")
        except EntityAlreadyExists:
            pass
    return {"ok": True}


@contextmanager
def _fixed_ids(**generators):
    saved = {name: getattr(org_utils, name) for name in generators}
    try:
        for name, value in generators.items():
            setattr(org_utils, name, value)
        yield
    finally:
        for name, value in saved.items():
            setattr(org_utils, name, value)


def seed(spec):
    """Creates an organisation with the ids the spec names. Spec:
    {"managementAccountId": "123456789012", "organizationId": "o-...", "rootId": "r-abcd",
     "region": "us-east-1",
     "organizationalUnits": [{"id": "ou-abcd-dev00001", "name": "dev", "parentId": "r-abcd"}],
     "accounts": [{"id": "200000000001", "name": "dev-1", "email": "...", "parentId": "ou-..."}],
     "trustedServices": ["member.org.stacksets.cloudformation.amazonaws.com"],
     "delegatedAdministrators": [{"accountId": "...", "servicePrincipal": "..."}]}
    OUs must be listed parents first. Returns {"organization": ..., "roots": ...}."""
    mgmt_id = spec["managementAccountId"]
    backend = organizations_backends[mgmt_id][PARTITION]
    ids = {
        "make_random_org_id": lambda: spec.get("organizationId") or _original_ids["org"](),
        "make_random_root_id": lambda: spec.get("rootId") or _original_ids["root"](),
    }
    with _fixed_ids(**ids):
        backend.create_organization(region=spec.get("region", "us-east-1"),
                                    FeatureSet=spec.get("featureSet", "ALL"))
    for ou in spec.get("organizationalUnits", []):
        with _fixed_ids(make_random_ou_id=lambda _root, i=ou["id"]: i):
            backend.create_organizational_unit(Name=ou["name"], ParentId=ou["parentId"])
    root_id = backend.org.root_id
    for account in spec.get("accounts", []):
        with _fixed_ids(make_random_account_id=lambda i=account["id"]: i):
            backend.create_account(AccountName=account["name"],
                                   Email=account.get("email", f"{account['name']}@example.com"))
        parent = account.get("parentId", root_id)
        if parent != root_id:
            backend.move_account(AccountId=account["id"], SourceParentId=root_id,
                                 DestinationParentId=parent)
    for principal in spec.get("trustedServices", []):
        backend.enable_aws_service_access(ServicePrincipal=principal)
    for admin in spec.get("delegatedAdministrators", []):
        backend.register_delegated_administrator(AccountId=admin["accountId"],
                                                 ServicePrincipal=admin["servicePrincipal"])
    return {"organization": backend.org.describe()["Organization"], "rootId": root_id}


_original_ids = {"org": org_utils.make_random_org_id, "root": org_utils.make_random_root_id}
