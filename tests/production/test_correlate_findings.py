"""Verdicts and plain-words findings from correlation cells."""

from __future__ import annotations

from prodbench.production.correlate import describe_metric, slice_names, slice_score, verdict


def cell(rho: float | None, low: float | None, high: float | None, n: int = 9) -> dict:
    result = {"n": n, "spearman": {"value": rho, "ci_low": low, "ci_high": high}}
    result["verdict"] = verdict(result, 5)
    return result


def test_verdicts_follow_the_spearman_ci() -> None:
    assert cell(0.81, 0.42, 0.95)["verdict"] == "predicts"
    assert cell(-0.7, -0.9, -0.2)["verdict"] == "inverse"
    assert cell(0.3, -0.2, 0.7)["verdict"] == "no_signal"
    assert cell(0.9, 0.5, 1.0, n=4)["verdict"] == "insufficient"
    assert cell(None, None, None)["verdict"] == "undefined"
    assert cell(0.5, None, None)["verdict"] == "no_signal"  # no CI: nothing shown


def test_finding_names_the_predictor_and_the_non_predictor() -> None:
    text = describe_metric("satisfaction", {"reasoning": cell(0.81, 0.42, 0.95), "open_writing": cell(0.05, -0.6, 0.66)}, 5)
    assert text == ("reasoning scores track satisfaction (rho 0.81 [0.42, 0.95], n=9); "
                    "open_writing does not (rho 0.05 [-0.60, 0.66], n=9)")


def test_finding_mentions_inverse_undefined_and_small_slices() -> None:
    text = describe_metric("csat", {
        "a": cell(0.2, -0.3, 0.6), "b": cell(-0.8, -0.95, -0.4), "c": cell(None, None, None), "d": cell(1.0, 1.0, 1.0, 3),
    }, 5)
    assert "no slice predicts csat: a (rho 0.20 [-0.30, 0.60], n=9) (95% CIs include 0)" in text
    assert "b (rho -0.80 [-0.95, -0.40], n=9) scores move against csat (higher scores went with worse csat)" in text
    assert "c: no variation across launches" in text
    assert "d: n < 5, nothing can be concluded" in text


def test_long_lists_quote_numbers_for_the_strongest_only() -> None:
    cells = {f"s{i}": cell(0.5 + i / 20, 0.1, 0.99) for i in range(6)}
    cells.update({f"n{i}": cell(0.1, -0.5, 0.6) for i in range(5)})
    text = describe_metric("m", cells, 5)
    assert text.startswith("s5 (rho 0.75 [0.10, 0.99], n=9), s4 (rho 0.70")
    assert "as do 3 more slice(s): s2, s1 and s0" in text
    assert "n0, n1, n2, n3 and n4 do not" in text


def test_slices_follow_taxonomy_order_and_skip_absent_ones() -> None:
    entry = {"scores": {"overall": {"mean": 0.5}, "golden": None, "rotating": None,
                        "by_task_type": {"zeta": {"mean": 0.1}, "reasoning": {"mean": 0.2}, "fact_recall": None},
                        "by_difficulty": {"hard": {"mean": 0.3}, "easy": {"mean": 0.4}}}}
    params = {"taxonomy": {"task_types": {"fact_recall": "", "reasoning": ""}, "difficulties": ["easy", "hard"]}}
    assert slice_names([entry], params) == ["overall", "reasoning", "zeta", "difficulty:easy", "difficulty:hard"]
    assert slice_score(entry, "difficulty:hard") == 0.3
    assert slice_score(entry, "golden") is None
