"""``wsgi:app`` with the fast-path variants of ``$BENCH_FASTPATH_VARIANTS`` applied first
(``benchmarks/fastpaths.py`` serves it with deploy/gunicorn.conf.py, whose hooks import ``wsgi``)."""

import os

from fastpath_variants import apply

apply(os.environ.get("BENCH_FASTPATH_VARIANTS", ""))

from wsgi import app  # noqa: E402

__all__ = ["app"]
