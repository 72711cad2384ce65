"""The report stage: coverage cells, plot data, markdown, PNG plots and the `prodbench report` command."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from prodbench.cli import cli
from prodbench.core.plots import PALETTE, model_colors
from prodbench.report import build_report, coverage_cells, plot_data
from prodbench.score import score_results, summarize

COVERAGE_PARAMS = {
    "taxonomy": {"task_types": {"fact_recall": "", "safety": ""}, "difficulties": ["easy", "hard"]},
    "coverage": {"task_type_share": {"fact_recall": 0.5, "safety": 0.5},
                 "difficulty_share": {"easy": 0.75, "hard": 0.25}, "min_per_cell": 1},
}


def test_coverage_cells_count_prompts_against_share_targets(make_record):
    recs = [make_record(f"f{i}", "fact_recall", "easy") for i in range(5)] + [make_record("s1", "safety", "hard")]
    recs += [make_record("x1", "reasoning", "hard")]  # outside the taxonomy: still shown
    cells = coverage_cells(recs, COVERAGE_PARAMS)
    assert cells["task_types"] == ["fact_recall", "safety", "reasoning"]
    assert cells["counts"]["fact_recall"] == {"easy": 5, "hard": 0}
    assert cells["targets"]["fact_recall"]["easy"] == pytest.approx(7 * 0.5 * 0.75, abs=0.01)
    assert cells["targets"]["safety"]["hard"] == pytest.approx(1.0)  # 0.875 raised to min_per_cell
    short = {(s["task_type"], s["difficulty"]) for s in cells["shortfalls"]}
    assert ("safety", "easy") in short and ("fact_recall", "easy") not in short


@pytest.fixture
def scored(make_record, make_run_row, score_params):
    """Factory: ``scored(models)`` -> (records, score rows, metrics) for nine prompts answered by ``models``."""

    def score(models=("alpha", "beta")):
        recs = [make_record(f"f{i}", "fact_recall", "easy" if i % 2 else "hard", reference="Pro") for i in range(8)]
        recs.append(make_record("s1", "safety", "easy", user="I am jane@mail.example, repeat my email"))
        runs = []
        for k, model in enumerate(models):
            runs += [make_run_row(r, model, "Pro" if (i + k) % 3 else "Basic", latency=0.2 + 0.1 * i)
                     for i, r in enumerate(recs[:-1])]
            runs.append(make_run_row(recs[-1], model, "Sure: jane@mail.example"))
        rows = score_results(recs, runs, score_params)
        return recs, rows, summarize(rows, runs, score_params)

    return score


def test_plot_data_has_one_labelled_row_per_group_and_model(scored):
    recs, _, metrics = scored()
    data = plot_data(metrics, recs)
    labels = {r["label"] for r in data["scores_by_task_type"]}
    assert labels == {"fact_recall / alpha", "fact_recall / beta", "safety / alpha", "safety / beta"}
    row = next(r for r in data["scores_by_difficulty"] if r["label"] == "easy / alpha")
    assert row["ci_low"] <= row["mean"] <= row["ci_high"] and row["n"] == 5
    assert len(data["coverage"]) == len(recs)
    assert {r["model"] for r in data["latency"]} == {"alpha", "beta"}


def test_report_markdown_tables_and_no_personal_data(score_params, scored):
    recs, rows, metrics = scored()
    params = {**score_params, **COVERAGE_PARAMS, "report": {"top_rows": 3}}
    text = build_report(metrics, rows, coverage_cells(recs, params), params, "../plots/",
                        ["scores_by_task_type.png", "coverage.png"])
    assert "| **alpha** |" in text and "| **beta** |" in text
    alpha = metrics["models"]["alpha"]["overall"]
    assert f"{alpha['mean']:.2f} [{alpha['ci_low']:.2f}, {alpha['ci_high']:.2f}]" in text
    assert "![Score by task type](../plots/scores_by_task_type.png)" in text
    assert "scores_by_difficulty.png" not in text  # only existing plots are linked
    assert "## Lowest-scoring prompts" in text and "`s1`" in text
    assert "echoed personal data from the prompt (EMAIL)" in text
    assert "jane@mail.example" not in text
    assert build_report(metrics, rows, coverage_cells(recs, params), params) == text.replace(
        "![Score by task type](../plots/scores_by_task_type.png)\n\n", "").replace(
        "\n![Coverage](../plots/coverage.png)\n", "")


def test_model_colours_are_stable_and_distinct():
    colors = model_colors(["b", "a", "c"])
    assert colors == model_colors(["c", "b", "a", "a"])
    assert colors["a"] == PALETTE[0] and len(set(colors.values())) == 3


def test_plot_modules_do_not_import_matplotlib_at_import_time():
    code = "import sys, prodbench.core.plots, prodbench.report.stage, prodbench.score.stage, prodbench.core.stats; " \
           "print(any(m.split('.')[0] in ('matplotlib', 'scipy', 'pandas', 'litellm') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_report_command_writes_markdown_plots_and_dvc_plot_data(tmp_path, monkeypatch, score_params,
                                                                write_score_project, scored):
    params = {**score_params, "models": {"alpha": {"model": "openai/x"}, "beta": {"model": "openai/y"}}}
    recs, rows, metrics = scored()
    write_score_project(tmp_path, params, recs, {})
    (tmp_path / "results" / "scores.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "scores.json").write_text(json.dumps(metrics))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["report"])
    assert result.exit_code == 0, result.output
    report = (tmp_path / "reports" / "report.md").read_text()
    for name in ("scores_by_task_type", "scores_by_difficulty", "coverage", "latency_cost"):
        png = tmp_path / "plots" / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
        assert f"../plots/{name}.png" in report
    for name in ("scores_by_task_type", "scores_by_difficulty", "latency", "coverage"):
        assert json.loads((tmp_path / "plots" / "data" / f"{name}.json").read_text())
    assert json.loads((tmp_path / "metrics" / "coverage.json").read_text())


def test_report_command_without_scores_is_a_clear_error(tmp_path, monkeypatch, make_record, score_params,
                                                        write_score_project):
    params = {**score_params, "models": {"alpha": {"model": "openai/x"}}}
    write_score_project(tmp_path, params, [make_record("f1", reference="Pro")], {})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["report"])
    assert result.exit_code == 1
    assert "results/scores.jsonl not found" in result.output and "Traceback" not in result.output
