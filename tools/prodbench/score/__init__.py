"""The score stage: score run results with the scoring plan and summarise them.

Public API (used by ``prodbench score``, ``prodbench diff`` and the tests)::

    from prodbench.score import plan_for, score_results, summarize
    rows = score_results(records, run_rows, params)   # one ScoreRow per (model, prompt)
    metrics = summarize(rows, run_rows, params)       # the metrics/scores.json document

Modules: :mod:`~prodbench.score.plan` (which scorers apply to a prompt, building them once),
:mod:`~prodbench.score.stage` (scoring run rows), :mod:`~prodbench.score.summary` (the
metrics document) and :mod:`~prodbench.score.scorers` (the scorer registry and built-in
scorers). Importing this package is cheap: numpy/scipy load only when statistics are computed.
"""

from prodbench.score.plan import PlannedScorer, ScorerBuilder, plan_for
from prodbench.score.stage import score_results
from prodbench.score.summary import JudgeSummary, judge_summary, summarize

__all__ = ["JudgeSummary", "PlannedScorer", "ScorerBuilder", "judge_summary", "plan_for", "score_results",
           "summarize"]
