"""Template parsing, memoised. Changes no answer; it only makes the emulator keep up at scale.

moto parses a template body with PyYAML's pure-Python loader at every CreateStack, UpdateStack,
change set and StackSet instance (the CDK bootstrap template, 32 KB, takes 80 ms or more, and it
runs under the one backend lock), so at thousands of stacks the emulator spent most of its time
parsing the same few bodies. The parsed form of recent bodies is kept and every caller gets a deep
copy of it (under 1 ms), so a stack that changes its template dict changes no other stack's.
"""
import copy
import functools

from moto.cloudformation import models as cfm

_original_parse = cfm.Stack.parse_template


@functools.lru_cache(maxsize=64)
def _parsed(template):
    return _original_parse(template)


def parse_template(template):
    return copy.deepcopy(_parsed(template))


def _change_set_parse(self):
    self.template_dict = parse_template(self.template)


def apply():
    cfm.Stack.parse_template = staticmethod(parse_template)
    cfm.ChangeSet._parse_template = _change_set_parse
