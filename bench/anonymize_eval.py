"""Evaluate the anonymizer: precision, recall and F2 per entity type, token and entity level.

Corpus: the generated corpus (``bench/anonymize_corpus.py``, deterministic from --seed)
plus the hand-written hard cases in ``bench/data/anonymize_hard_cases.txt``. Prints one
table per group (generated / held-out names / hard cases / all) and the detection
throughput in MB/s (UTF-8 bytes of text scanned per second of ``detect`` time, after
a warm-up that loads the lexicons).

Token level: text split into word and punctuation tokens; a token's label is the type
of the gold (or predicted) span that covers it. Entity level: a gold entity is found
when a predicted span of the same type overlaps it; a predicted entity is correct when
it overlaps a gold span of the same type. "any PII" ignores the type (what matters
for a leak: the value is replaced, whatever it was called).

Usage::

    python bench/anonymize_eval.py --seed 7 --n 2000 [--engine builtin|presidio] [--errors 20]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from anonymize_corpus import generate  # noqa: E402
from prodbench.data.anonymize import ENTITY_TYPES, detect  # noqa: E402

TOKEN_RE = re.compile(r"\w+|[^\w\s]")
MARK_RE = re.compile(r"\[\[([A-Z_]+):(.+?)\]\]")
ANY = "any PII"


def load_hard_cases(path: Path) -> list[dict]:
    """Parse ``[[TYPE:value]]`` markup into text + spans."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        text, spans, pos = [], [], 0
        for m in MARK_RE.finditer(line):
            text.append(line[pos: m.start()])
            start = sum(len(t) for t in text)
            text.append(m.group(2))
            spans.append({"start": start, "end": start + len(m.group(2)), "type": m.group(1)})
            pos = m.end()
        text.append(line[pos:])
        rows.append({"text": "".join(text), "spans": spans, "group": "hard_cases"})
    return rows


def f_beta(p: float, r: float, beta: float = 2.0) -> float:
    return 0.0 if p + r == 0 else (1 + beta**2) * p * r / (beta**2 * p + r)


def label_tokens(text: str, spans: list[dict]) -> list[str]:
    labels = []
    for m in TOKEN_RE.finditer(text):
        label = "O"
        for s in spans:
            if m.start() < s["end"] and s["start"] < m.end():
                label = s["type"]
                break
        labels.append(label)
    return labels


class Scores:
    """TP/FP/FN counters per type (token and entity level)."""

    def __init__(self) -> None:
        self.tok = {k: Counter() for k in ("tp", "fp", "fn")}
        self.ent = {k: Counter() for k in ("tp", "fp", "fn")}

    def add(self, text: str, gold: list[dict], pred: list[dict]) -> None:
        for g, p in zip(label_tokens(text, gold), label_tokens(text, pred), strict=True):
            if g != "O" and g == p:
                self.tok["tp"][g] += 1
            else:
                if p != "O":
                    self.tok["fp"][p] += 1
                if g != "O":
                    self.tok["fn"][g] += 1
            if g != "O" and p != "O":
                self.tok["tp"][ANY] += 1
            elif p != "O":
                self.tok["fp"][ANY] += 1
            elif g != "O":
                self.tok["fn"][ANY] += 1

        def overlaps(a: dict, b: dict, typed: bool) -> bool:
            return a["start"] < b["end"] and b["start"] < a["end"] and (not typed or a["type"] == b["type"])

        for typed, key in ((True, None), (False, ANY)):
            for g in gold:
                hit = any(overlaps(g, p, typed) for p in pred)
                self.ent["tp" if hit else "fn"][key or g["type"]] += 1
            for p in pred:
                if not any(overlaps(p, g, typed) for g in gold):
                    self.ent["fp"][key or p["type"]] += 1

    @staticmethod
    def prf(c: dict[str, Counter], key: str) -> tuple[float, float, float, int]:
        tp, fp, fn = c["tp"][key], c["fp"][key], c["fn"][key]
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        return p, r, f_beta(p, r), tp + fn

    def overall_typed(self, c: dict[str, Counter]) -> tuple[float, float, float, int]:
        tp = sum(v for k, v in c["tp"].items() if k != ANY)
        fp = sum(v for k, v in c["fp"].items() if k != ANY)
        fn = sum(v for k, v in c["fn"].items() if k != ANY)
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        return p, r, f_beta(p, r), tp + fn

    def table(self, title: str) -> str:
        lines = [f"\n## {title}", f"{'entity type':<16} {'tok P':>6} {'tok R':>6} {'tok F2':>6} {'n tok':>6}   "
                 f"{'ent P':>6} {'ent R':>6} {'ent F2':>6} {'n ent':>6}"]
        types = [t for t in ENTITY_TYPES if self.tok["tp"][t] + self.tok["fn"][t] + self.tok["fp"][t]]
        for t in types:
            tp_, tr, tf, tn = self.prf(self.tok, t)
            ep, er, ef, en = self.prf(self.ent, t)
            lines.append(f"{t:<16} {tp_:6.3f} {tr:6.3f} {tf:6.3f} {tn:6d}   {ep:6.3f} {er:6.3f} {ef:6.3f} {en:6d}")
        tp_, tr, tf, tn = self.overall_typed(self.tok)
        ep, er, ef, en = self.overall_typed(self.ent)
        lines.append(f"{'overall (typed)':<16} {tp_:6.3f} {tr:6.3f} {tf:6.3f} {tn:6d}   {ep:6.3f} {er:6.3f} {ef:6.3f} {en:6d}")
        tp_, tr, tf, tn = self.prf(self.tok, ANY)
        ep, er, ef, en = self.prf(self.ent, ANY)
        lines.append(f"{ANY:<16} {tp_:6.3f} {tr:6.3f} {tf:6.3f} {tn:6d}   {ep:6.3f} {er:6.3f} {ef:6.3f} {en:6d}")
        return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--engine", default="builtin")
    parser.add_argument("--errors", type=int, default=0, help="Print this many misclassified examples.")
    args = parser.parse_args(argv)

    rows = generate(args.seed, args.n) + load_hard_cases(HERE / "data" / "anonymize_hard_cases.txt")
    detect("warm up: Jane Doe, jane@example.com", engine=args.engine)
    groups: dict[str, Scores] = {"all": Scores()}
    elapsed, scanned = 0.0, 0
    errors = []
    for row in rows:
        text = row["text"]
        t0 = time.perf_counter()
        found = detect(text, engine=args.engine)
        elapsed += time.perf_counter() - t0
        scanned += len(text.encode("utf-8"))
        pred = [{"start": f.start, "end": f.end, "type": f.type} for f in found]
        for name in ("all", row["group"]):
            groups.setdefault(name, Scores()).add(text, row["spans"], pred)
        gold_set = {(s["start"], s["end"], s["type"]) for s in row["spans"]}
        if gold_set != {(p["start"], p["end"], p["type"]) for p in pred} and len(errors) < args.errors:
            errors.append((text, [(text[s['start']:s['end']], s["type"]) for s in row["spans"]],
                           [(text[p['start']:p['end']], p["type"]) for p in pred]))

    print(f"# anonymizer evaluation: engine={args.engine}, seed={args.seed}, generated={args.n}, "
          f"hard cases={sum(r['group'] == 'hard_cases' for r in rows)}, texts={len(rows)}")
    for name in ("generated", "heldout_names", "hard_cases", "negative", "all"):
        if name in groups:
            print(groups[name].table(f"{name} ({sum(r['group'] == name for r in rows) if name != 'all' else len(rows)}"
                                     " texts)"))
    print(f"\nthroughput (one short chat message per call): {scanned / elapsed / 1e6:.3f} MB/s "
          f"({scanned} bytes in {elapsed:.2f} s of detect())")
    # long documents: the same texts joined into ~4 KB chunks (per-call overhead amortised)
    chunks, current = [], []
    for row in rows:
        current.append(row["text"])
        if sum(len(t) for t in current) > 4000:
            chunks.append("\n".join(current))
            current = []
    t0 = time.perf_counter()
    for chunk in chunks:
        detect(chunk, engine=args.engine)
    long_elapsed = time.perf_counter() - t0
    long_bytes = sum(len(c.encode("utf-8")) for c in chunks)
    print(f"throughput (~4 KB documents): {long_bytes / long_elapsed / 1e6:.3f} MB/s "
          f"({long_bytes} bytes in {long_elapsed:.2f} s)")
    for text, gold, pred in errors:
        print(f"\nTEXT: {text!r}\n  gold: {gold}\n  pred: {pred}")


if __name__ == "__main__":
    main()
