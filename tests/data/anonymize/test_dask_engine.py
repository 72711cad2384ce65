"""``--engine dask``: the same anonymize map on a real Dask cluster gives the same bytes.

One run goes through a ``LocalCluster`` that the engine starts itself (threads, for speed), one
through ``prodbench anonymize --engine dask --scheduler tcp://127.0.0.1:PORT`` against a cluster
this test starts; a missing Dask is a clear error naming the extra.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import pytest
from click.testing import Result

from prodbench.data.anonymize import parallel as par

distributed = pytest.importorskip("distributed")

TEXTS = ["Hi, I'm Marcus Whitfield, call me on +44 7911 123456", "nothing personal here",
         "Send the refund to IBAN GB29 NWBK 6016 1331 9268 19, thanks Priya Raman",
         "my name is olga petrova and I live at Hauptstraße 5, 10115 Berlin"]
DATA = b"".join(orjson.dumps({"id": f"r{i}", "text": TEXTS[i % 4] + f" #{i}"}) + b"\n" for i in range(24))


@pytest.fixture(scope="module")
def cluster() -> Iterator[object]:
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp",
                                  host="127.0.0.1", dashboard_address=None) as local:
        yield local


def local_output() -> bytes:
    out = io.BytesIO()
    par.anonymize_jsonl(io.BytesIO(DATA), out.write, par.Spec(), "in.jsonl", par.Where(jobs=1))
    return out.getvalue()


def test_a_local_cluster_gives_the_same_output(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(par, "CHUNK_ITEMS", 5)
    started = []
    real = distributed.LocalCluster

    def threads_cluster(**kwargs: object) -> object:
        started.append(kwargs)
        return real(**{**kwargs, "processes": False})

    monkeypatch.setattr(distributed, "LocalCluster", threads_cluster)
    out = io.BytesIO()
    par.anonymize_jsonl(io.BytesIO(DATA), out.write, par.Spec(), "in.jsonl", par.Where(jobs=2, engine="dask"))
    assert started and started[0]["n_workers"] == 2
    assert out.getvalue() == local_output() and b"<PERSON_1>" in out.getvalue()


def test_cli_with_a_scheduler_address(cluster: object, project_dir: Path, invoke: Callable[..., Result],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(par, "CHUNK_ITEMS", 5)
    address = cluster.scheduler_address  # type: ignore[attr-defined]
    assert address.startswith("tcp://127.0.0.1:")
    source, out = project_dir / "in.jsonl", project_dir / "out.jsonl"
    source.write_bytes(DATA)
    result = invoke("anonymize", "--jsonl", str(source), "-o", str(out), "--engine", "dask", "--scheduler", address)
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == local_output()
    assert "jsonl_chunk" in cluster.scheduler.task_prefixes  # type: ignore[attr-defined]  # it ran there


def test_missing_dask_names_the_extra(project_dir: Path, invoke: Callable[..., Result],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    source = project_dir / "in.jsonl"
    source.write_bytes(DATA)
    result = invoke("anonymize", "--jsonl", str(source), "--engine", "dask")
    assert result.exit_code == 2 and "prodbench[dask]" in result.output, result.output
    assert "Traceback" not in result.output


def test_an_unreachable_scheduler_is_a_clear_error(project_dir: Path, invoke: Callable[..., Result],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from prodbench.data.anonymize import dask_engine

    monkeypatch.setattr(dask_engine, "TIMEOUT", "2s")
    source = project_dir / "in.jsonl"
    source.write_bytes(DATA)
    result = invoke("anonymize", "--jsonl", str(source), "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9")
    assert result.exit_code == 1 and "cannot connect to the Dask scheduler" in result.output, result.output
