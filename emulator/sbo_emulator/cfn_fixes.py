"""CloudFormation stacks: the fixes a `cdk bootstrap` re-run and a StackSet update need.

Each mirrors documented AWS behaviour (AWSCloudFormation/latest/APIReference):
- DescribeChangeSet of an unknown change set answers ChangeSetNotFound (404); DeleteChangeSet of
  one is a no-op. The CDK CLI deletes a leftover change set and waits for it to be gone before
  every update; moto answered 500 and ValidationError.
- CommaDelimitedList parameters are echoed as the comma-joined string that was passed
  (API_Parameter.html); moto returned Python list text, which `UsePreviousValue` then fed back.
- A stack created or updated through a change set has the template's Outputs and the change
  set's parameters afterwards; moto kept neither.
- A resource is updated when a parameter it uses changes, whether through Ref, ${Param} in
  Fn::Sub, or a Condition (Fn::If / Condition:) that reads it; moto only followed Ref, so the
  bootstrap template's InputPermissionsBoundary never reached the execution role.
- UsePreviousValue takes the value the stack resolved, including a template default that was
  never passed explicitly (API_Parameter.html); moto only knew explicitly passed values and
  answered 500 for the others (the bootstrap template has several).
- A resource whose Condition turns false on update is deleted, one whose Condition turns true is
  created (conditions.html: "resources ... are created or deleted as conditions change"); moto
  tried to update a resource that never existed and failed.
- DescribeStackResources with PhysicalResourceId (and no StackName) answers the resources of the
  stack that owns that resource, or ValidationError "Stack for ID does not exist" when no stack in
  the account and region does (API_DescribeStackResources.html); moto ignored the parameter and
  failed for want of a stack name. It is how one finds which stack made an IAM policy.
- `Ref: AWS::NoValue` returned by Fn::If inside a list removes that element
  (pseudo-parameter-reference.html, "AWS::NoValue"; intrinsic-function-reference-conditions.html:
  "Fn::If ... AWS::NoValue ... removes the corresponding property"); moto left a null in the list,
  which IAM then refused as a malformed policy. The boundary template lifts one statement per
  account this way.
- A failed update rolls back: the stack keeps its previous template and parameters and ends in
  UPDATE_ROLLBACK_COMPLETE with a reason (using-cfn-updating-stacks.html); moto raised mid-update
  and left the stack half changed.
"""
import re

from moto.cloudformation import models as cfm
from moto.cloudformation import parsing as cfp
from moto.cloudformation.exceptions import CloudFormationError, ValidationError
from moto.cloudformation.responses import CloudFormationResponse, StackResourceDTO
from moto.core.responses import ActionResult


class ChangeSetNotFound(CloudFormationError):
    code = "ChangeSetNotFound"

    def __init__(self, name):
        super().__init__(f"ChangeSet [{name}] does not exist")


def _plain(value):
    return ",".join(str(v) for v in value) if isinstance(value, list) else value


def _find_change_set(backend, name):
    if name in backend.change_sets:
        return name
    return next((k for k, cs in backend.change_sets.items() if cs.change_set_name == name), None)


def _delete_change_set(self, change_set_name):
    key = _find_change_set(self, change_set_name)
    if key is not None:
        del self.change_sets[key]


def _describe_change_set(self, change_set_name):
    key = _find_change_set(self, change_set_name)
    if key is None:
        raise ChangeSetNotFound(change_set_name)
    return self.change_sets[key]


_original_execute = cfm.CloudFormationBackend.execute_change_set


def _execute_change_set(self, change_set_name, stack_name=None):
    _original_execute(self, change_set_name, stack_name)
    change_set = _describe_change_set(self, change_set_name)
    stack = self.stacks[change_set.stack_id]
    stack._parse_template()
    stack.description = stack.template_dict.get("Description")
    stack.parameters = {k: _plain(v) for k, v in dict(change_set.parameters).items()}
    stack.output_map = stack._create_output_map()
    for export in stack.exports:
        self.exports[export.name] = export


def _references(node, conditions, seen):
    """Parameters a template node reads: Ref, ${Name} in Fn::Sub, and through conditions."""
    found = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::Sub":
                text = value if isinstance(value, str) else value[0]
                found |= set(re.findall(r"\$\{([^}!.]+)\}", text))
                if isinstance(value, list):
                    found |= _references(value[1:], conditions, seen)
            elif key == "Condition" and isinstance(value, str):
                found |= _condition_references(value, conditions, seen)
            elif key == "Fn::If" and isinstance(value, list) and value:
                found |= _condition_references(value[0], conditions, seen)
                found |= _references(value[1:], conditions, seen)
            else:
                found |= _references(value, conditions, seen)
    elif isinstance(node, list):
        for item in node:
            found |= _references(item, conditions, seen)
    return found


def _condition_references(name, conditions, seen):
    if name in seen or name not in conditions:
        return set()
    seen.add(name)
    return _references(conditions[name], conditions, seen)


def _build_resource_diff(self, other_template, parameters=None):
    old, new = self._resource_json_map, other_template["Resources"]
    conditions = other_template.get("Conditions") or {}
    diff = {
        "Add": [n for n in new if n not in old],
        "Modify": [n for n in new if n in old and new[n] != old[n]],
        "Remove": [n for n in old if n not in new],
    }
    if parameters is not None:
        # Compare what the stack resolved with what it resolves to now, defaults included: a
        # parameter left out of an update takes its default (not its previous value) in AWS.
        declared = other_template.get("Parameters") or {}
        now = {k: v.get("Default") for k, v in declared.items()}
        now.update(parameters)
        changed = {p for p in set(now) | set(self.resolved_parameters)
                   if str(_plain(self.resolved_parameters.get(p))) != str(_plain(now.get(p)))}
        for name in new:
            if name in old and new[name] == old[name] and changed & _references(new[name], conditions, set()):
                diff["Modify"].append(name)
    return diff


_original_stack_update = cfm.Stack.update


def _stack_update(self, template, role_arn=None, parameters=None, tags=None):
    previous_template = self.template
    previous_parameters = dict(self.parameters)
    try:
        _original_stack_update(self, template, role_arn, parameters=parameters, tags=tags)
        self.status_reason = None
    except Exception as failure:  # any resource error fails the update, as in AWS
        reason = f"{type(failure).__name__}: {failure}"
        self._add_stack_event("UPDATE_ROLLBACK_IN_PROGRESS", resource_status_reason=reason)
        try:
            self.template = previous_template
            self._parse_template()
            self.resource_map.update(self.template_dict, previous_parameters)
        except Exception:  # best effort, as a real rollback can also fail
            pass
        self.parameters = previous_parameters
        self.output_map = self._create_output_map()
        self.status = "UPDATE_ROLLBACK_COMPLETE"
        self.status_reason = reason
        self._add_stack_event("UPDATE_ROLLBACK_COMPLETE")


_original_update_resource = cfp.parse_and_update_resource


def _update_resource(logical_id, resource_json, resources_map, account_id, region_name):
    existing = resources_map._parsed_resources.get(logical_id)
    condition = resource_json.get("Condition")
    if condition and not resources_map.lazy_condition_map[condition]:
        if existing is not None and not isinstance(existing, str):
            resources_map._delete_resource(existing, resource_json)
        return None
    if existing is None:
        return cfp.parse_and_create_resource(logical_id, resource_json, resources_map,
                                             account_id, region_name)
    return _original_update_resource(logical_id, resource_json, resources_map, account_id,
                                     region_name)


def _resolve_update_parameters(self, instance, incoming_params):
    previous = instance.stack_parameters if isinstance(instance, cfm.Stack) else instance.parameters
    resolved = {p["ParameterKey"]: p["ParameterValue"] for p in incoming_params
                if "ParameterValue" in p}
    for p in incoming_params:
        if p.get("UsePreviousValue", False):
            if p["ParameterKey"] not in previous:
                raise CloudFormationError(
                    "ValidationError", f"Parameter {p['ParameterKey']} has no previous value")
            resolved[p["ParameterKey"]] = _plain(previous[p["ParameterKey"]])
    return resolved


_original_describe_stack_resources = CloudFormationResponse.describe_stack_resources


def _describe_stack_resources(self):
    physical = self._get_param("PhysicalResourceId")
    if self._get_param("StackName") or not physical:
        return _original_describe_stack_resources(self)
    for stack in list(self.cloudformation_backend.stacks.values()):
        if stack.status == "DELETE_COMPLETE":
            continue
        resources = list(stack.stack_resources)
        if any(getattr(r, "physical_resource_id", None) == physical for r in resources):
            return ActionResult({"StackResources": [StackResourceDTO(stack, r) for r in resources]})
    raise ValidationError(message=f"Stack for {physical} does not exist")


_original_clean_json = cfp.clean_json


def _no_value(node):
    """A list element that may resolve to AWS::NoValue: the Ref itself, or an Fn::If returning it."""
    if not isinstance(node, dict):
        return False
    if node.get("Ref") == "AWS::NoValue":
        return True
    branches = node.get("Fn::If")
    return isinstance(branches, list) and len(branches) == 3 and any(_no_value(b) for b in branches[1:])


def _clean_json(resource_json, resources_map):
    if isinstance(resource_json, list):
        out = []
        for item in resource_json:
            cleaned = _clean_json(item, resources_map)
            if cleaned is None and _no_value(item):
                continue
            out.append(cleaned)
        return out
    return _original_clean_json(resource_json, resources_map)


def apply():
    cfp.clean_json = _clean_json
    CloudFormationResponse.describe_stack_resources = _describe_stack_resources
    cfm.CloudFormationBackend._resolve_update_parameters = _resolve_update_parameters
    cfm.CloudFormationBackend.delete_change_set = _delete_change_set
    cfm.CloudFormationBackend.describe_change_set = _describe_change_set
    cfm.CloudFormationBackend.execute_change_set = _execute_change_set
    cfm.Stack.parameter_list = property(lambda self: [
        {"ParameterKey": k,
         "ParameterValue": "****" if k in self.resource_map.no_echo_parameter_keys else _plain(v)}
        for k, v in self.resource_map.resolved_parameters.items()])
    cfm.Stack.stack_parameters = property(
        lambda self: {k: _plain(v) for k, v in self.resource_map.resolved_parameters.items()})
    cfm.Stack.status_reason = None
    cfp.ResourceMap.build_resource_diff = _build_resource_diff
    cfp.parse_and_update_resource = _update_resource
    cfm.Stack.update = _stack_update
