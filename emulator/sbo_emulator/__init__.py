"""Project-owned extension of moto_server, the AWS emulator the tests and the demo run against.

moto lacks StackSet behaviour the operator relies on; this package adds it, fixes the moto bugs a
`cdk bootstrap` re-run trips over, and offers an admin API for fault injection, call counting and
organisation seeding. Every addition names the AWS behaviour it mirrors. See emulator/README.md.
"""

ADMIN_PREFIX = "/_sbo/"
