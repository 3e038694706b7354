"""gunicorn settings for the baselines: exactly deploy/gunicorn.conf.py, but a post_fork for their app."""

import importlib
import os
import runpy

_deploy = runpy.run_path(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "deploy", "gunicorn.conf.py")
)
for _name in (
    "bind",
    "worker_class",
    "workers",
    "threads",
    "max_requests",
    "max_requests_jitter",
    "timeout",
    "graceful_timeout",
    "keepalive",
    "preload_app",
    "accesslog",
    "errorlog",
    "forwarded_allow_ips",
):
    globals()[_name] = _deploy[_name]
pre_fork = _deploy["pre_fork"]  # the same hooks too, but post_fork (which loads the app's module)


def post_fork(server, worker):
    importlib.import_module(os.environ["BENCH_BASELINE_MODULE"]).after_fork()
