"""gunicorn settings for production: gthread workers (I/O-bound requests, one DB pool per worker)."""

import multiprocessing
import os

bind = os.environ.get("SYMPRAXIS_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("SYMPRAXIS_WORKERS", multiprocessing.cpu_count()))
threads = int(os.environ.get("SYMPRAXIS_THREADS", 4))
max_requests = int(os.environ.get("SYMPRAXIS_MAX_REQUESTS", 0))
max_requests_jitter = 50 if max_requests else 0
timeout = 30
graceful_timeout = 30
keepalive = 5
preload_app = True
accesslog = os.environ.get("SYMPRAXIS_ACCESS_LOG") or None
errorlog = "-"
forwarded_allow_ips = os.environ.get("SYMPRAXIS_FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    """Refuse to start when the workers would each count their own rate limits (memory storage)."""
    import wsgi
    from core.ratelimit import require_shared_storage

    require_shared_storage(wsgi.app.config, server.cfg.workers)


def post_fork(server, worker):
    """Each worker opens its own database connections (none are inherited from the master)."""
    import wsgi
    from core.extensions import db

    with wsgi.app.app_context():
        db.engine.dispose(close=False)


def child_exit(server, worker):
    """Prometheus multiprocess mode: a dead worker's live gauges stop counting."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def pre_fork(server, worker):
    """Freeze what the preloaded application allocated: the garbage collector stops scanning it on
    every full collection in each worker, and workers do not copy its pages by touching them."""
    import gc

    gc.freeze()
