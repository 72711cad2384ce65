"""Production metrics input: aggregation, segments, joins, and located errors for bad inputs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from prodbench.cli import cli
from prodbench.core.errors import UserError
from prodbench.production.inputs import MetricDecl, join, metric_decls, read_production

DECLS = [MetricDecl("satisfaction", "higher_is_better", "rate"), MetricDecl("incidents", "lower_is_better", "count")]


def _csv(tmp_path: Path, text: str, name: str = "prod.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_windows_are_averaged_and_segments_kept_apart(tmp_path: Path) -> None:
    path = _csv(tmp_path, "version,window,segment,satisfaction,incidents\n"
                          "v1,w1,,0.6,10\nv1,w2,all,0.8,NA\nv1,w1,reasoning,0.5,\nv2,w1,,0.7,4\n")
    prod = read_production(path, "prod.csv", DECLS)
    assert prod.by_model is False
    assert prod.values[(None, "v1")][None] == {"satisfaction": pytest.approx(0.7), "incidents": 10.0}
    assert prod.values[(None, "v1")]["reasoning"] == {"satisfaction": 0.5}
    assert prod.windows[(None, "v1")] == 2
    assert prod.segments == {"reasoning"}


def test_jsonl_input_with_model_column(tmp_path: Path) -> None:
    rows = [{"model": "a", "version": "1", "satisfaction": 0.5, "incidents": 3},
            {"model": "b", "version": "1", "satisfaction": 0.9, "incidents": None}]
    path = tmp_path / "prod.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in rows) + b"\n")
    prod = read_production(path, "prod.jsonl", DECLS)
    assert prod.by_model is True
    assert prod.values[("b", "1")][None] == {"satisfaction": 0.9}
    history = [{"model": "a", "version": "1", "scores": {}}, {"model": "b", "version": "1", "scores": {}},
               {"model": "a", "version": "2", "scores": {}}]
    joined = join(history, prod, "h")
    assert [launch.label for launch in joined.launches] == ["a 1", "b 1"]
    assert joined.history_only == ["a 2"]


def test_same_version_for_two_models_without_model_column_is_ambiguous(tmp_path: Path) -> None:
    prod = read_production(_csv(tmp_path, "version,satisfaction,incidents\n1,0.5,3\n"), "prod.csv", DECLS)
    history = [{"model": "a", "version": "1", "_line": 1}, {"model": "b", "version": "1", "_line": 2}]
    with pytest.raises(UserError) as info:
        join(history, prod, "metrics/history.jsonl")
    assert str(info.value.problems[0]).startswith("metrics/history.jsonl:2: version: version '1' was recorded for models")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("version,satisfaction,incidents,clicks\nv1,0.5,3,9\n",
         "prod.csv:1: clicks: unknown metric column: declare it under production.metrics"),
        ("version,satisfaction\nv1,0.5\n",
         "params.yaml: production.metrics.incidents: declared metric has no column in prod.csv"),
        ("model_version,satisfaction,incidents\nv1,0.5,3\n", "prod.csv:1: version: required column missing"),
        ("version,satisfaction,incidents\nv1,0.5,3\nv2,high,3\n", "prod.csv:3: satisfaction: not a number: 'high'"),
        ("version,satisfaction,incidents\nv1,0.5,-3\n", "prod.csv:2: incidents: a count cannot be negative"),
        ("version,satisfaction,incidents\n,0.5,3\n", "prod.csv:2: version: empty version"),
    ],
)
def test_bad_production_files_give_located_errors(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(UserError) as info:
        read_production(_csv(tmp_path, text), "prod.csv", DECLS)
    assert expected in str(info.value)


def test_ignored_columns_are_allowed(tmp_path: Path) -> None:
    path = _csv(tmp_path, "version,satisfaction,incidents,clicks\nv1,0.5,3,9\n")
    prod = read_production(path, "prod.csv", DECLS, ignore_columns=["clicks"])
    assert prod.values[(None, "v1")][None] == {"satisfaction": 0.5, "incidents": 3.0}


def test_rate_outside_unit_interval_is_a_warning(tmp_path: Path) -> None:
    prod = read_production(_csv(tmp_path, "version,satisfaction,incidents\nv1,71,3\n"), "prod.csv", DECLS)
    assert any("satisfaction is declared as a rate" in w for w in prod.warnings)


def test_metric_declarations_are_checked() -> None:
    with pytest.raises(UserError) as info:
        metric_decls({"metrics": {"csat": {"direction": "up", "kind": "ratio"}}}, "params.yaml", lambda p: 42)
    text = str(info.value)
    assert "params.yaml:42: production.metrics.csat.direction: 'up' is not a direction" in text
    assert "production.metrics.csat.kind: 'ratio' is not a kind" in text
    with pytest.raises(UserError, match="no production metrics declared"):
        metric_decls({"metrics": {}}, "params.yaml")
    assert metric_decls({"metrics": {"x": {"direction": "lower_is_better"}}}, "p")[0].sign == -1


@pytest.fixture
def record_one_launch(model_scores: Callable[..., dict], write_scores: Callable[..., Path]) -> Callable[[Path], None]:
    """``record_one_launch(root)``: scores for model ``bot``, then ``launch record`` of version v1."""

    def record(root: Path) -> None:
        write_scores(root, {"bot": model_scores(0.5, 0.7, 0.4)})
        assert CliRunner().invoke(cli, ["launch", "record", "--model", "bot", "--version", "v1"]).exit_code == 0

    return record


def test_cli_missing_production_file(project_dir: Path, set_production_params: Callable[..., None],
                                     record_one_launch: Callable[[Path], None]) -> None:
    set_production_params(project_dir)
    record_one_launch(project_dir)
    result = CliRunner().invoke(cli, ["correlate"])
    assert result.exit_code == 1
    assert "data/production/metrics.csv: production metrics file not found" in result.output
    assert "Traceback" not in result.output
    quiet = CliRunner().invoke(cli, ["correlate", "--if-present"])
    assert quiet.exit_code == 0 and "nothing to correlate" in quiet.output


def test_cli_bad_direction_is_located_in_params(project_dir: Path, set_production_params: Callable[..., None],
                                                record_one_launch: Callable[[Path], None]) -> None:
    record_one_launch(project_dir)
    set_production_params(project_dir, {"satisfaction": {"direction": "up", "kind": "rate"}})
    result = CliRunner().invoke(cli, ["correlate"])
    assert result.exit_code == 1
    lines = (project_dir / "params.yaml").read_text().splitlines()
    line = next(i for i, text in enumerate(lines, start=1) if "direction: up" in text)
    assert f"params.yaml:{line}: production.metrics.satisfaction.direction" in result.output


def test_cli_declared_metric_missing_from_file_points_at_params_line(project_dir: Path,
                                                                     set_production_params: Callable[..., None],
                                                                     write_production_csv: Callable[..., Path],
                                                                     record_one_launch: Callable[[Path], None]) -> None:
    set_production_params(project_dir)
    record_one_launch(project_dir)
    write_production_csv(project_dir, [{"version": "v1", "satisfaction": 0.5}])
    result = CliRunner().invoke(cli, ["correlate", "--no-plots"])
    assert result.exit_code == 1
    lines = (project_dir / "params.yaml").read_text().splitlines()
    line = next(i for i, text in enumerate(lines, start=1) if text.strip().startswith("incidents:"))
    assert f"params.yaml:{line}: production.metrics.incidents: declared metric has no column" in result.output


def test_cli_no_launches_recorded(project_dir: Path, set_production_params: Callable[..., None],
                                  write_production_csv: Callable[..., Path]) -> None:
    set_production_params(project_dir)
    write_production_csv(project_dir, [{"version": "v1", "satisfaction": 0.5, "incidents": 2}])
    result = CliRunner().invoke(cli, ["correlate", "--no-plots"])
    assert result.exit_code == 1
    assert "no launches recorded yet" in result.output


def test_cli_no_version_matches(project_dir: Path, set_production_params: Callable[..., None],
                                write_production_csv: Callable[..., Path],
                                record_one_launch: Callable[[Path], None]) -> None:
    record_one_launch(project_dir)
    set_production_params(project_dir)
    write_production_csv(project_dir, [{"version": "V1", "satisfaction": 0.5, "incidents": 2}])
    result = CliRunner().invoke(cli, ["correlate", "--no-plots"])
    assert result.exit_code == 1
    assert "no recorded launch matches a production row: metrics/history.jsonl has v1; " in result.output
    assert "data/production/metrics.csv has V1" in result.output
