"""IAM policy simulation, as AWS evaluates it (IAM/latest/APIReference/API_SimulatePrincipalPolicy.html,
API_SimulateCustomPolicy.html, IAM/latest/UserGuide/reference_policies_evaluation-logic.html).

moto implements neither call. The decision itself is not written here: it comes from
@cloud-copilot/iam-simulate (AGPL-3.0), run as a separate Node process (emulator/iam-simulate-helper.js,
installed by hack/install-iam-simulate.sh into the cache; SBO_IAM_SIMULATE_DIR names it). It is a
test peer only, never part of the operator. This module gathers the inputs from moto's state the
way AWS does and shapes the answer as AWS does; the evaluator gets all of a call's simulations in one
round trip, while the backend lock is let go (other requests go on meanwhile):

- SimulatePrincipalPolicy evaluates the principal's inline and attached managed policies (plus
  PolicyInputList) with its permissions boundary; PermissionsBoundaryPolicyInputList replaces the
  attached boundary for the simulation. SimulateCustomPolicy evaluates PolicyInputList with
  PermissionsBoundaryPolicyInputList only.
- The service control policies on the path root -> OUs -> account apply when the organisation
  has SCPs enabled, except in the management account (reference_policies_evaluation-logic.html).
  AWS keeps at least one SCP attached to every root, OU and account (FullAWSAccess by default);
  moto may leave an OU or account without one, so such a level counts as FullAWSAccess.
- SCP statements with global condition keys: the current CLI reference (simulate-custom-policy,
  simulate-principal-policy) says the simulator evaluates SCPs "including their condition keys and
  resource scoping"; the IAM User Guide said "You can't test AWS Organizations service control
  policies (SCPs) with global condition keys". The setting simulateScpGlobalConditionKeys picks
  which (1, the default: evaluated; 0: a statement whose condition names an aws: key takes no
  part), so the operator's proof of its guardrail is tested against both.
- Resource control policies are not simulated (none are passed to the evaluator), as AWS's
  simulator does not evaluate them.
- AWS::IAM::Role ManagedPolicyArns (moto ignores them) are recorded at stack create and update and
  count as attached policies here, so the CDK execution role has its execution policies.
- Each result has EvalDecision allowed / explicitDeny / implicitDeny, MatchedStatements (the
  decisive statements: the denies for explicitDeny, else the allows), MissingContextValues (always
  empty here), PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary (the boundary's own
  decision, whatever the identity policies say, as AWS reports it) and
  OrganizationsDecisionDetail.AllowedByOrganizations (likewise the SCPs' own decision). iam-simulate
  evaluates each layer on its own, so the helper reads both from the request's evaluation; only where a
  wildcard resource took it several evaluations (or none) is a layer simulated alone.
"""
import itertools
import json
import os
import subprocess
import threading

from moto.core.responses import ActionResult
from moto.iam import models as iamm
from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.iam.models import iam_backends
from moto.iam.responses import IamResponse
from moto.organizations.models import FakeRoot

from . import cluster, org_fixes, state

PARTITION = "aws"
FULL_AWS_ACCESS = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
_aws_managed = None
_role_managed_arns = {}  # (account, role name) -> ManagedPolicyArns from CloudFormation
_helper = None
_helper_lock = threading.Lock()
_ids = itertools.count(1)


class SimulatorUnavailable(Exception):
    pass


def evaluate(simulation):
    """One decision of the evaluator (under the caller's locks: for the Organizations checks)."""
    return evaluate_all([simulation])[0]


def evaluate_all(simulations):
    """The evaluator's decisions for a list of simulations, in one round trip to the helper."""
    global _helper
    with _helper_lock:
        if _helper is None or _helper.poll() is not None:
            home = os.environ.get("SBO_IAM_SIMULATE_DIR", "")
            helper = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "iam-simulate-helper.js")
            if not os.path.isdir(os.path.join(home, "node_modules", "@cloud-copilot", "iam-simulate")):
                raise SimulatorUnavailable("iam-simulate is not installed (hack/install-iam-simulate.sh)")
            _helper = subprocess.Popen(["node", helper], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       env=dict(os.environ, NODE_PATH=os.path.join(home, "node_modules")),
                                       text=True, bufsize=1)
        rid = next(_ids)
        policies, simulations = _by_reference(simulations)
        _helper.stdin.write(json.dumps({"id": rid, "policies": policies, "simulations": simulations}) + "\n")
        _helper.stdin.flush()
        answer = json.loads(_helper.stdout.readline())
    if "error" in answer:
        raise RuntimeError(answer["error"])
    return answer["results"]


def _by_reference(simulations):
    """Each distinct policy document once, the simulations naming it by index: a call's simulations
    share the principal's policies, the boundary and the SCPs (the helper's request format)."""
    policies, index = [], {}

    def refs(entries):
        if entries is None:
            return None
        out = []
        for e in entries:
            key = id(e["policy"])
            if key not in index:
                index[key] = len(policies)
                policies.append(e["policy"])
            out.append({"name": e["name"], "ref": index[key]})
        return out

    shaped = []
    for s in simulations:
        s = dict(s, identityPolicies=refs(s["identityPolicies"]),
                 serviceControlPolicies=[dict(level, policies=refs(level["policies"]))
                                         for level in s.get("serviceControlPolicies") or []])
        if "permissionBoundaryPolicies" in s:
            s["permissionBoundaryPolicies"] = refs(s["permissionBoundaryPolicies"])
        shaped.append(s)
    return policies, shaped


def _aws_managed_document(arn):
    global _aws_managed
    if _aws_managed is None:
        _aws_managed = json.loads(aws_managed_policies_data)
    entry = _aws_managed.get(arn.rsplit("/", 1)[-1])
    return entry["Document"] if entry else None


def _managed_document(backend, arn):
    policy = backend.managed_policies.get(arn)
    if policy is not None:
        version = next((v for v in policy.versions if v.is_default), None)
        doc = version.document if version else getattr(policy, "document", "{}")
        return json.loads(doc) if isinstance(doc, str) else doc
    return _aws_managed_document(arn) if ":iam::aws:policy/" in arn else None


def _principal(backend, arn):
    kind, name = arn.split(":", 5)[5].split("/", 1)
    name = name.rsplit("/", 1)[-1]
    entity = backend.get_role(name) if kind == "role" else backend.get_user(name)
    identity = [{"name": n, "policy": json.loads(d) if isinstance(d, str) else d} for n, d in entity.policies.items()]
    arns = list(entity.managed_policies.keys())
    if kind == "role":
        arns += [a for a in _role_managed_arns.get((backend.account_id, name), []) if a not in arns]
    for a in arns:
        doc = _managed_document(backend, a)
        if doc is not None:
            identity.append({"name": a, "policy": doc})
    boundary = getattr(entity, "permissions_boundary_arn", None) or None
    return identity, boundary


def _scps(account_id):
    """The SCP levels above `account_id`, from the worker that holds the organisation (cluster.py)."""
    if cluster.is_local(cluster.DEFAULT_ACCOUNT):
        return scps_of(account_id)
    return state.unlocked(lambda: cluster.call(cluster.org_worker(), "scps", {"account": account_id}))


@cluster.handles("scps")
def _scps_call(payload):
    with state.LOCK:
        return scps_of(payload["account"])


def scps_of(account_id):
    """The SCPs on the path root -> OUs -> account, each level with its attached SCPs (FullAWSAccess
    where moto left a level without one); [] outside an organisation with SCPs enabled."""
    backend = org_fixes.management_backend(account_id)
    if backend is None or backend.org is None or account_id == backend.org.master_account_id:
        return []
    root = next(ou for ou in backend.ou if isinstance(ou, FakeRoot))
    if not any(t["Type"] == "SERVICE_CONTROL_POLICY" and t["Status"] == "ENABLED" for t in root.policy_types):
        return []
    account = next((a for a in backend.accounts if a.id == account_id), None)
    if account is None:
        return []
    chain = [account]
    parent = account.parent_id
    while parent is not None:
        ou = next((o for o in backend.ou if o.id == parent), None)
        if ou is None:
            break
        chain.insert(0, ou)
        parent = None if isinstance(ou, FakeRoot) else ou.parent_id
    global_keys = state.setting("simulateScpGlobalConditionKeys") != 0
    levels = []
    for entity in chain:
        attached = [p for p in entity.attached_policies if p.type == "SERVICE_CONTROL_POLICY"]
        policies = [{"name": p.name, "policy": json.loads(p.content)} for p in attached]
        if not global_keys:
            policies = [p for p in (_without_global_conditions(p) for p in policies) if p is not None]
        levels.append({"orgIdentifier": entity.id,
                       "policies": policies if attached else [{"name": "FullAWSAccess", "policy": FULL_AWS_ACCESS}]})
    return levels


def _without_global_conditions(named):
    """The SCP without the statements whose conditions name a global key (aws:...); None if none is left."""
    statements = named["policy"].get("Statement")
    statements = statements if isinstance(statements, list) else [statements]
    kept = [s for s in statements
            if not any(key.lower().startswith("aws:")
                       for keys in (s.get("Condition") or {}).values() for key in keys)]
    return dict(named, policy=dict(named["policy"], Statement=kept)) if kept else None


def _context(entries):
    ctx = {}
    for e in entries or []:
        values = e.get("ContextKeyValues") or []
        kind = e.get("ContextKeyType") or "string"
        ctx[e["ContextKeyName"]] = values if kind.endswith("List") or len(values) != 1 else values[0]
    return ctx


def _documents(key, params):
    return [{"name": f"{key}.{i + 1}", "policy": json.loads(doc)} for i, doc in enumerate(params.get(key) or [])]


def _statements(analysis, policy_type):
    return [{"SourcePolicyId": s.get("policyId"), "SourcePolicyType": policy_type} for s in analysis]


def _result(action, resource, result):
    if result.get("errors"):
        return {"EvalActionName": action, "EvalResourceName": resource, "EvalDecision": "implicitDeny",
                "MatchedStatements": [], "MissingContextValues": []}
    analysis = (result.get("results") or [{}])[0].get("analysis", {})
    overall = result.get("overallResult")
    decision = {"Allowed": "allowed", "ExplicitlyDenied": "explicitDeny"}.get(overall, "implicitDeny")
    identity = analysis.get("identityAnalysis", {})
    boundary = analysis.get("permissionBoundaryAnalysis", {})
    if decision == "explicitDeny":
        matched = _statements(identity.get("denyStatements", []), "user") \
            + _statements(boundary.get("denyStatements", []), "user")
    else:
        matched = _statements(identity.get("allowStatements", []), "user")
    return {"EvalActionName": action, "EvalResourceName": resource, "EvalDecision": decision,
            "MatchedStatements": matched, "MissingContextValues": []}


def _simulate(account_id, principal, identity, boundaries, params):
    actions = params.get("ActionNames") or []
    resources = params.get("ResourceArns") or ["*"]
    context = _context(params.get("ContextEntries"))
    scps = _scps(account_id)
    batch = []
    for action in actions:
        for resource in resources:
            simulation = {"identityPolicies": identity, "serviceControlPolicies": scps,
                          "resourceControlPolicies": [], "permissionBoundaryPolicies": boundaries or None,
                          "request": {"principal": principal, "action": action,
                                      "resource": {"resource": resource, "accountId": account_id},
                                      "contextVariables": context}}
            if not boundaries:
                del simulation["permissionBoundaryPolicies"]
            batch.append(simulation)
    decided = state.unlocked(lambda: evaluate_all(batch)) if batch else []
    results = []
    for simulation, answer in zip(batch, decided):
        result = _result(simulation["request"]["action"], simulation["request"]["resource"]["resource"], answer)
        # the boundary's and the SCPs' own decisions, whatever the other policies say (the helper's)
        if boundaries:
            result["PermissionsBoundaryDecisionDetail"] = {"AllowedByPermissionsBoundary": answer.get("boundary") == "Allowed"}
        if scps:
            result["OrganizationsDecisionDetail"] = {"AllowedByOrganizations": answer.get("scps") == "Allowed"}
        results.append(result)
    return ActionResult({"EvaluationResults": results, "IsTruncated": False})


def simulate_principal_policy(self):
    params = self._get_params()
    backend = self.backend
    arn = params["PolicySourceArn"]
    identity, attached = _principal(backend, arn)
    identity += _documents("PolicyInputList", params)
    boundaries = _documents("PermissionsBoundaryPolicyInputList", params)
    if not boundaries and attached:
        doc = _managed_document(backend, attached)
        boundaries = [{"name": attached, "policy": doc}] if doc is not None else []
    return _simulate(backend.account_id, arn, identity, boundaries, params)


def simulate_custom_policy(self):
    params = self._get_params()
    backend = self.backend
    principal = params.get("CallerArn") or f"arn:{PARTITION}:iam::{backend.account_id}:user/simulated"
    return _simulate(backend.account_id, principal, _documents("PolicyInputList", params),
                     _documents("PermissionsBoundaryPolicyInputList", params), params)


def _arns(value):
    if value is None:
        return []
    if isinstance(value, str):
        return [a.strip() for a in value.split(",") if a.strip()]
    return [a for a in value if isinstance(a, str) and a]


_originals = {}


def _role_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    role = _originals["create"](cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    _role_managed_arns[(account_id, role.name)] = _arns(cloudformation_json.get("Properties", {}).get("ManagedPolicyArns"))
    return role


def _role_update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
    role = _originals["update"](cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name)
    _role_managed_arns[(account_id, role.name)] = _arns(cloudformation_json.get("Properties", {}).get("ManagedPolicyArns"))
    return role


def managed_policy_arns(account_id, role_name):
    """What CloudFormation attached to a role (for tests and the demo)."""
    return list(_role_managed_arns.get((account_id, role_name), []))


@state.on_reset
def reset():
    _role_managed_arns.clear()


def apply():
    """After iam_fixes.apply(): the Role handlers wrap the ones in place then."""
    _originals["create"] = iamm.Role.create_from_cloudformation_json.__func__
    _originals["update"] = iamm.Role.update_from_cloudformation_json.__func__
    IamResponse.simulate_principal_policy = simulate_principal_policy
    IamResponse.simulate_custom_policy = simulate_custom_policy
    iamm.Role.create_from_cloudformation_json = classmethod(_role_create)
    iamm.Role.update_from_cloudformation_json = classmethod(_role_update)
