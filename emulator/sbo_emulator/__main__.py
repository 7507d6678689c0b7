"""Starts the emulator: python -m sbo_emulator -H 127.0.0.1 -p PORT [--workers N].

The front listens on PORT and starts N workers (default: $SBO_EMULATOR_WORKERS, else 1), each
moto_server with the project's additions for the accounts it owns (cluster.py). A worker is
started by the front as python -m sbo_emulator --worker I --workers N -p 0.
"""
import argparse
import ctypes
import os
import signal
import sys


def _worker(index, port):
    # a worker ends with its front, however the front ends
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    from moto.moto_server.werkzeug_app import create_backend_app
    from waitress.server import create_server

    from . import (cfn_fixes, cfn_latency, cluster, iam_fixes, iam_simulate, org_fixes, org_policies, scale,
                   stacksets, sts_fixes, worker)

    scale.apply()
    cfn_fixes.apply()
    iam_fixes.apply()
    iam_simulate.apply()
    org_fixes.apply()
    org_policies.apply()
    stacksets.apply()
    cfn_latency.apply()
    sts_fixes.apply()
    app = worker.EmulatorDispatcher(create_backend_app)
    # waitress keeps connections open and runs requests on a pool of threads; werkzeug's development
    # server closed every connection and started a thread per request (a third of the emulator's
    # CPU went to connections). Requests from the front and peer calls from other workers have a
    # pool each: a request may wait on another worker's peer call while that worker's requests wait
    # on this one's, and a peer call never makes one itself, so neither pool can starve the other.
    # The front's pool is small: moto runs one request at a time anyway (the backend lock).
    sockets = {}
    options = dict(host="127.0.0.1", connection_limit=4096, channel_timeout=900, cleanup_interval=60,
                   ident="sbo-emulator")
    server = create_server(app, map=sockets, port=port, threads=12, **options)
    peers = create_server(app, map=sockets, port=0, threads=8, **options)
    cluster.configure(index, [None] * index + [peers.effective_port])
    print(f"sbo-worker listening on {server.effective_port} {peers.effective_port}", flush=True)
    server.run()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m sbo_emulator")
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("SBO_EMULATOR_WORKERS") or 1),
                        help="worker processes; each owns the accounts whose id modulo N is its index")
    parser.add_argument("--worker", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.worker is not None:
        _worker(args.worker, args.port)
    else:
        from . import front

        front.main(args.host, args.port, args.workers)


if __name__ == "__main__":
    main()
