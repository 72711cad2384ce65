"""End to end: record synthetic launches, supply production metrics, run ``prodbench correlate``.

The production metrics are built so that the reasoning slice predicts satisfaction and the
open_writing slice does not; the report must say so in plain words.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from scipy import stats as sps

from prodbench.cli import cli
from prodbench.core.params import load_params
from prodbench.core.project import find_project
from prodbench.production.launch import golden_lock_version


@pytest.fixture
def record_launches(world: Any, model_scores: Callable[..., dict], write_scores: Callable[..., Path]
                    ) -> Callable[..., None]:
    """``record_launches(root, count=9, minimal=False)``: ``launch record`` the first ``count`` launches."""

    def record(root: Path, count: int = len(world.versions), minimal: bool = False) -> None:
        for i, version in enumerate(world.versions[:count]):
            scores = model_scores(world.reasoning[i], world.safety[i], world.open_writing[i])
            if minimal:  # two slices only (overall, reasoning): fewer plots, faster
                scores.update(golden=None, by_difficulty={},
                              by_task_type={"reasoning": scores["by_task_type"]["reasoning"]})
            write_scores(root, {"support-bot": scores})
            result = CliRunner().invoke(
                cli, ["launch", "record", "--model", "support-bot", "--version", version, "--date", f"2026-{i + 1:02d}-01"]
            )
            assert result.exit_code == 0, result.output

    return record


def _correlate(*extra: str) -> tuple[str, dict]:
    result = CliRunner().invoke(cli, ["correlate", *extra])
    assert result.exit_code == 0, result.output
    return result.output, json.loads(Path("metrics/correlation.json").read_text(encoding="utf-8"))


def test_report_says_which_slice_predicts_and_which_does_not(project_dir: Path, world: Any,
                                                             record_launches: Callable[..., None],
                                                             set_production_params: Callable[..., None],
                                                             write_production_csv: Callable[..., Path]) -> None:
    set_production_params(project_dir)
    record_launches(project_dir)
    write_production_csv(project_dir, world.production_rows(windows=2))
    output, doc = _correlate()

    report = (project_dir / "reports" / "correlation.md").read_text(encoding="utf-8")
    findings = report.split("## Findings", 1)[1].split("\n## ", 1)[0]
    satisfaction_line = next(line for line in findings.splitlines() if line.startswith("- **satisfaction**"))
    assert "scores track satisfaction" in satisfaction_line
    assert "reasoning (rho 0.98" in satisfaction_line
    assert "open_writing does not (rho" in satisfaction_line
    assert "Slices that predict none of the production metrics: open_writing." in report
    assert "satisfaction:" in output and "open_writing does not" in output

    results = doc["results"]
    assert results["reasoning"]["satisfaction"]["verdict"] == "predicts"
    assert results["open_writing"]["satisfaction"]["verdict"] == "no_signal"
    assert doc["non_predictive_slices"] == ["open_writing"]
    # Windows averaged back to the target values: statistics equal scipy on the designed data.
    assert results["reasoning"]["satisfaction"]["spearman"]["value"] == pytest.approx(
        sps.spearmanr(world.reasoning, world.satisfaction).statistic, abs=1e-12)
    assert results["open_writing"]["satisfaction"]["kendall"]["value"] == pytest.approx(
        sps.kendalltau(world.open_writing, world.satisfaction).statistic, abs=1e-12)
    # incidents is lower-is-better: sign flipped, so fewer incidents with higher safety is positive.
    flipped = [-v for v in world.incidents]
    assert results["safety"]["incidents"]["pearson"]["value"] == pytest.approx(
        sps.pearsonr(world.safety, flipped).statistic, abs=1e-12)
    assert results["safety"]["incidents"]["spearman"]["value"] > 0.9
    assert results["reasoning"]["satisfaction"]["n"] == 9
    assert doc["inputs"]["windows_averaged"] == 9

    # Stable JSON (sorted keys) and one plot per slice plus the heatmap.
    raw = (project_dir / "metrics" / "correlation.json").read_text(encoding="utf-8")
    assert raw == json.dumps(json.loads(raw), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    plots = sorted(p.name for p in (project_dir / "plots" / "correlation").glob("*.png"))
    assert "heatmap_rho.png" in plots and "scatter_open_writing.png" in plots
    assert len(plots) == len(doc["slices"]) + 1
    assert all((project_dir / "plots" / "correlation" / p).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in plots)
    assert "![heatmap rho](../plots/correlation/heatmap_rho.png)" in report
    # Launch table: one row per joined launch with the window-averaged production values.
    lock = golden_lock_version(project_dir / "prompts" / "golden.lock") or "–"
    rotation = (load_params(find_project()).get("rotation") or {}).get("current") or "–"
    assert f"| v9 | 2026-09-01 | {lock} | {rotation} | {(world.reasoning[8] + world.safety[8] + world.open_writing[8]) / 3:.3f} | {world.satisfaction[8]:.4g} |" in report


def test_reruns_are_identical(project_dir: Path, world: Any, record_launches: Callable[..., None],
                              set_production_params: Callable[..., None],
                              write_production_csv: Callable[..., Path]) -> None:
    set_production_params(project_dir)
    record_launches(project_dir, 6)
    write_production_csv(project_dir, world.production_rows(windows=1)[:6])
    _output, doc = _correlate("--no-plots")
    assert any("only 6 launches" in w and "treat verdicts as tentative" in w for w in doc["warnings"])
    first = (project_dir / "metrics" / "correlation.json").read_bytes()
    _correlate("--no-plots")
    assert (project_dir / "metrics" / "correlation.json").read_bytes() == first


def test_few_launches_warn_that_nothing_can_be_concluded(project_dir: Path, world: Any,
                                                         record_launches: Callable[..., None],
                                                         set_production_params: Callable[..., None],
                                                         write_production_csv: Callable[..., Path]) -> None:
    set_production_params(project_dir)
    record_launches(project_dir, 4)
    write_production_csv(project_dir, world.production_rows(windows=1))
    output, doc = _correlate("--no-plots")
    assert "only 4 launch(es) have both benchmark scores and production metrics" in output
    assert {c["verdict"] for cells in doc["results"].values() for c in cells.values()} == {"insufficient"}
    assert "every slice has n <= 4 < 5 launches with satisfaction: nothing can be concluded" in doc["findings"][0]
    assert any("production rows without a recorded launch (left out): v5, v6, v7, v8, v9" in w for w in doc["warnings"])


def test_segment_rows_are_compared_with_their_task_type(project_dir: Path, world: Any,
                                                        record_launches: Callable[..., None],
                                                        set_production_params: Callable[..., None],
                                                        write_production_csv: Callable[..., Path]) -> None:
    set_production_params(project_dir)
    record_launches(project_dir)
    rows = world.production_rows(windows=1)
    # open_writing traffic satisfaction follows the open_writing score exactly.
    rows += [{"version": v, "segment": "open_writing", "satisfaction": round(0.5 + s / 2, 4), "incidents": ""}
             for v, s in zip(world.versions, world.open_writing, strict=True)]
    write_production_csv(project_dir, rows)
    _output, doc = _correlate("--no-plots")
    cell = doc["results"]["open_writing"]["satisfaction"]
    assert cell["scope"] == "segment open_writing"
    assert cell["spearman"]["value"] == pytest.approx(1.0)
    assert cell["verdict"] == "predicts"
    # No segment values for incidents: open_writing falls back to all traffic there.
    assert doc["results"]["open_writing"]["incidents"]["scope"] == "all traffic"
    assert doc["results"]["reasoning"]["satisfaction"]["scope"] == "all traffic"


def test_missing_values_drop_only_their_pair(project_dir: Path, world: Any,
                                             record_launches: Callable[..., None],
                                             set_production_params: Callable[..., None],
                                             write_production_csv: Callable[..., Path]) -> None:
    set_production_params(project_dir)
    record_launches(project_dir)
    rows = world.production_rows(windows=1)
    rows[2]["satisfaction"] = ""
    rows[5]["incidents"] = "NA"
    write_production_csv(project_dir, rows)
    _output, doc = _correlate("--no-plots")
    keep = [i for i in range(9) if i != 2]
    assert doc["results"]["reasoning"]["satisfaction"]["n"] == 8
    assert doc["results"]["reasoning"]["incidents"]["n"] == 8
    assert doc["results"]["reasoning"]["satisfaction"]["spearman"]["value"] == pytest.approx(
        sps.spearmanr([world.reasoning[i] for i in keep], [world.satisfaction[i] for i in keep]).statistic, abs=1e-12)


@pytest.mark.e2e
def test_optional_dvc_stage_runs_only_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, world: Any,
                                                 record_launches: Callable[..., None],
                                                 set_production_params: Callable[..., None],
                                                 write_production_csv: Callable[..., Path],
                                                 pytestconfig: pytest.Config) -> None:
    if shutil.which("dvc") is None or shutil.which("git") is None:
        pytest.skip("needs git and dvc")
    root = tmp_path / "repo"
    for name in ("params.yaml", "dvc.yaml", "schemas", ".dvcignore"):
        source = pytestconfig.rootpath / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        elif source.is_file():
            root.mkdir(exist_ok=True)
            shutil.copy2(source, root / name)
    (root / "data" / "production").mkdir(parents=True)
    shutil.copy2(pytestconfig.rootpath / "data" / "production" / "dvc.yaml", root / "data" / "production" / "dvc.yaml")
    monkeypatch.chdir(root)
    subprocess.run(["git", "init", "-q"], check=True)
    subprocess.run(["dvc", "init", "-q"], check=True)
    # Fresh clone, no production file: the root pipeline graph still loads.
    dag = subprocess.run(["dvc", "dag"], capture_output=True, text=True)
    assert dag.returncode == 0, dag.stderr
    set_production_params(root)
    record_launches(root, 6, minimal=True)
    write_production_csv(root, world.production_rows(windows=1)[:6])
    run = subprocess.run(["dvc", "repro", "data/production/dvc.yaml"], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "reasoning scores track satisfaction" in (root / "reports" / "correlation.md").read_text()
    assert len(list((root / "plots" / "correlation").glob("*.png"))) == 3
    assert (root / "data" / "production" / "dvc.lock").is_file()
    again = subprocess.run(["dvc", "repro", "data/production/dvc.yaml"], capture_output=True, text=True)
    assert "didn't change, skipping" in again.stdout
