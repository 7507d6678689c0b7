"""AWS Organizations policies: the delegated administrator for policies, the quotas, the errors.

Additions, each mirroring documented AWS behaviour:
- PutResourcePolicy / DescribeResourcePolicy / DeleteResourcePolicy (organizations/latest/APIReference/
  API_PutResourcePolicy.html, API_DescribeResourcePolicy.html): the organisation's resource-based
  delegation policy; moto lacks them. Put and Delete only from the management account; Describe
  from the management account or a delegated administrator; ResourcePolicyNotFoundException when
  there is none.
- A member account may call the policy operations (CreatePolicy, UpdatePolicy, AttachPolicy,
  DetachPolicy, DeletePolicy, DescribePolicy, ListPolicies, ListPoliciesForTarget,
  ListTargetsForPolicy, TagResource, ListTagsForResource) only as a delegated administrator for
  Organizations policies: the delegation policy must allow the action to its account, with the
  condition key organizations:PolicyType (organizations/latest/userguide/orgs_delegate_policies.html,
  orgs_permissions_overview.html); it then acts on the organisation. Otherwise AccessDeniedException.
  moto ran them in the member's own empty backend. The decision is @cloud-copilot/iam-simulate's
  (iam_simulate.evaluate); the caller's identity policies are not enforced (as elsewhere in moto).
- Quotas (organizations/latest/userguide/orgs_reference_limits.html, raised in 2026 from 5,120
  characters and 5 per target): an SCP document holds at most 10,240 characters
  (CreatePolicy/UpdatePolicy: ConstraintViolationException, Reason POLICY_CONTENT_LIMIT_EXCEEDED); at
  most 10 SCPs are attached directly to one root, OU or account (AttachPolicy:
  POLICY_NUMBER_LIMIT_EXCEEDED).
- AttachPolicy (API_AttachPolicy.html, API_DetachPolicy.html): an SCP while SCPs are not enabled on
  the root is PolicyTypeNotEnabledException; one already attached is
  DuplicatePolicyAttachmentException; DetachPolicy of one not attached is PolicyNotAttachedException.
  moto accepted all three silently.
"""
import functools
import json

from moto.core.exceptions import ServiceException
from moto.organizations.models import FakeRoot, OrganizationsBackend, organizations_backends
from moto.organizations.responses import OrganizationsResponse

from . import iam_simulate, state
from .org_fixes import AccessDeniedException, PARTITION, management_backend

SCP = "SERVICE_CONTROL_POLICY"
MAX_SCP_CHARACTERS = 10240
MAX_SCPS_PER_TARGET = 10
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}

_resource_policies = {}  # management account -> (id, content)


class OrganizationsError(ServiceException):
    def __init__(self, code, message, reason=None):
        super().__init__(code, message)
        if reason is not None:
            self.Reason = reason


def _constraint(reason, message):
    return OrganizationsError("ConstraintViolationException", message, reason)


# --- the delegation policy ---------------------------------------------------------------------

def _member_of(account_id):
    return account_id in organizations_backends.master_accounts


def put_resource_policy(self):
    backend = self.organizations_backend
    if backend.org is None:
        raise AccessDeniedException()
    content = self._get_param("Content")
    json.loads(content)
    pid = _resource_policies.get(backend.account_id, ("rp-" + backend.org.id[2:10].ljust(8, "0"), None))[0]
    _resource_policies[backend.account_id] = (pid, content)
    return json.dumps({"ResourcePolicy": {"ResourcePolicySummary": _summary(backend, pid)}})


def _summary(mgmt, pid):
    return {"Id": pid, "Arn": f"arn:{PARTITION}:organizations::{mgmt.account_id}:resourcepolicy/{mgmt.org.id}/{pid}"}


def describe_resource_policy(self):
    backend = self.organizations_backend
    mgmt = backend if backend.org is not None else management_backend(backend.account_id)
    if mgmt is None or mgmt.org is None:
        raise OrganizationsError("AWSOrganizationsNotInUseException",
                                 "Your account is not a member of an organization.")
    held = _resource_policies.get(mgmt.account_id)
    if mgmt is not backend:
        named = held is not None and backend.account_id in held[1]
        if not (any(a.account.id == backend.account_id and a.services for a in mgmt.admins) or named):
            raise AccessDeniedException()
    if held is None:
        raise OrganizationsError("ResourcePolicyNotFoundException",
                                 "We can't find a resource policy request with the parameter that you specified.")
    return json.dumps({"ResourcePolicy": {"ResourcePolicySummary": _summary(mgmt, held[0]), "Content": held[1]}})


def delete_resource_policy(self):
    backend = self.organizations_backend
    if backend.org is None:
        raise AccessDeniedException()
    if _resource_policies.pop(backend.account_id, None) is None:
        raise OrganizationsError("ResourcePolicyNotFoundException",
                                 "We can't find a resource policy request with the parameter that you specified.")
    return "{}"


def _authorize(mgmt, account_id, action, resource, policy_type):
    held = _resource_policies.get(mgmt.account_id)
    if held is None:
        raise AccessDeniedException()
    context = {"organizations:PolicyType": policy_type} if policy_type else {}
    result = iam_simulate.evaluate({
        "identityPolicies": [{"name": "caller", "policy": ALLOW_ALL}], "serviceControlPolicies": [],
        "resourceControlPolicies": [], "resourcePolicy": json.loads(held[1]),
        "request": {"principal": f"arn:{PARTITION}:iam::{account_id}:role/caller", "action": f"organizations:{action}",
                    "resource": {"resource": resource, "accountId": mgmt.account_id}, "contextVariables": context}})
    if result.get("overallResult") != "Allowed":
        raise AccessDeniedException()


# --- policy operations from a delegated administrator ------------------------------------------

def _policy(mgmt, policy_id):
    return next((p for p in mgmt.policies if p.id == policy_id), None) if policy_id else None


def _delegated(action, type_of, arn_of):
    """A policy operation, as the management account does it, or as an authorised delegated administrator."""
    def wrap(original):
        @functools.wraps(original)
        def op(self, *args, **kwargs):
            if self.org is None and _member_of(self.account_id):
                mgmt = management_backend(self.account_id)
                _authorize(mgmt, self.account_id, action, arn_of(mgmt, kwargs), type_of(mgmt, kwargs))
                return original(mgmt, *args, **kwargs)
            return original(self, *args, **kwargs)
        return op
    return wrap


def _type_by_id(key):
    return lambda mgmt, kw: getattr(_policy(mgmt, kw.get(key)), "type", None)


def _arn_by_id(key):
    return lambda mgmt, kw: getattr(_policy(mgmt, kw.get(key)), "arn", "*")


_OPERATIONS = {
    "create_policy": ("CreatePolicy", lambda m, kw: kw.get("Type"), lambda m, kw: "*"),
    "update_policy": ("UpdatePolicy", _type_by_id("PolicyId"), _arn_by_id("PolicyId")),
    "attach_policy": ("AttachPolicy", _type_by_id("PolicyId"), _arn_by_id("PolicyId")),
    "detach_policy": ("DetachPolicy", _type_by_id("PolicyId"), _arn_by_id("PolicyId")),
    "delete_policy": ("DeletePolicy", _type_by_id("PolicyId"), _arn_by_id("PolicyId")),
    "describe_policy": ("DescribePolicy", _type_by_id("PolicyId"), _arn_by_id("PolicyId")),
    "list_policies": ("ListPolicies", lambda m, kw: kw.get("policy_type"), lambda m, kw: "*"),
    "list_policies_for_target": ("ListPoliciesForTarget", lambda m, kw: kw.get("policy_type"), lambda m, kw: "*"),
    "list_targets_for_policy": ("ListTargetsForPolicy", _type_by_id("PolicyId"), _arn_by_id("PolicyId")),
    "tag_resource": ("TagResource", _type_by_id("ResourceId"), _arn_by_id("ResourceId")),
    "list_tags_for_resource": ("ListTagsForResource", _type_by_id("ResourceId"), _arn_by_id("ResourceId")),
}


# --- quotas and errors, at the API (moto's own set-up attaches FullAWSAccess before SCPs are enabled) --

def _acting(response):
    backend = response.organizations_backend
    return backend if backend.org is not None else (management_backend(backend.account_id) or backend)


def _checked(name, check):
    original = getattr(OrganizationsResponse, name)

    @functools.wraps(original)
    def handler(self):
        mgmt = _acting(self)
        if mgmt.org is not None:
            check(mgmt, self.request_params)
        return original(self)

    return handler


def _check_size(mgmt, params):
    policy = _policy(mgmt, params.get("PolicyId"))
    kind = params.get("Type") or getattr(policy, "type", None)
    content = params.get("Content")
    if kind == SCP and content is not None and len(content) > MAX_SCP_CHARACTERS:
        raise _constraint("POLICY_CONTENT_LIMIT_EXCEEDED", "You attempted to create a policy larger than the maximum size.")


def _target(mgmt, target_id):
    return next((o for o in mgmt.ou if o.id == target_id), None) or next(
        (a for a in mgmt.accounts if a.id == target_id), None)


def _check_attach(mgmt, params):
    policy = _policy(mgmt, params.get("PolicyId"))
    target = _target(mgmt, params.get("TargetId"))
    if policy is None or target is None or policy.type != SCP:
        return  # moto's own errors
    root = next(o for o in mgmt.ou if isinstance(o, FakeRoot))
    if not any(t["Type"] == SCP and t["Status"] == "ENABLED" for t in root.policy_types):
        raise OrganizationsError("PolicyTypeNotEnabledException",
                                 "This operation can be performed only for enabled policy types.")
    if policy in target.attached_policies:
        raise OrganizationsError("DuplicatePolicyAttachmentException",
                                 "The selected policy is already attached to the specified target.")
    if sum(1 for p in target.attached_policies if p.type == SCP) >= MAX_SCPS_PER_TARGET:
        raise _constraint("POLICY_NUMBER_LIMIT_EXCEEDED",
                          "You attempted to exceed the number of policies of a certain type that you can attach to an entity.")


def _check_detach(mgmt, params):
    policy = _policy(mgmt, params.get("PolicyId"))
    target = _target(mgmt, params.get("TargetId"))
    if policy is not None and target is not None and policy not in target.attached_policies:
        raise OrganizationsError("PolicyNotAttachedException",
                                 "The policy isn't attached to the target that you specified.")


@state.on_reset
def reset():
    _resource_policies.clear()


def apply():
    OrganizationsResponse.put_resource_policy = put_resource_policy
    OrganizationsResponse.describe_resource_policy = describe_resource_policy
    OrganizationsResponse.delete_resource_policy = delete_resource_policy
    for name, (action, type_of, arn_of) in _OPERATIONS.items():
        setattr(OrganizationsBackend, name, _delegated(action, type_of, arn_of)(getattr(OrganizationsBackend, name)))
    for name in ("create_policy", "update_policy"):
        setattr(OrganizationsResponse, name, _checked(name, _check_size))
    OrganizationsResponse.attach_policy = _checked("attach_policy", _check_attach)
    OrganizationsResponse.detach_policy = _checked("detach_policy", _check_detach)
