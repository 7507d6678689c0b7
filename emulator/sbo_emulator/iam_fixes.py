"""IAM and its CloudFormation resources, as AWS behaves (IAM/latest/APIReference,
AWSCloudFormation/latest/UserGuide/aws-resource-iam-*.html).

- DeletePolicy refuses with DeleteConflict while the policy is attached to any entity or is any
  role's or user's permissions boundary (API_DeletePolicy.html). moto deleted it regardless,
  which hid exactly the ordering problem the operator's Delete path exists to respect.
- A customer managed policy named as a permissions boundary must exist in the account
  (API_PutRolePermissionsBoundary.html: NoSuchEntity); moto accepted any ARN.
- GetPolicy's PermissionsBoundaryUsageCount counts the roles and users the policy is the boundary
  of (API_Policy.html); moto answered 0 always, so a hand-made boundary in use looked unused.
- GetPolicyVersion returns the document URL-encoded (RFC 3986), as AWS does; moto returned raw
  JSON, so a client that forgot to decode passed against moto and failed against AWS.
- AWS::IAM::ManagedPolicy supports update (a new default version; when five exist the oldest
  non-default one is deleted first; a new name or path replaces the policy) and delete
  (detach, then DeletePolicy). moto had neither: an update left the old document and a delete
  left the policy behind.
- AWS::IAM::Role applies PermissionsBoundary changes on update (add, change, remove); moto
  updated only the description.
- GetAccountAuthorizationDetails pages as AWS does (API_GetAccountAuthorizationDetails.html:
  MaxItems 1-1000, default 100, counted across users, groups, roles and policies in that order;
  IsTruncated and an opaque Marker), and returns policy version documents URL-encoded like every
  IAM document. moto returned everything in one page whatever MaxItems said, and failed (HTTP 500)
  on any role whose inline policy CloudFormation had stored as an object, as the CDK bootstrap
  roles' are: their documents are URL-encoded JSON too.
"""
import json

from moto.core.serialize import url_encode
from moto.iam import models as iamm
from moto.iam.exceptions import DeleteConflictException, NotFoundException
from moto.iam.models import iam_backends
from moto.iam.responses import IamResponse
from moto.utilities.utils import get_partition

AWS_MANAGED_PREFIX = "arn:aws:iam::aws:policy/"


def _boundary_users(backend, policy_arn):
    roles = [r for r in backend.roles.values() if r.permissions_boundary_arn == policy_arn]
    users = [u for u in backend.users.values()
             if getattr(u, "permissions_boundary_arn", None) == policy_arn]
    return roles + users


_original_delete_policy = iamm.IAMBackend.delete_policy


def _delete_policy(self, policy_arn):
    policy = self.get_policy(policy_arn)
    if policy.attachment_count > 0 or _boundary_users(self, policy.arn):
        raise DeleteConflictException("Cannot delete a policy attached to entities.")
    _original_delete_policy(self, policy_arn)


def _require_boundary_exists(backend, boundary_arn):
    if not boundary_arn or boundary_arn.startswith(AWS_MANAGED_PREFIX):
        return
    if boundary_arn not in backend.managed_policies:
        raise NotFoundException(
            f"Scope ARN: {boundary_arn} does not exist or is not attachable.")


_original_put_boundary = iamm.IAMBackend.put_role_permissions_boundary


def _put_role_permissions_boundary(self, role_name, permissions_boundary):
    _require_boundary_exists(self, permissions_boundary)
    _original_put_boundary(self, role_name, permissions_boundary)


_original_create_role = iamm.IAMBackend.create_role


def _create_role(self, *args, **kwargs):
    boundary = kwargs.get("permissions_boundary")
    if boundary is None and len(args) > 3:
        boundary = args[3]
    _require_boundary_exists(self, boundary)
    return _original_create_role(self, *args, **kwargs)


def _policy_properties(cloudformation_json):
    return cloudformation_json.get("Properties", {})


def _managed_policy_update(cls, original_resource, new_resource_name, cloudformation_json,
                           account_id, region_name):
    props = _policy_properties(cloudformation_json)
    backend = iam_backends[account_id][get_partition(region_name)]
    name = props.get("ManagedPolicyName", original_resource.name)
    path = props.get("Path", "/") or "/"
    if name != original_resource.name or path != original_resource.path:
        replacement = cls.create_from_cloudformation_json(
            new_resource_name, cloudformation_json, account_id, region_name)
        cls.delete_from_cloudformation_json(original_resource.arn, cloudformation_json,
                                            account_id, region_name, original=original_resource)
        return replacement
    policy = backend.get_policy(original_resource.arn)
    document = json.dumps(props.get("PolicyDocument"))
    current = next(v for v in policy.versions if v.version_id == policy.default_version_id)
    if _same_document(current.document, document):
        return policy
    if len(policy.versions) >= 5:
        oldest = min((v for v in policy.versions if not v.is_default),
                     key=lambda v: int(v.version_id.lstrip("v")))
        backend.delete_policy_version(policy.arn, oldest.version_id)
    backend.create_policy_version(policy.arn, document, set_as_default=True)
    return policy


def _same_document(a, b):
    try:
        return json.loads(a) == json.loads(b)
    except (TypeError, ValueError):
        return a == b


def _managed_policy_delete(cls, resource_name, cloudformation_json, account_id, region_name,
                           original=None):
    backend = iam_backends[account_id][get_partition(region_name)]
    arn = original.arn if original is not None else resource_name
    if arn not in backend.managed_policies:
        return  # already gone: deleting a resource that no longer exists succeeds
    props = _policy_properties(cloudformation_json)
    for role in props.get("Roles", []):
        backend.detach_role_policy(arn, role)
    for user in props.get("Users", []):
        backend.detach_user_policy(arn, user)
    for group in props.get("Groups", []):
        backend.detach_group_policy(arn, group)
    backend.delete_policy(arn)


_original_role_update = iamm.Role.update_from_cloudformation_json.__func__


def _role_update(cls, original_resource, new_resource_name, cloudformation_json, account_id,
                 region_name):
    role = _original_role_update(cls, original_resource, new_resource_name, cloudformation_json,
                                 account_id, region_name)
    backend = iam_backends[account_id][get_partition(region_name)]
    boundary = cloudformation_json["Properties"].get("PermissionsBoundary")
    if boundary:
        backend.put_role_permissions_boundary(role.name, boundary)
    else:
        backend.delete_role_permissions_boundary(role.name)
    return role


def _boundary_usage_count(policy):
    try:
        backend = iam_backends[policy.account_id][get_partition("us-east-1")]
    except (KeyError, AttributeError):
        return 0
    return len(_boundary_users(backend, policy.arn))


_GAAD_LISTS = (("UserDetailList", "users"), ("GroupDetailList", "groups"), ("RoleDetailList", "roles"),
               ("Policies", "managed_policies"))


def _account_authorization_details(self):
    from moto.core.responses import ActionResult

    details = self.backend.get_account_authorization_details(self._get_param("Filter", []))
    items = [(key, item) for key, name in _GAAD_LISTS for item in details[name]]
    max_items = int(self._get_param("MaxItems") or 100)
    if not 1 <= max_items <= 1000:
        from moto.iam.exceptions import ValidationError

        raise ValidationError(f"1 validation error detected: Value '{max_items}' at 'maxItems' failed to satisfy "
                              "constraint: Member must have value between 1 and 1000")
    start = int(self._get_param("Marker") or 0)
    page = items[start:start + max_items]
    result = {key: [item for k, item in page if k == key] for key, _ in _GAAD_LISTS}
    result["IsTruncated"] = start + max_items < len(items)
    if result["IsTruncated"]:
        result["Marker"] = str(start + max_items)
    return ActionResult(result)


def _role_policy_list(self):
    return [{"PolicyName": name, "PolicyDocument": url_encode(policy if isinstance(policy, str) else json.dumps(policy))}
            for name, policy in self.policies.items()]


def apply():
    iamm.IAMBackend.delete_policy = _delete_policy
    iamm.ManagedPolicy.permissions_boundary_usage_count = property(_boundary_usage_count)
    iamm.IAMBackend.put_role_permissions_boundary = _put_role_permissions_boundary
    iamm.IAMBackend.create_role = _create_role
    IamResponse.RESPONSE_KEY_PATH_TO_TRANSFORMER[
        "GetPolicyVersionResponse.PolicyVersion.Document"] = url_encode
    IamResponse.RESPONSE_KEY_PATH_TO_TRANSFORMER[
        "PolicyVersionList.Document"] = url_encode
    IamResponse.get_account_authorization_details = _account_authorization_details
    iamm.Role.role_policy_list = property(_role_policy_list)
    iamm.ManagedPolicy.update_from_cloudformation_json = classmethod(_managed_policy_update)
    iamm.ManagedPolicy.delete_from_cloudformation_json = classmethod(_managed_policy_delete)
    iamm.Role.update_from_cloudformation_json = classmethod(_role_update)
