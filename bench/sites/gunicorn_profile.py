"""gunicorn config used by ``login_throughput.py --profile``: cProfile each request.

The profiler runs only between pre_request and post_request (not while a worker
waits for a connection); each worker writes its stats to BENCH_PROFILE_DIR when
it exits.
"""

import cProfile
import os


def post_fork(server, worker):
    worker.bench_profile = cProfile.Profile()


def pre_request(worker, req):
    worker.bench_profile.enable()


def post_request(worker, req, environ, resp):
    worker.bench_profile.disable()


def worker_exit(server, worker):
    profile = getattr(worker, "bench_profile", None)
    if profile is not None:
        profile.dump_stats(os.path.join(os.environ["BENCH_PROFILE_DIR"], f"worker-{os.getpid()}.prof"))
