"""Memoised look-ups. They change no answer; they only let the emulator keep up at thousands of accounts.

Profiled at 3 stages x 200 accounts x 2 regions with 60 s stacks, most of the emulator's time went
to work that repeats with the same inputs:
- moto parses a template body with PyYAML's pure-Python loader at every CreateStack, UpdateStack,
  change set and StackSet instance (the 32 KB CDK bootstrap template: 80 ms or more, under the one
  backend lock). The parsed form of recent bodies is kept, and every caller gets a deep copy of it
  (dicts and lists copied, scalars shared), so a stack that changes its template dict changes no
  other stack's.
- moto finds the account of a request's access key by looking through every account's keys, twice
  per request (O(accounts)). The owner of a key is recorded when IAM or STS issues it (a session's
  first call looked through 3,000 accounts too: 13.5 % of the emulator's time all through a
  3,000-account rollout, whose accounts get their sessions as it reaches them; profiled with py-spy), remembered once looked up, and checked in that account alone.
- moto lists its own package directory on every request to route it. The list is read once.
- moto's BackendDict copies its account ids into a list, and compares itself with every other
  BackendDict, at every look-up of an account's backend (O(accounts) each, several per request).
  An account already there is returned at once.
- werkzeug writes a line per request to stderr; the call log (/_sbo/calls) has every request, so
  only errors are written.
- moto orders a stack's resources by DependsOn on a deep copy of the whole template's resources,
  at every create and every check that creation completed: a quarter of a CreateStack's time in a
  profile at 600 accounts. It only removes top-level keys from the copy and reads DependsOn, so a
  copy of the top-level dict gives the same order.
- moto lists the methods of the response class with inspect.getmembers on every request, to see
  whether the action is one (4-7 % of a worker's time). The classes do not change once the
  extension is applied, so the names are listed once per class.
"""
import copy
import functools

from moto import backends
from moto.cloudformation import models as cfm
from moto.cloudformation import parsing as cfp
from moto.core import base_backend
from moto.core import responses as core_responses
from moto.core.utils import method_names_from_class as _original_method_names
from moto.iam import models as iamm
from werkzeug import serving

from . import state

_original_parse = cfm.Stack.parse_template
_original_owner = iamm.get_account_id_from
_owners = {}


@functools.lru_cache(maxsize=64)
def _parsed(template):
    return _original_parse(template)


def parse_template(template):
    return _copy(_parsed(template))


def _copy(node):
    """A copy of a parsed template: its dicts and lists new, its scalars shared (they are
    immutable). copy.deepcopy, with its memo of every node, took 11 % of a worker's time at 600
    accounts (py-spy); anything that is not a dict, a list or a scalar is deep-copied as before."""
    kind = type(node)
    if kind is dict:
        return {k: _copy(v) for k, v in node.items()}
    if kind is list:
        return [_copy(v) for v in node]
    if kind in _SCALARS:
        return node
    return copy.deepcopy(node)


_SCALARS = (str, int, float, bool, type(None))


def _change_set_parse(self):
    self.template_dict = parse_template(self.template)


def account_of(access_key):
    """The account that owns `access_key`, as moto's get_account_id_from answers (the default account for none)."""
    known = _owners.get(access_key)
    if known == iamm.DEFAULT_ACCOUNT_ID:
        # no account had it: keys are made at random when they are issued, and only then handed
        # out, so a key asked about before can never become another account's
        return known
    if known is not None and dict.__contains__(iamm.iam_backends, known) \
            and access_key in iamm.iam_backends[known]["aws"].access_keys:
        return known
    account = _original_owner(access_key)
    _owners[access_key] = account
    return account


_original_temp_key = iamm.IAMBackend.create_temp_access_key
_original_user_key = iamm.IAMBackend.create_access_key


def _create_temp_access_key(self):
    key = _original_temp_key(self)
    _owners[key.physical_resource_id] = self.account_id
    return key


def _create_access_key(self, *args, **kwargs):
    key = _original_user_key(self, *args, **kwargs)
    _owners[key.physical_resource_id] = self.account_id
    return key


_original_create = base_backend.BackendDict._create_account_specific_backend


def _create_account_specific_backend(self, account_id):
    if not dict.__contains__(self, account_id):  # made (and the BackendDict registered) on first use
        _original_create(self, account_id)


_method_names = {}


def _cached_method_names(clazz):
    names = _method_names.get(clazz)
    if names is None:
        names = _method_names[clazz] = frozenset(_original_method_names(clazz))
    return names


def _resources_in_dependency_order(self):
    resource_map = dict(self._resource_json_map)
    order = []

    def visit(resource):
        dependencies = resource_map[resource].get("DependsOn")
        if dependencies is not None:
            for dependency in [dependencies] if isinstance(dependencies, str) else dependencies:
                if dependency in resource_map:
                    visit(dependency)
        order.append(resource)
        del resource_map[resource]

    while resource_map:
        visit(next(iter(resource_map)))
    return order


@state.on_reset
def reset():
    _owners.clear()


def apply():
    cfm.Stack.parse_template = staticmethod(parse_template)
    cfm.ChangeSet._parse_template = _change_set_parse
    iamm.get_account_id_from = account_of
    iamm.IAMBackend.create_temp_access_key = _create_temp_access_key
    iamm.IAMBackend.create_access_key = _create_access_key
    base_backend.BackendDict._create_account_specific_backend = _create_account_specific_backend
    cfp.ResourceMap._ResourceMap__get_resources_in_dependency_order = _resources_in_dependency_order
    core_responses.method_names_from_class = _cached_method_names
    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules
    serving.WSGIRequestHandler.log_request = lambda self, code="-", size="-": None
