"""`prodbench score --explain ID`: why one prompt's responses got their scores."""

from __future__ import annotations

from click.testing import CliRunner

from prodbench.cli import cli


def _project(tmp_path, monkeypatch, make_record, make_run_row, score_params, write_score_project):
    params = {**score_params, "models": {"a": {"model": "openai/x"}, "b": {"model": "openai/y"}}}
    recs = [make_record("f1", "fact_recall", reference="Pro"), make_record("f2", "fact_recall", reference="x")]
    write_score_project(tmp_path, params, recs, {
        "a": [make_run_row(r, "a", "Pick the Pro plan.") for r in recs],
        "b": [make_run_row(r, "b", "I am unable to provide plan details.") for r in recs]})
    monkeypatch.chdir(tmp_path)


def test_explain_shows_each_scorer_and_why(tmp_path, monkeypatch, make_record, make_run_row, score_params,
                                           write_score_project):
    _project(tmp_path, monkeypatch, make_record, make_run_row, score_params, write_score_project)
    result = CliRunner().invoke(cli, ["score", "--explain", "f1"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "== a: score 1.000" in out and "-> PASS" in out
    assert "== b: score 0.000" in out and "-> FAIL" in out
    assert "mentions 'Pro'" in out and "mentions none of 1 acceptable answer(s)" in out
    assert "I am unable to provide plan details." in out
    assert not (tmp_path / "results" / "scores.jsonl").exists()  # explaining writes nothing


def test_explain_unknown_id_is_a_clear_error(tmp_path, monkeypatch, make_record, make_run_row, score_params,
                                             write_score_project):
    _project(tmp_path, monkeypatch, make_record, make_run_row, score_params, write_score_project)
    result = CliRunner().invoke(cli, ["score", "--explain", "nope"])
    assert result.exit_code == 2
    assert "unknown prompt id 'nope'" in result.output and "f1" in result.output
    assert "Traceback" not in result.output
