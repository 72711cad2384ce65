"""One family per comment: every label of a PR comment is adjusted together (weighted Holm)."""

from __future__ import annotations

import pytest

from prodbench.diff.stats import IMPROVEMENT, NOISE, REGRESSION, adjust_labels, compare_paired


def _cmp(p: float | None, delta: float = 0.1) -> dict:
    return {"p_value": p, "delta": delta, "label": "x"}


def _model(overall: float, others: list[float]) -> dict:
    return {"overall": _cmp(overall), "golden": _cmp(others[0]),
            "by_task_type": {f"t{i}": _cmp(p) for i, p in enumerate(others[1:6])},
            "by_difficulty": {f"d{i}": _cmp(p) for i, p in enumerate(others[6:])}}


def test_a_lone_small_slice_p_is_no_longer_significant_but_a_strong_overall_is():
    models = {"a": _model(0.004, [0.3] * 10), "b": _model(0.5, [0.03] + [0.6] * 9), "gone": {"status": "removed"}}
    family = adjust_labels(models, 0.05)
    assert family == 22
    assert models["a"]["overall"]["label"] == IMPROVEMENT  # 0.004 * (1 / 0.25) = 0.016
    assert models["a"]["overall"]["p_raw"] == 0.004 and models["a"]["overall"]["p_value"] == pytest.approx(0.016)
    assert models["b"]["golden"]["label"] == NOISE  # 0.03 alone would have been "significant"
    assert all(c["p_value"] >= c["p_raw"] for m in ("a", "b") for c in [models[m]["overall"], models[m]["golden"]])


def test_no_paired_rows_stay_out_of_the_family():
    models = {"a": _model(0.001, [0.5] * 10)}
    models["a"]["golden"] = _cmp(None)
    assert adjust_labels(models, 0.05) == 10
    assert models["a"]["golden"]["label"] == "x"


def test_real_comparisons_keep_their_direction_after_adjustment():
    worse = compare_paired([1.0] * 40, [0.0] * 20 + [1.0] * 20)
    models = {"m": {"overall": worse, "golden": dict(worse), "by_task_type": {}, "by_difficulty": {}}}
    adjust_labels(models, 0.05)
    assert models["m"]["overall"]["label"] == REGRESSION


def test_bh_option_weighs_every_label_alike():
    models = {"a": _model(0.01, [0.01] * 10)}
    adjust_labels(models, 0.05, "bh")
    assert [c["p_value"] for c in [models["a"]["overall"], models["a"]["golden"]]] == [pytest.approx(0.01)] * 2


def test_models_with_no_changed_row_take_no_share_of_alpha():
    models = {"a": _model(0.02, [0.5] * 10), "same": _model(1.0, [1.0] * 10)}
    for cmp in [models["same"]["overall"], models["same"]["golden"], *models["same"]["by_task_type"].values(),
                *models["same"]["by_difficulty"].values()]:
        cmp["test"] = "identical"
    assert adjust_labels(models, 0.05) == 11
    assert models["a"]["overall"]["p_value"] == pytest.approx(0.04)  # half of alpha: 0.02 / 0.5
    assert models["a"]["overall"]["label"] == IMPROVEMENT
