"""Starts moto_server with the project's additions: python -m sbo_emulator -H 127.0.0.1 -p PORT."""
import sys

import moto.server

from . import (admin, cfn_fixes, cfn_latency, iam_fixes, iam_simulate, org_fixes, org_policies, scale, stacksets,
               sts_fixes)


def main(argv=None):
    scale.apply()
    cfn_fixes.apply()
    iam_fixes.apply()
    iam_simulate.apply()
    org_fixes.apply()
    org_policies.apply()
    stacksets.apply()
    cfn_latency.apply()
    sts_fixes.apply()
    # server.main builds DomainDispatcherApplication by name at call time; ours wraps it with the
    # admin endpoints, fault injection, the call log and the lock that serialises backend access.
    moto.server.DomainDispatcherApplication = admin.EmulatorDispatcher
    moto.server.main(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
