"""CloudFormation stacks that take time, as on AWS (setting `stackSeconds`; 0, the default, keeps
moto's instant stacks for the functional tests).

Each mirrors documented AWS behaviour (AWSCloudFormation/latest/UserGuide/using-cfn-describing-stacks.html
"Stack status codes", APIReference/API_UpdateStack.html):
- After CreateStack, UpdateStack, ExecuteChangeSet or DeleteStack through the API, the stack
  reports CREATE_IN_PROGRESS, UPDATE_IN_PROGRESS or DELETE_IN_PROGRESS for `stackSeconds`, then its
  final status. A CDKToolkit create or update takes a minute or more on AWS; the resources exist
  from the start here (moto creates them at once), only the status waits.
- A stack in an *_IN_PROGRESS state cannot be updated: UpdateStack and ExecuteChangeSet answer
  ValidationError "Stack:<id> is in <status> state and can not be updated.".
- A stack being deleted is still described by its name, DELETE_IN_PROGRESS, until it is gone.
StackSet instance stacks are not affected: StackSet operations have their own timing (stacksets.py).
"""
import time

from moto.cloudformation import models as cfm
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.responses import CloudFormationResponse

from . import state

_pending = {}  # stack id -> (status while in progress, monotonic deadline)
_deleting = {}  # (account, region, name) -> stack


def _in_progress(stack):
    entry = _pending.get(stack.stack_id)
    if entry is None:
        return None
    if time.monotonic() >= entry[1]:
        _pending.pop(stack.stack_id, None)
        return None
    return entry[0]


def _status_get(self):
    return _in_progress(self) or self.__dict__.get("_sbo_status")


def _status_set(self, value):
    self.__dict__["_sbo_status"] = value


def _hold(stack, status):
    seconds = state.setting("stackSeconds")
    if seconds > 0 and stack is not None:
        _pending[stack.stack_id] = (status, time.monotonic() + seconds)


def _refuse_if_busy(backend, name):
    try:
        stack = backend.get_stack(name)
    except Exception:
        return
    busy = _in_progress(stack)
    if busy is not None:
        raise ValidationError(stack.stack_id, message=f"Stack:{stack.stack_id} is in {busy} state and can not be updated.")


def _wrap_create(original):
    def create_stack(self):
        result = original(self)
        _hold(self.cloudformation_backend.get_stack(self._get_param("StackName")), "CREATE_IN_PROGRESS")
        return result
    return create_stack


def _wrap_update(original):
    def update_stack(self):
        _refuse_if_busy(self.cloudformation_backend, self._get_param("StackName"))
        result = original(self)
        _hold(self.cloudformation_backend.get_stack(self._get_param("StackName")), "UPDATE_IN_PROGRESS")
        return result
    return update_stack


def _wrap_execute(original):
    def execute_change_set(self):
        backend = self.cloudformation_backend
        name = self._get_param("StackName")
        change_set = self._get_param("ChangeSetName")
        if name:
            _refuse_if_busy(backend, name)
        result = original(self)
        stack = next((s for s in backend.stacks.values() if name in (s.name, s.stack_id)
                      or change_set in getattr(s, "change_set_ids", ())), None) if name else None
        if stack is not None:
            _hold(stack, "CREATE_IN_PROGRESS" if stack.__dict__.get("_sbo_status") == "CREATE_COMPLETE"
                  else "UPDATE_IN_PROGRESS")
        return result
    return execute_change_set


def _wrap_delete(original):
    def delete_stack(self):
        backend = self.cloudformation_backend
        name = self._get_param("StackName")
        stack = next((s for s in backend.stacks.values() if name in (s.name, s.stack_id)), None)
        result = original(self)
        if stack is not None and state.setting("stackSeconds") > 0:
            _hold(stack, "DELETE_IN_PROGRESS")
            _deleting[(backend.account_id, backend.region_name, stack.name)] = stack
        return result
    return delete_stack


def _wrap_describe(original):
    def describe_stacks(self, name_or_stack_id):
        try:
            return original(self, name_or_stack_id)
        except ValidationError:
            stack = _deleting.get((self.account_id, self.region_name, name_or_stack_id))
            if stack is not None and _in_progress(stack) is not None:
                return [stack]
            raise
    return describe_stacks


@state.on_reset
def reset():
    _pending.clear()
    _deleting.clear()


def apply():
    """After cfn_fixes.apply() and stacksets.apply(): wraps the handlers in place then."""
    cfm.Stack.status = property(_status_get, _status_set)
    CloudFormationResponse.create_stack = _wrap_create(CloudFormationResponse.create_stack)
    CloudFormationResponse.update_stack = _wrap_update(CloudFormationResponse.update_stack)
    CloudFormationResponse.execute_change_set = _wrap_execute(CloudFormationResponse.execute_change_set)
    CloudFormationResponse.delete_stack = _wrap_delete(CloudFormationResponse.delete_stack)
    cfm.CloudFormationBackend.describe_stacks = _wrap_describe(cfm.CloudFormationBackend.describe_stacks)
