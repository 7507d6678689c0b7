"""CloudFormation StackSets with the semantics of AWS, replacing moto's synchronous sketch.

What this models (AWSCloudFormation/latest/APIReference and UserGuide/what-is-cfnstacksets.html):
- Operations are asynchronous and end round by round: after `operationSeconds`, each round of
  instances ends `instanceSeconds` after the one before (its instances CURRENT then, while later
  rounds still wait), a round being as many instances of a region as the operation preferences let run at
  once (MaxConcurrentCount/Percentage; with STRICT_FAILURE_TOLERANCE at most FailureTolerance + 1;
  regions in turn unless PARALLEL; API_StackSetOperationPreferences), then SUCCEEDED, FAILED (failures beyond the failure tolerance; the rest CANCELLED) or STOPPED.
  Instances show OUTDATED/PENDING while they wait, CURRENT/SUCCEEDED after (API_StackInstance).
- One operation at a time per stack set: another write answers OperationInProgressException; a
  reused OperationId answers OperationIdAlreadyExistsException (API_CreateStackInstances errors).
- UpdateStackSet updates every instance's stack and its resources (or the targeted subset), and
  instances created later use the current template. moto only stored the template.
- SERVICE_MANAGED targets resolve OUs recursively and never include the management account
  (stacksets-orgs-manage-auto-deployment.html); DeleteStackInstances honours OU targets;
  AccountFilterType INTERSECTION/DIFFERENCE/UNION works; trusted access must be enabled.
- CallAs=DELEGATED_ADMIN works for a registered delegated administrator, on the stack sets of
  the organisation's management account (API_CreateStackSet: CallAs).
- Auto-deployment: an account that joins a targeted OU gets instances, one that leaves loses them
  unless RetainStacksOnAccountRemoval.
- SELF_MANAGED instances need the execution role in the target account, else they fail with
  AWS's message (stacksets-prereqs-self-managed.html).
- DetectStackSetDrift is an operation like any other; it compares each instance's live
  AWS::IAM::ManagedPolicy (default version) and AWS::IAM::Role (permissions boundary) with the
  template and sets DriftStatus per instance and StackSetDriftDetectionDetails.
- Suspended accounts (closed or closing) are skipped: their instances are neither updated nor
  deleted, show DetailedStatus and StatusReason SKIPPED_SUSPENDED_ACCOUNT, and do not count as
  failures (stacksets-orgs-manage-auto-deployment.html, API_StackInstanceComprehensiveStatus);
  OU targets never add instances for them.
- An instance in a region not enabled in its target account fails (stacksets-opt-in-regions.html;
  regions.py).
- Parameter overrides per instance (API_UpdateStackInstances, ParameterOverrides): a parameter given
  with a value overrides the stack set's, one with UsePreviousValue keeps its present override, one
  left out of a given list goes back to the stack set's value, and no list at all leaves every
  override as it is; only parameters the stack set's template declares can be overridden
  (ValidationError otherwise). UpdateStackSet keeps each instance's overrides. moto replaced them
  with whatever list came, an absent one included.
- Paging (MaxResults/NextToken) on every list call.
Instance stacks are real stacks named StackSet-<name>-<uuid> in the target account and region,
so the target account sees them, as in AWS.
"""
import functools
import json
import re
import threading
from collections import OrderedDict

from moto.cloudformation import parsing as cfp
from moto.cloudformation.exceptions import CloudFormationError
from moto.cloudformation.models import cloudformation_backends
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.iam.models import iam_backends
from moto.moto_api._internal import mock_random
from moto.organizations.models import organizations_backends

from . import cluster, org_fixes, regions, state

NAME_RE = re.compile(r"^[a-zA-Z][-a-zA-Z0-9]{0,127}$")
OPERATION_ID_RE = re.compile(r"^[a-zA-Z0-9][-a-zA-Z0-9]{0,127}$")
DONE = ("SUCCEEDED", "FAILED", "STOPPED")
SKIPPED_SUSPENDED = "SKIPPED_SUSPENDED_ACCOUNT"

_stores = {}           # (owner account, region) -> OrderedDict(stack set id -> StackSet)
_failures = []         # injected instance failures: {"account", "region"?, "reason"?}
_generation = [0]      # bumped on reset so timers of a previous life do nothing


def _error(code, message):
    return CloudFormationError(code, message)


def _validation(message):
    return CloudFormationError("ValidationError", message)


@state.on_reset
def _reset():
    _generation[0] += 1
    for store in _stores.values():
        for stack_set in store.values():
            for op in stack_set.operations.values():
                if op.timer is not None:
                    op.timer.cancel()
    _stores.clear()
    _failures.clear()


def instance_failures(method, body):
    with state.LOCK:
        if method == "POST":
            rules = body if isinstance(body, list) else [body]
            for rule in rules:
                if "account" not in rule:
                    raise ValueError("an instance failure needs an account")
            _failures.extend(rules)
        elif method == "DELETE":
            _failures.clear()
        return list(_failures)


def _injected_failure(account, region):
    for rule in _failures:
        if rule["account"] == account and rule.get("region", region) == region:
            return rule.get("reason", "Injected failure")
    return None


class Instance:
    def __init__(self, account, region, ou_id=None):
        self.account = account
        self.region = region
        self.ou_id = ou_id
        self.stack_id = None
        self.status = "OUTDATED"
        self.detailed_status = "PENDING"
        self.status_reason = None
        self.parameter_overrides = []
        self.drift_status = "NOT_CHECKED"
        self.last_drift_check = None
        self.last_operation_id = None
        self.resource_drifts = []

    def summary(self, stack_set):
        out = {
            "StackSetId": stack_set.id,
            "Region": self.region,
            "Account": self.account,
            "Status": self.status,
            "StackInstanceStatus": {"DetailedStatus": self.detailed_status},
            "DriftStatus": self.drift_status,
        }
        for key, value in (("StackId", self.stack_id), ("StatusReason", self.status_reason),
                           ("OrganizationalUnitId", self.ou_id),
                           ("LastDriftCheckTimestamp", self.last_drift_check),
                           ("LastOperationId", self.last_operation_id)):
            if value is not None:
                out[key] = value
        return out


class Operation:
    def __init__(self, op_id, action, preferences=None, retain_stacks=None, targets=None):
        self.id = op_id
        self.action = action
        self.status = "RUNNING"
        self.status_reason = None
        self.created = utcnow()
        self.ended = None
        self.preferences = preferences or {}
        self.retain_stacks = retain_stacks
        self.deployment_targets = targets
        self.results = OrderedDict()   # (account, region) -> {"Status", "StatusReason", "OU"}
        self.timer = None
        self.stop_requested = False
        self.drift_details = None

    def summary(self):
        out = {"OperationId": self.id, "Action": self.action, "Status": self.status,
               "CreationTimestamp": self.created}
        if self.ended is not None:
            out["EndTimestamp"] = self.ended
        if self.status_reason:
            out["StatusReason"] = self.status_reason
        failed = sum(1 for r in self.results.values() if r["Status"] == "FAILED")
        out["StatusDetails"] = {"FailedStackInstancesCount": failed}
        if self.preferences:
            out["OperationPreferences"] = self.preferences
        return out


class StackSet:
    def __init__(self, owner, region, name, template, parameters, permission_model, description,
                 capabilities, tags, auto_deployment, admin_role, exec_role):
        self.owner = owner
        self.region = region
        self.name = name
        self.id = f"{name}:{mock_random.uuid4()}"
        self.arn = f"arn:aws:cloudformation:{region}:{owner}:stackset/{self.id}"
        self.template = template
        self.parameters = parameters
        self.permission_model = permission_model
        self.description = description
        self.capabilities = capabilities or []
        self.tags = tags or []
        self.auto_deployment = auto_deployment
        self.admin_role = admin_role or f"arn:aws:iam::{owner}:role/AWSCloudFormationStackSetAdministrationRole"
        self.exec_role = exec_role or "AWSCloudFormationStackSetExecutionRole"
        self.status = "ACTIVE"
        self.instances = OrderedDict()     # (account, region) -> Instance
        self.operations = OrderedDict()    # id -> Operation, oldest first
        self.ou_targets = OrderedDict()    # ou id -> set(regions)
        self.drift = None                  # StackSetDriftDetectionDetails after a detection

    def running(self):
        return next((op for op in self.operations.values() if op.status not in DONE), None)

    def describe(self):
        out = {
            "StackSetName": self.name, "StackSetId": self.id, "Status": self.status,
            "TemplateBody": self.template,
            "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in self.parameters.items()],
            "Capabilities": self.capabilities, "Tags": self.tags, "StackSetARN": self.arn,
            "AdministrationRoleARN": self.admin_role, "ExecutionRoleName": self.exec_role,
            "PermissionModel": self.permission_model, "ManagedExecution": {"Active": False},
            "Regions": sorted({i.region for i in self.instances.values()}),
            "StackSetDriftDetectionDetails": self.drift or {"DriftStatus": "NOT_CHECKED"},
        }
        if self.description is not None:
            out["Description"] = self.description
        if self.permission_model == "SERVICE_MANAGED":
            out["AutoDeployment"] = self.auto_deployment or {"Enabled": False}
            out["OrganizationalUnitIds"] = list(self.ou_targets)
        return out

    def summary(self):
        out = {"StackSetName": self.name, "StackSetId": self.id, "Status": self.status,
               "PermissionModel": self.permission_model, "ManagedExecution": {"Active": False},
               "DriftStatus": (self.drift or {}).get("DriftStatus", "NOT_CHECKED")}
        if self.description is not None:
            out["Description"] = self.description
        if self.permission_model == "SERVICE_MANAGED":
            out["AutoDeployment"] = self.auto_deployment or {"Enabled": False}
        if self.drift and self.drift.get("LastDriftCheckTimestamp"):
            out["LastDriftCheckTimestamp"] = self.drift["LastDriftCheckTimestamp"]
        return out


# ---------------------------------------------------------------------------------------------
# Targets


def _accounts_under(mgmt, ou_id):
    """Every account below `ou_id` at any depth, never the management account."""
    if not any(ou.id == ou_id for ou in mgmt.ou):
        raise _validation(f"OrganizationalUnitId {ou_id} does not exist in the organization.")
    wanted, frontier = {ou_id}, [ou_id]
    while frontier:
        parent = frontier.pop()
        for ou in mgmt.ou:
            if ou.parent_id == parent and ou.id not in wanted:
                wanted.add(ou.id)
                frontier.append(ou.id)
    return [a.id for a in mgmt.accounts
            if a.parent_id in wanted and a.id != mgmt.account_id and a.status == "ACTIVE"]


def _resolve_targets(stack_set, accounts, targets, mgmt):
    """[(account, ou id or None)] a request addresses."""
    targets = targets or {}
    explicit = list(accounts or []) + list(targets.get("Accounts") or [])
    ous = list(targets.get("OrganizationalUnitIds") or [])
    if stack_set.permission_model != "SERVICE_MANAGED":
        if ous:
            raise _validation("StackSets with SELF_MANAGED permission model can only have accounts as target")
        return [(a, None) for a in explicit]
    if not ous:
        if explicit and not accounts:
            raise _validation("OrganizationalUnitIds are required")
        if accounts:
            raise _validation("StackSets with SERVICE_MANAGED permission model can only have OrganizationalUnit as target")
    filter_type = targets.get("AccountFilterType") or "NONE"
    out = OrderedDict()
    for ou in ous:
        for account in _accounts_under(mgmt, ou):
            out.setdefault(account, ou)
    if filter_type == "INTERSECTION":
        out = OrderedDict((a, o) for a, o in out.items() if a in explicit)
    elif filter_type == "DIFFERENCE":
        out = OrderedDict((a, o) for a, o in out.items() if a not in explicit)
    elif filter_type == "UNION":
        for account in explicit:
            out.setdefault(account, None)
    elif explicit:
        raise _validation("AccountFilterType must be set when both Accounts and OrganizationalUnitIds are given")
    return list(out.items())


# ---------------------------------------------------------------------------------------------
# Applying one instance


def _stack_parameters(stack_set, instance):
    """An instance's parameters: its override, else the stack set's value, else the template's default."""
    params = {k: str(v["Default"]) for k, v in _declared_parameter_defaults(stack_set.template).items()}
    params.update(stack_set.parameters)
    for p in instance.parameter_overrides:
        params[p["ParameterKey"]] = p.get("ParameterValue", params.get(p["ParameterKey"]))
    return params


def _apply_item(stack_set, instance):
    """The work of creating or updating `instance`'s stack, for the worker that owns its account;
    what the organisation worker decides itself (an injected failure, a region not enabled) raises here."""
    failure = _injected_failure(instance.account, instance.region)
    if failure:
        raise RuntimeError(failure)
    if not regions.enabled(instance.account, instance.region):
        # stacksets-opt-in-regions.html: the target account must have the region enabled
        raise RuntimeError(f"Region {instance.region} is not enabled for account {instance.account}; "
                           "enable it (Account Management EnableRegion) before deploying stack instances there")
    item = {"kind": "apply", "account": instance.account, "region": instance.region,
            "stackId": instance.stack_id, "stackName": f"StackSet-{stack_set.name}-{mock_random.uuid4()}",
            "template": stack_set.template, "parameters": _stack_parameters(stack_set, instance)}
    if stack_set.permission_model == "SELF_MANAGED":
        item["execRole"] = stack_set.exec_role
        item["adminRole"] = stack_set.admin_role
    return item


def _applied(instance, answer):
    instance.stack_id = answer.get("stackId") or instance.stack_id


def _delete_item(instance, retain):
    failure = _injected_failure(instance.account, instance.region)
    if failure:
        raise RuntimeError(failure)
    return {"kind": "delete", "account": instance.account, "region": instance.region,
            "stackId": instance.stack_id, "retain": retain}


def _drift_item(instance):
    return {"kind": "drift", "account": instance.account, "region": instance.region, "stackId": instance.stack_id}


def _drift_checked(instance, answer):
    drifts = answer.get("drifts")
    instance.last_drift_check = utcnow()
    if drifts is None:
        instance.drift_status = "DRIFTED"
        instance.resource_drifts = [("*", "AWS::CloudFormation::Stack", "DELETED", "stack deleted")]
        return
    instance.resource_drifts = [tuple(d) for d in drifts]
    instance.drift_status = "DRIFTED" if any(d[2] != "IN_SYNC" for d in drifts) else "IN_SYNC"


def execute(items):
    """Runs instance work items in the workers that own their accounts (cluster.py), those of each
    worker in one peer call, the workers side by side; the answers come in the items' order. Never
    under the lock."""
    by_worker = {}
    for n, item in enumerate(items):
        by_worker.setdefault(cluster.owner(item["account"]), []).append(n)
    answers = [None] * len(items)

    def run(worker, indexes):
        refs, batch = {}, []   # each template once: the instances of an operation share it
        for i in indexes:
            item = dict(items[i])
            if "template" in item:
                item["templateRef"] = refs.setdefault(item.pop("template"), str(len(refs)))
            batch.append(item)
        templates = {ref: template for template, ref in refs.items()}
        for i, answer in zip(indexes, cluster.call(worker, "instances", {"templates": templates, "items": batch})):
            answers[i] = answer

    threads = [threading.Thread(target=run, args=(w, idx)) for w, idx in by_worker.items() if w != cluster.index()]
    for t in threads:
        t.start()
    if cluster.index() in by_worker:
        run(cluster.index(), by_worker[cluster.index()])
    for t in threads:
        t.join()
    if any(a is None for a in answers):
        raise RuntimeError("a worker did not answer for its stack instances")
    return answers


@cluster.handles("instances")
def _run_items(payload):
    """Stack instance work in this worker's accounts, twenty at a time under the lock so that the
    accounts' own calls go on in between."""
    templates = payload.get("templates") or {}
    items = payload["items"]
    out = []
    for i in range(0, len(items), 20):
        with state.LOCK:
            for item in items[i:i + 20]:
                if "templateRef" in item:
                    item["template"] = templates[item["templateRef"]]
                try:
                    out.append(dict(_RUN[item["kind"]](item), ok=True))
                except Exception as e:
                    out.append({"ok": False, "reason": str(e)})
    return out


def _local_stack(item):
    if item.get("stackId") is None:
        return None
    return cloudformation_backends[item["account"]][item["region"]].stacks.get(item["stackId"])


def _apply_local(item):
    account, region = item["account"], item["region"]
    if item.get("execRole"):
        roles = iam_backends[account]["aws"].roles.values()
        if not any(r.name == item["execRole"] for r in roles):
            raise RuntimeError(
                f"Account {account} should have '{item['execRole']}' role with trust "
                f"relationship to Role '{item['adminRole'].split('/')[-1]}'.")
    backend = cloudformation_backends[account][region]
    stack = _local_stack(item)
    if stack is None:
        name = item["stackName"]
        try:
            stack = backend.create_stack(name=name, template=item["template"], parameters=item["parameters"])
        except Exception:
            # AWS rolls a failed creation back; leave nothing half-made behind.
            for sid, s in list(backend.stacks.items()):
                if s.name == name:
                    _delete_stack(backend, s)
            raise
        return {"stackId": stack.stack_id}
    stack.update(item["template"], parameters=item["parameters"])
    if stack.status == "UPDATE_ROLLBACK_COMPLETE":
        raise RuntimeError(stack.status_reason or "update rolled back")
    return {"stackId": stack.stack_id}


def _delete_stack(backend, stack):
    stack.delete()
    backend.stacks.pop(stack.stack_id, None)
    backend.deleted_stacks[stack.stack_id] = stack


def _delete_local(item):
    stack = _local_stack(item)
    if stack is not None and not item["retain"]:
        backend = cloudformation_backends[item["account"]][item["region"]]
        try:
            _delete_stack(backend, stack)
        except Exception as e:
            stack.status = "DELETE_FAILED"
            raise RuntimeError(f"{type(e).__name__}: {e}") from e
    return {}


def _normalise_policy(doc):
    if isinstance(doc, str):
        doc = json.loads(doc)

    def norm(node, key=None):
        if isinstance(node, dict):
            return {k: norm(v, k) for k, v in sorted(node.items())}
        if isinstance(node, list):
            items = [norm(v) for v in node]
            if key in ("Action", "NotAction", "Resource", "NotResource") or all(isinstance(i, str) for i in items):
                return sorted(items) if key != "Statement" else items
            return items
        if key in ("Action", "NotAction", "Resource", "NotResource"):
            return [node]
        return node

    out = norm(doc)
    if isinstance(out.get("Statement"), dict):
        out["Statement"] = [out["Statement"]]
    return out


def _drift_local(item):
    """{"drifts": [(logical id, type, status, detail)]} for the resources drift detection
    understands; None when the stack is gone."""
    stack = _local_stack(item)
    if stack is None:
        return {"drifts": None}
    iam = iam_backends[item["account"]]["aws"]
    drifts = []
    resource_map = stack.resource_map
    for logical_id, resource_json in resource_map._resource_json_map.items():
        resource = resource_map._parsed_resources.get(logical_id)
        rtype = resource_json.get("Type")
        if resource is None or isinstance(resource, str):
            continue
        props = cfp.clean_json(resource_json.get("Properties", {}), resource_map)
        if rtype == "AWS::IAM::ManagedPolicy":
            policy = iam.managed_policies.get(resource.arn)
            if policy is None:
                drifts.append((logical_id, rtype, "DELETED", "policy deleted"))
                continue
            live = next(v for v in policy.versions if v.version_id == policy.default_version_id)
            same = _normalise_policy(live.document) == _normalise_policy(props.get("PolicyDocument", {}))
            drifts.append((logical_id, rtype, "IN_SYNC" if same else "MODIFIED",
                           None if same else "PolicyDocument differs"))
        elif rtype == "AWS::IAM::Role":
            role = next((r for r in iam.roles.values() if r.name == resource.name), None)
            if role is None:
                drifts.append((logical_id, rtype, "DELETED", "role deleted"))
                continue
            wanted = props.get("PermissionsBoundary") or None
            same = (role.permissions_boundary_arn or None) == wanted
            drifts.append((logical_id, rtype, "IN_SYNC" if same else "MODIFIED",
                           None if same else "PermissionsBoundary differs"))
    return {"drifts": drifts}


_RUN = {"apply": _apply_local, "delete": _delete_local, "drift": _drift_local}


# ---------------------------------------------------------------------------------------------
# Running operations


def _tolerance(preferences, total):
    if preferences.get("FailureToleranceCount") is not None:
        return int(preferences["FailureToleranceCount"])
    if preferences.get("FailureTolerancePercentage") is not None:
        return int(total * int(preferences["FailureTolerancePercentage"]) / 100)
    return 0


def concurrency(preferences, instances_in_region):
    """How many instances of one region an operation works on at once (API_StackSetOperationPreferences):
    MaxConcurrentCount, or MaxConcurrentPercentage of the region's instances rounded down (at least
    1), default 1; with ConcurrencyMode STRICT_FAILURE_TOLERANCE (the default) at most the failure
    tolerance + 1, with SOFT_FAILURE_TOLERANCE as many as asked."""
    if preferences.get("MaxConcurrentCount") is not None:
        wanted = int(preferences["MaxConcurrentCount"])
    elif preferences.get("MaxConcurrentPercentage") is not None:
        wanted = int(instances_in_region * int(preferences["MaxConcurrentPercentage"]) / 100)
    else:
        wanted = 1
    wanted = max(1, wanted)
    if (preferences.get("ConcurrencyMode") or "STRICT_FAILURE_TOLERANCE") == "STRICT_FAILURE_TOLERANCE":
        wanted = min(wanted, _tolerance(preferences, instances_in_region) + 1)
    return wanted


def rounds(preferences, targets):
    """The rounds an operation over `targets` [(account, region)] works through, each taking
    `instanceSeconds`: per region, batches of the region's concurrency; regions one after another
    when RegionConcurrencyType is SEQUENTIAL (the default), side by side when PARALLEL
    (API_StackSetOperationPreferences). AWS finishes instances round by round: an instance is
    CURRENT as soon as its round is done, not when the whole operation ends."""
    by_region = OrderedDict()
    for key in targets:
        by_region.setdefault(key[1], []).append(key)
    batches = []
    for keys in by_region.values():
        c = concurrency(preferences, len(keys))
        batches.append([keys[i:i + c] for i in range(0, len(keys), c)])
    if not batches:
        return []
    if preferences.get("RegionConcurrencyType") == "PARALLEL":
        return [[k for region in batches if i < len(region) for k in region[i]]
                for i in range(max(len(region) for region in batches))]
    return [batch for region in batches for batch in region]


def waves(preferences, targets):
    """How many rounds of `instanceSeconds` an operation over `targets` takes."""
    return len(rounds(preferences, targets))


def _start(stack_set, op, targets, step):
    """Records `op` as RUNNING over `targets` [(account, region)]; its rounds end one by one, the
    first `operationSeconds` + `instanceSeconds` from now, each next `instanceSeconds` later."""
    stack_set.operations[op.id] = op
    for key in targets:
        op.results[key] = {"Status": "PENDING"}
        instance = stack_set.instances.get(key)
        if instance is not None:
            instance.last_operation_id = op.id
            if op.action != "DETECT_DRIFT":
                instance.status = "OUTDATED"
                instance.detailed_status = "PENDING"
    op.rounds = rounds(op.preferences, list(op.results)) or [[]]
    op.failures = 0
    _schedule(stack_set, op, step, _generation[0], 0,
              state.setting("operationSeconds") + state.setting("instanceSeconds"))


def _schedule(stack_set, op, step, generation, index, delay):
    op.timer = threading.Timer(delay, _complete_round, args=(stack_set, op, step, generation, index))
    op.timer.daemon = True
    op.timer.start()


def _complete_round(stack_set, op, step, generation, index):
    """Ends round `index` of `op`: its instances succeed, fail or are skipped; once failures pass
    the tolerance (or a stop was asked) the instances still waiting are CANCELLED and the operation
    ends. The next round is scheduled `instanceSeconds` later; the last one ends the operation.
    `step(instance, key)` gives the work of one instance and what to record when it is done: the
    work runs in the workers that own the accounts (`execute`), with the lock let go."""
    with state.LOCK:
        if generation != _generation[0] or op.status in DONE:
            return
        tolerance = _tolerance(op.preferences, len(op.results))
        ending = op.stop_requested or op.failures > tolerance
        work = []   # (key, instance, item, done)
        for key in (k for r in op.rounds[index:] for k in r) if ending else op.rounds[index]:
            result = op.results[key]
            instance = stack_set.instances.get(key)
            result["OrganizationalUnitId"] = instance.ou_id if instance else None
            if ending:
                result["Status"] = "CANCELLED"
                result["StatusReason"] = "Cancelled since failure tolerance has exceeded" \
                    if op.failures > tolerance else "Operation stopped by the user"
                if instance is not None and op.action != "DETECT_DRIFT":
                    instance.detailed_status = "CANCELLED"
                continue
            if _suspended(stack_set, key[0]):
                result["Status"] = "SUCCEEDED"
                result["StatusReason"] = SKIPPED_SUSPENDED
                if instance is not None and op.action != "DETECT_DRIFT":
                    instance.detailed_status, instance.status_reason = SKIPPED_SUSPENDED, SKIPPED_SUSPENDED
                continue
            try:
                item, done = step(instance, key)
            except Exception as e:
                _failed(op, result, instance, str(e))
                continue
            work.append((key, instance, item, done))
    answers = execute([w[2] for w in work]) if work else []
    with state.LOCK:
        if generation != _generation[0] or op.status in DONE:
            return
        for (key, instance, _item, done), answer in zip(work, answers):
            result = op.results[key]
            if not answer["ok"]:
                _failed(op, result, instance, answer["reason"])
                continue
            done(answer)
            result["Status"] = "SUCCEEDED"
            if instance is not None and op.action != "DETECT_DRIFT" and key in stack_set.instances:
                instance.status, instance.detailed_status, instance.status_reason = "CURRENT", "SUCCEEDED", None
        last = index >= len(op.rounds) - 1
        if not (last or ending or op.stop_requested or op.failures > tolerance):
            _schedule(stack_set, op, step, generation, index + 1, state.setting("instanceSeconds"))
            return
        # the instances of rounds not reached (a stop, or failures past the tolerance) are cancelled
        for key in (k for r in op.rounds[index + 1:] for k in r):
            result = op.results[key]
            if result["Status"] == "PENDING":
                instance = stack_set.instances.get(key)
                result["OrganizationalUnitId"] = instance.ou_id if instance else None
                result["Status"] = "CANCELLED"
                result["StatusReason"] = "Operation stopped by the user" if op.stop_requested \
                    else "Cancelled since failure tolerance has exceeded"
                if instance is not None and op.action != "DETECT_DRIFT":
                    instance.detailed_status = "CANCELLED"
        op.ended = utcnow()
        if op.stop_requested:
            op.status = "STOPPED"
        elif op.failures > tolerance:
            op.status = "FAILED"
            op.status_reason = f"{op.failures} stack instance(s) failed, more than the failure tolerance of {tolerance}"
        else:
            op.status = "SUCCEEDED"
        if op.action == "DETECT_DRIFT":
            _record_drift(stack_set, op)


def _failed(op, result, instance, reason):
    op.failures += 1
    result["Status"] = "FAILED"
    result["StatusReason"] = reason
    if instance is not None:
        instance.status, instance.detailed_status, instance.status_reason = "OUTDATED", "FAILED", reason


def _record_drift(stack_set, op):
    instances = [stack_set.instances[k] for k in op.results if k in stack_set.instances]
    drifted = sum(1 for i in instances if i.drift_status == "DRIFTED")
    in_sync = sum(1 for i in instances if i.drift_status == "IN_SYNC")
    failed = sum(1 for r in op.results.values() if r["Status"] == "FAILED")
    stack_set.drift = {
        "DriftStatus": "DRIFTED" if drifted else ("IN_SYNC" if instances else "NOT_CHECKED"),
        "DriftDetectionStatus": "COMPLETED" if not failed else "PARTIAL_SUCCESS",
        "LastDriftCheckTimestamp": utcnow(),
        "TotalStackInstancesCount": len(instances),
        "DriftedStackInstancesCount": drifted,
        "InSyncStackInstancesCount": in_sync,
        "InProgressStackInstancesCount": 0,
        "FailedStackInstancesCount": failed,
    }
    op.drift_details = stack_set.drift


def _new_operation(stack_set, op_id, action, preferences=None, retain=None, targets=None):
    if op_id is not None and not OPERATION_ID_RE.match(op_id):
        raise _validation(f"Invalid OperationId {op_id!r}: 1-128 characters, [a-zA-Z0-9][-a-zA-Z0-9]*")
    if op_id is not None and op_id in stack_set.operations:
        raise _error("OperationIdAlreadyExistsException", f"The operation ID {op_id} already exists.")
    if stack_set.running() is not None:
        raise _error("OperationInProgressException",
                     f"Another Operation on StackSet {stack_set.id} is in progress")
    _validate_preferences(preferences or {})
    return Operation(op_id or str(mock_random.uuid4()), action, preferences, retain, targets)


def _validate_preferences(p):
    if p.get("FailureToleranceCount") is not None and p.get("FailureTolerancePercentage") is not None:
        raise _validation("FailureToleranceCount and FailureTolerancePercentage are mutually exclusive")
    if p.get("MaxConcurrentCount") is not None and p.get("MaxConcurrentPercentage") is not None:
        raise _validation("MaxConcurrentCount and MaxConcurrentPercentage are mutually exclusive")
    if p.get("RegionConcurrencyType") not in (None, "SEQUENTIAL", "PARALLEL"):
        raise _validation("RegionConcurrencyType must be SEQUENTIAL or PARALLEL")


# ---------------------------------------------------------------------------------------------
# Auto-deployment


def on_membership_change(org_backend):
    """Called after an account is created, moved or removed in `org_backend`'s organisation."""
    mgmt = org_backend if org_backend.org is not None else org_fixes.management_backend(org_backend.account_id)
    if mgmt is None:
        return
    for (owner, _region), store in list(_stores.items()):
        if owner != mgmt.account_id:
            continue
        for stack_set in store.values():
            auto = stack_set.auto_deployment or {}
            if stack_set.status != "ACTIVE" or stack_set.permission_model != "SERVICE_MANAGED" \
                    or not auto.get("Enabled"):
                continue
            _auto_deploy(stack_set, mgmt, bool(auto.get("RetainStacksOnAccountRemoval")))


def _auto_deploy(stack_set, mgmt, retain):
    """Adds and removes the instances of accounts that joined or left the targeted OUs; their stacks
    are made or deleted (in the accounts' workers) once the lock is let go, before the request that
    changed the membership is answered."""
    desired = {}
    for ou, regions in stack_set.ou_targets.items():
        try:
            accounts = _accounts_under(mgmt, ou)
        except CloudFormationError:
            accounts = []
        for account in accounts:
            for region in regions:
                desired.setdefault((account, region), ou)
    work = []   # (instance, item, done)
    for key, ou in desired.items():
        if key not in stack_set.instances:
            instance = Instance(key[0], key[1], ou)
            stack_set.instances[key] = instance
            try:
                work.append((instance, _apply_item(stack_set, instance),
                             lambda answer, i=instance: _auto_deployed(i, answer)))
            except Exception as e:
                instance.detailed_status, instance.status_reason = "FAILED", str(e)
    for key, instance in list(stack_set.instances.items()):
        if instance.ou_id in stack_set.ou_targets and key not in desired:
            try:
                work.append((instance, _delete_item(instance, retain),
                             lambda answer, k=key: stack_set.instances.pop(k, None)))
            except Exception as e:
                instance.detailed_status, instance.status_reason = "FAILED", str(e)
    if work:
        cluster.later(lambda: _finish(work))


def _auto_deployed(instance, answer):
    _applied(instance, answer)
    instance.status, instance.detailed_status = "CURRENT", "SUCCEEDED"


def _finish(work):
    answers = execute([w[1] for w in work])
    with state.LOCK:
        for (instance, _item, done), answer in zip(work, answers):
            if answer["ok"]:
                done(answer)
            else:
                instance.detailed_status, instance.status_reason = "FAILED", answer["reason"]


# ---------------------------------------------------------------------------------------------
# Request handlers (replace moto's CloudFormationResponse methods)


def _bool(value):
    return value is True or str(value).lower() == "true"


def _owner(resp, call_as):
    caller = resp.current_account
    if (call_as or "SELF") == "DELEGATED_ADMIN":
        mgmt = org_fixes.management_backend(caller)
        if mgmt is None or not org_fixes.is_delegated_admin(mgmt, caller, org_fixes.STACKSETS_PRINCIPAL):
            raise _validation(f"Account {caller} is not registered as a delegated administrator "
                              "for member.org.stacksets.cloudformation.amazonaws.com")
        return mgmt.account_id
    return caller


def _store(owner, region):
    return _stores.setdefault((owner, region), OrderedDict())


def _find(resp, name, call_as=None):
    owner = _owner(resp, call_as if call_as is not None else resp._get_param("CallAs"))
    store = _store(owner, resp.region)
    for stack_set in store.values():
        if stack_set.status == "ACTIVE" and name in (stack_set.name, stack_set.id, stack_set.arn):
            return stack_set
    raise _error("StackSetNotFoundException", f"StackSet {name} not found")


def _page(items, resp, default=100):
    start = int(resp._get_param("NextToken") or 0)
    size = int(resp._get_param("MaxResults") or default)
    page = items[start:start + size]
    token = str(start + size) if start + size < len(items) else None
    return page, token


def _parameters(items):
    return {p["ParameterKey"]: p.get("ParameterValue") for p in items or [] if "ParameterKey" in p}


def create_stack_set(self):
    name = self._get_param("StackSetName")
    if not name or not NAME_RE.match(name):
        raise _validation(f"1 validation error detected: Value '{name}' at 'stackSetName' failed to "
                          "satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*")
    owner = _owner(self, self._get_param("CallAs"))
    model = self._get_param("PermissionModel") or "SELF_MANAGED"
    if model == "SERVICE_MANAGED":
        mgmt = org_fixes.management_backend(owner)
        if mgmt is None or mgmt.account_id != owner:
            raise _validation("StackSets with SERVICE_MANAGED permission model can only be created "
                              "by the management account or a delegated administrator")
        if not any(s["ServicePrincipal"] == org_fixes.STACKSETS_PRINCIPAL for s in mgmt.services):
            raise _validation("You must enable organizations access to operate a service managed stack set")
    store = _store(owner, self.region)
    if any(s.name == name and s.status == "ACTIVE" for s in store.values()):
        raise _error("NameAlreadyExistsException", f"StackSet {name} already exists")
    template = self._get_param("TemplateBody")
    if not template and self._get_param("TemplateURL"):
        template = self._get_stack_from_s3_url(self._get_param("TemplateURL"))
    if not template:
        raise _validation("Either TemplateBody or TemplateURL must be specified")
    stack_set = StackSet(owner, self.region, name, template, _parameters(self._get_param("Parameters")),
                         model, self._get_param("Description"), self._get_param("Capabilities"),
                         self._get_param("Tags"), self._get_param("AutoDeployment"),
                         self._get_param("AdministrationRoleARN"), self._get_param("ExecutionRoleName"))
    store[stack_set.id] = stack_set
    return ActionResult({"StackSetId": stack_set.id})


def describe_stack_set(self):
    return ActionResult({"StackSet": _find(self, self._get_param("StackSetName")).describe()})


def list_stack_sets(self):
    owner = _owner(self, self._get_param("CallAs"))
    status = self._get_param("Status")
    items = [s.summary() for s in _store(owner, self.region).values() if status in (None, s.status)]
    page, token = _page(items, self)
    return ActionResult({"Summaries": page, "NextToken": token})


def delete_stack_set(self):
    stack_set = _find(self, self._get_param("StackSetName"))
    if stack_set.running() is not None:
        raise _error("OperationInProgressException",
                     f"Another Operation on StackSet {stack_set.id} is in progress")
    if stack_set.instances:
        raise _error("StackSetNotEmptyException",
                     "StackSet is not empty: delete its stack instances first")
    stack_set.status = "DELETED"
    return EmptyResult()


def _mgmt_for(stack_set):
    return organizations_backends[stack_set.owner]["aws"]


def _suspended(stack_set, account_id):
    """The account is a member of the stack set's organisation that is not ACTIVE (SUSPENDED, PENDING_CLOSURE)."""
    mgmt = _mgmt_for(stack_set)
    account = next((a for a in mgmt.accounts if a.id == account_id), None)
    return account is not None and account.status != "ACTIVE"


def create_stack_instances(self):
    stack_set = _find(self, self._get_param("StackSetName"))
    regions = self._get_param("Regions") or []
    if not regions:
        raise _validation("Regions must not be empty")
    targets = self._get_param("DeploymentTargets")
    pairs = _resolve_targets(stack_set, self._get_param("Accounts"), targets, _mgmt_for(stack_set))
    op = _new_operation(stack_set, self._get_param("OperationId"), "CREATE",
                        self._get_param("OperationPreferences"), targets=targets)
    overrides = self._get_param("ParameterOverrides") or []
    keys = []
    for region in regions:
        for account, ou in pairs:
            key = (account, region)
            instance = stack_set.instances.get(key)
            if instance is None:
                instance = stack_set.instances[key] = Instance(account, region, ou)
            instance.parameter_overrides = overrides or instance.parameter_overrides
            keys.append(key)
    for ou in (targets or {}).get("OrganizationalUnitIds") or []:
        stack_set.ou_targets.setdefault(ou, set()).update(regions)

    def step(instance, key):
        return _apply_item(stack_set, instance), lambda answer: _applied(instance, answer)

    _start(stack_set, op, keys, step)
    return ActionResult({"OperationId": op.id})


def update_stack_instances(self):
    stack_set = _find(self, self._get_param("StackSetName"))
    regions = self._get_param("Regions") or []
    pairs = _resolve_targets(stack_set, self._get_param("Accounts"),
                             self._get_param("DeploymentTargets"), _mgmt_for(stack_set))
    keys = [(a, r) for r in regions for a, _ in pairs]
    missing = [k for k in keys if k not in stack_set.instances]
    if missing:
        raise _error("StackInstanceNotFoundException",
                     f"Stack instance {missing[0][0]}/{missing[0][1]} does not exist")
    present, overrides = _override_param(self)
    if present:
        declared = _declared_parameters(stack_set.template)
        unknown = [p["ParameterKey"] for p in overrides if p["ParameterKey"] not in declared]
        if unknown:
            raise _validation(f"Parameters: [{', '.join(unknown)}] do not exist in the template of stack set "
                              f"{stack_set.name}; you can only override parameters the stack set specifies")
    op = _new_operation(stack_set, self._get_param("OperationId"), "UPDATE",
                        self._get_param("OperationPreferences"))
    if present:
        for key in keys:
            instance = stack_set.instances[key]
            previous = {p["ParameterKey"]: p for p in instance.parameter_overrides}
            kept = []
            for p in overrides:
                if _bool(p.get("UsePreviousValue")):
                    if p["ParameterKey"] in previous:
                        kept.append(previous[p["ParameterKey"]])
                else:
                    kept.append({"ParameterKey": p["ParameterKey"], "ParameterValue": p.get("ParameterValue")})
            instance.parameter_overrides = kept

    def step(instance, key):
        return _apply_item(stack_set, instance), lambda answer: _applied(instance, answer)

    _start(stack_set, op, keys, step)
    return ActionResult({"OperationId": op.id})


def _override_param(self):
    """Whether ParameterOverrides was sent at all (an empty list is sent as a bare key), and its items."""
    present = any(k == "ParameterOverrides" or k.startswith("ParameterOverrides.") for k in self.querystring)
    return present, list(self._get_param("ParameterOverrides") or [])


@functools.lru_cache(maxsize=64)
def _template_parameters(template):
    """The template's Parameters section (read-only: cached, as every instance of an operation asks)."""
    try:
        body = json.loads(template)
    except (TypeError, ValueError):
        try:
            import yaml
            body = yaml.safe_load(template)
        except Exception:
            return {}
    return (body or {}).get("Parameters") or {} if isinstance(body, dict) else {}


def _declared_parameters(template):
    return set(_template_parameters(template))


def _declared_parameter_defaults(template):
    return {k: v for k, v in _template_parameters(template).items() if isinstance(v, dict) and "Default" in v}


def update_stack_set(self):
    stack_set = _find(self, self._get_param("StackSetName"))
    op = _new_operation(stack_set, self._get_param("OperationId"), "UPDATE",
                        self._get_param("OperationPreferences"),
                        targets=self._get_param("DeploymentTargets"))
    if _bool(self._get_param("UsePreviousTemplate")):
        template = stack_set.template
    else:
        template = self._get_param("TemplateBody")
        if not template and self._get_param("TemplateURL"):
            template = self._get_stack_from_s3_url(self._get_param("TemplateURL"))
        if not template:
            raise _validation("Either TemplateBody, TemplateURL or UsePreviousTemplate must be specified")
    params = dict(stack_set.parameters)
    for p in self._get_param("Parameters") or []:
        if _bool(p.get("UsePreviousValue")):
            continue
        params[p["ParameterKey"]] = p.get("ParameterValue")
    incoming = {p["ParameterKey"] for p in self._get_param("Parameters") or []}
    params = {k: v for k, v in params.items() if k in incoming} if incoming else params
    stack_set.template = template
    stack_set.parameters = params
    for attr, key in (("description", "Description"), ("admin_role", "AdministrationRoleARN"),
                      ("exec_role", "ExecutionRoleName"), ("auto_deployment", "AutoDeployment")):
        value = self._get_param(key)
        if value is not None:
            setattr(stack_set, attr, value)
    if self._get_param("Tags") is not None:
        stack_set.tags = self._get_param("Tags")
    if self._get_param("Capabilities") is not None:
        stack_set.capabilities = self._get_param("Capabilities")
    regions = self._get_param("Regions")
    targets = self._get_param("DeploymentTargets")
    accounts = self._get_param("Accounts")
    if regions or targets or accounts:
        pairs = _resolve_targets(stack_set, accounts, targets, _mgmt_for(stack_set))
        wanted = {a for a, _ in pairs}
        keys = [k for k in stack_set.instances if k[0] in wanted and (not regions or k[1] in regions)]
    else:
        keys = list(stack_set.instances)

    def step(instance, key):
        return _apply_item(stack_set, instance), lambda answer: _applied(instance, answer)

    _start(stack_set, op, keys, step)
    return ActionResult({"OperationId": op.id})


def delete_stack_instances(self):
    stack_set = _find(self, self._get_param("StackSetName"))
    regions = self._get_param("Regions") or []
    retain = self._get_param("RetainStacks")
    if retain is None:
        raise _validation("RetainStacks is required")
    retain = _bool(retain)
    targets = self._get_param("DeploymentTargets")
    mgmt = _mgmt_for(stack_set)
    pairs = _resolve_targets(stack_set, self._get_param("Accounts"), targets, mgmt)
    ous = set((targets or {}).get("OrganizationalUnitIds") or [])
    # Without an account filter an OU target means the whole OU: its current accounts and every
    # instance that was deployed through it, even for accounts that have since moved away.
    whole_ous = ous if (targets or {}).get("AccountFilterType", "NONE") == "NONE" else set()
    wanted = {a for a, _ in pairs}
    keys = [k for k, i in stack_set.instances.items()
            if k[1] in regions and (k[0] in wanted or (i.ou_id is not None and i.ou_id in whole_ous))]
    op = _new_operation(stack_set, self._get_param("OperationId"), "DELETE",
                        self._get_param("OperationPreferences"), retain, targets)
    for ou in whole_ous:
        remaining = stack_set.ou_targets.get(ou, set()) - set(regions)
        if remaining:
            stack_set.ou_targets[ou] = remaining
        else:
            stack_set.ou_targets.pop(ou, None)

    def step(instance, key):
        return _delete_item(instance, retain), lambda answer: stack_set.instances.pop(key, None)

    _start(stack_set, op, keys, step)
    return ActionResult({"OperationId": op.id})


def detect_stack_set_drift(self):
    stack_set = _find(self, self._get_param("StackSetName"))
    op = _new_operation(stack_set, self._get_param("OperationId"), "DETECT_DRIFT",
                        self._get_param("OperationPreferences"))
    keys = [k for k, i in stack_set.instances.items() if i.stack_id is not None]

    def step(instance, key):
        return _drift_item(instance), lambda answer: _drift_checked(instance, answer)

    _start(stack_set, op, keys, step)
    return ActionResult({"OperationId": op.id})


def list_stack_instances(self):
    stack_set = _find(self, self._get_param("StackSetName"))
    account = self._get_param("StackInstanceAccount")
    region = self._get_param("StackInstanceRegion")
    filters = {f["Name"]: f["Values"] for f in self._get_param("Filters") or []}
    items = []
    for instance in stack_set.instances.values():
        if account and instance.account != account or region and instance.region != region:
            continue
        if "DETAILED_STATUS" in filters and instance.detailed_status != filters["DETAILED_STATUS"]:
            continue
        if "LAST_OPERATION_ID" in filters and instance.last_operation_id != filters["LAST_OPERATION_ID"]:
            continue
        if "DRIFT_STATUS" in filters and instance.drift_status != filters["DRIFT_STATUS"]:
            continue
        items.append(instance.summary(stack_set))
    page, token = _page(items, self)
    return ActionResult({"Summaries": page, "NextToken": token})


def describe_stack_instance(self):
    stack_set = _find(self, self._get_param("StackSetName"))
    key = (self._get_param("StackInstanceAccount"), self._get_param("StackInstanceRegion"))
    instance = stack_set.instances.get(key)
    if instance is None:
        raise _error("StackInstanceNotFoundException",
                     f"Stack instance for account {key[0]} in region {key[1]} not found")
    out = instance.summary(stack_set)
    out["ParameterOverrides"] = instance.parameter_overrides
    return ActionResult({"StackInstance": out})


def list_stack_set_operations(self):
    stack_set = _find(self, self._get_param("StackSetName"))
    items = [op.summary() for op in reversed(stack_set.operations.values())]
    page, token = _page(items, self)
    return ActionResult({"Summaries": page, "NextToken": token})


def _operation(stack_set, op_id):
    op = stack_set.operations.get(op_id)
    if op is None:
        raise _error("OperationNotFoundException", f"Operation {op_id} not found")
    return op


def describe_stack_set_operation(self):
    stack_set = _find(self, self._get_param("StackSetName"))
    op = _operation(stack_set, self._get_param("OperationId"))
    out = op.summary()
    out.update({"StackSetId": stack_set.id, "AdministrationRoleARN": stack_set.admin_role,
                "ExecutionRoleName": stack_set.exec_role})
    if op.retain_stacks is not None:
        out["RetainStacks"] = op.retain_stacks
    if op.deployment_targets:
        out["DeploymentTargets"] = op.deployment_targets
    if op.drift_details:
        out["StackSetDriftDetectionDetails"] = op.drift_details
    return ActionResult({"StackSetOperation": out})


def list_stack_set_operation_results(self):
    stack_set = _find(self, self._get_param("StackSetName"))
    op = _operation(stack_set, self._get_param("OperationId"))
    items = []
    for (account, region), result in op.results.items():
        item = {"Account": account, "Region": region,
                "Status": "RUNNING" if result["Status"] == "PENDING" and op.status == "RUNNING" else result["Status"],
                "AccountGateResult": {"Status": "SKIPPED",
                                      "StatusReason": "No account gate function configured"}}
        if result.get("StatusReason"):
            item["StatusReason"] = result["StatusReason"]
        if result.get("OrganizationalUnitId"):
            item["OrganizationalUnitId"] = result["OrganizationalUnitId"]
        items.append(item)
    page, token = _page(items, self)
    return ActionResult({"Summaries": page, "NextToken": token})


def stop_stack_set_operation(self):
    stack_set = _find(self, self._get_param("StackSetName"))
    op = _operation(stack_set, self._get_param("OperationId"))
    if op.status in DONE:
        raise _error("InvalidOperationException", f"Operation {op.id} is already {op.status}")
    op.stop_requested = True
    op.status = "STOPPING"
    return EmptyResult()


HANDLERS = [create_stack_set, describe_stack_set, list_stack_sets, delete_stack_set,
            create_stack_instances, update_stack_instances, update_stack_set,
            delete_stack_instances, detect_stack_set_drift, list_stack_instances,
            describe_stack_instance, list_stack_set_operations, describe_stack_set_operation,
            list_stack_set_operation_results, stop_stack_set_operation]


def apply():
    # moto's transformers reshape its own dict-valued StackSet fields; ours are already in the
    # wire shape.
    for path in ("DescribeStackSetOutput.StackSet.Parameters", "DescribeStackSetOutput.StackSet.Tags"):
        CloudFormationResponse.RESPONSE_KEY_PATH_TO_TRANSFORMER.pop(path, None)
    for handler in HANDLERS:
        setattr(CloudFormationResponse, handler.__name__, handler)
