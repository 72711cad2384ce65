"""The anonymize map on a Dask cluster (``--engine dask [--scheduler ADDRESS]``).

Each chunk of records becomes one Dask task running the same worker function as the local
process pool (:mod:`prodbench.data.anonymize.parallel`), so the output is the same byte for
byte. Without ``--scheduler`` a local cluster of ``jobs`` single-threaded worker processes is
started for the run; with it, the run connects to an existing scheduler (its workers need
prodbench installed: they import the worker functions by name). Dask is optional:
``pip install 'prodbench[dask]'``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from prodbench.core.errors import UserError

TIMEOUT = "20s"  # connecting to a scheduler
EXTRA = "pip install 'prodbench[dask]'  (or: pip install 'dask[distributed]')"


def _client_module() -> Any:
    try:
        import distributed
    except ImportError:
        raise UserError(f"--engine dask needs Dask's distributed scheduler, which is not installed; {EXTRA}",
                        exit_code=2) from None
    return distributed


@contextmanager
def dask_executor(jobs: int, scheduler: str | None) -> Iterator[tuple[Callable[..., Any], int]]:
    """``(submit, slots)`` on a Dask cluster; closed (and a local cluster stopped) on exit.

    Args:
        jobs: Workers of the local cluster (ignored with ``scheduler``).
        scheduler: Address of a running scheduler, e.g. ``tcp://10.0.0.5:8786``; None starts
            a local cluster of ``jobs`` processes.

    Raises:
        UserError: Dask is not installed, or the scheduler cannot be reached.
    """
    distributed = _client_module()
    cluster = None
    try:
        if scheduler is None:
            cluster = distributed.LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                               dashboard_address=None)
            client = distributed.Client(cluster)
        else:
            client = distributed.Client(scheduler, timeout=TIMEOUT)
    except (OSError, TimeoutError) as exc:
        if cluster is not None:
            cluster.close()
        raise UserError(f"--scheduler {scheduler}: cannot connect to the Dask scheduler ({exc})",
                        exit_code=1) from None
    try:
        slots = max(1, sum(client.nthreads().values()))

        def submit(fn: Callable[..., Any], *args: Any) -> Any:
            return client.submit(fn, *args, pure=False)

        yield submit, slots
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
