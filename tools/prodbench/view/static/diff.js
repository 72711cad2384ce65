/* prodbench view: the Diff tab (reports/diff.json): the significance summary first, then the
   changed, added and removed prompts with a line diff, then per-row score changes. */
"use strict";
(function (PB) {
  const el = PB.el;

  function cmpRow(name, c) {
    if (!c) return el("tr", {}, [el("td", { text: name }), el("td", { colspan: "6", text: "–" })]);
    return el("tr", { class: c.label === "regression" ? "bad" : c.label === "improvement" ? "good" : "" }, [
      el("td", { text: name }), el("td", { text: String(c.n) }), el("td", { text: PB.num(c.base, 3) + " → " + PB.num(c.head, 3) }),
      el("td", { text: PB.signed(c.delta, 3) }),
      el("td", { text: c.ci_low === null ? "–" : "[" + PB.signed(c.ci_low, 3) + ", " + PB.signed(c.ci_high, 3) + "]" }),
      el("td", { text: c.p_value === null ? "–" : PB.num(c.p_value, 3) + (c.test ? " (" + c.test + ")" : "") }),
      el("td", { text: c.label }),
    ]);
  }

  function table(head, rows) {
    return el("table", {}, [el("thead", {}, el("tr", {}, head.map(function (h) { return el("th", { text: h }); }))),
      el("tbody", {}, rows)]);
  }

  function textDiff(id, t) {
    const box = el("details", { class: "prompt-diff", "data-id": id, open: true },
      el("summary", {}, [el("strong", { text: id }), " ", el("span", { class: "badge", text: t.kind })]));
    const pre = el("pre", { class: "diff-text" });
    for (const [op, line] of t.ops) {
      pre.appendChild(el("span", { class: op === "+" ? "add" : op === "-" ? "del" : "same", text: op + " " + line + "\n" }));
    }
    box.appendChild(pre);
    return box;
  }

  function rowChange(r) {
    return el("tr", { "data-id": r.id }, [
      el("td", { text: r.id }), el("td", { text: (r.task_type || "") + " / " + (r.difficulty || "") }),
      el("td", { text: PB.num(r.base_score) + " → " + PB.num(r.head_score) }), el("td", { text: PB.signed(r.delta) }),
      el("td", {}, el("details", {}, [el("summary", { text: "texts" }),
        el("div", { class: "rationale" }, [el("strong", { text: "prompt" }), el("pre", { class: "text", text: r.prompt || "" }),
          el("strong", { text: "base" }), el("pre", { class: "text", text: r.base_output || "" }),
          el("strong", { text: "head" }), el("pre", { class: "text", text: r.head_output || "" })])])),
    ]);
  }

  PB.diff = {
    init: function (panel, data) {
      PB.clear(panel);
      if (!data) {
        panel.appendChild(el("p", { class: "count", text: "No diff yet: run `prodbench diff --base main` (writes reports/diff.json)." }));
        return;
      }
      const d = data.doc;
      const v = d.verdict;
      panel.appendChild(el("section", { id: "d-summary", class: "summary " + (v.kind === "regression" ? "bad" : v.kind === "improvement" ? "good" : "") }, [
        el("h2", { text: "Verdict: " + v.kind }),
        el("p", { text: "base " + d.base.label + (d.base.sha ? " (" + d.base.sha.slice(0, 10) + ")" : "") + " → head " +
          d.head.label + (d.head.sha ? " (" + d.head.sha.slice(0, 10) + ")" : "") + " · alpha " + d.settings.alpha +
          (d.cached_only ? " · cached responses only" : "") + (v.unevaluated ? " · " + v.unevaluated + " rows not evaluated" : "") }),
        v.regressions.length ? el("p", { class: "bad", text: "Regressions: " + v.regressions.join(", ") }) : null,
        v.improvements.length ? el("p", { class: "good", text: "Improvements: " + v.improvements.join(", ") }) : null,
      ]));
      const head = ["model", "n", "base → head", "Δ", "CI", "p", "label"];
      const overall = [];
      for (const [name, m] of Object.entries(d.models)) {
        if (m.overall) overall.push(cmpRow(name, m.overall));
        else overall.push(el("tr", {}, [el("td", { text: name }), el("td", { text: String(m.n) }),
          el("td", { text: m.status + ": mean " + PB.num(m.mean, 3) }), el("td", { colspan: "4", text: "" })]));
      }
      panel.appendChild(el("h3", { text: "Scores (paired rows)" }));
      panel.appendChild(table(head, overall));
      for (const [name, m] of Object.entries(d.models)) {
        if (!m.overall) continue;
        const groups = el("details", { class: "groups" }, el("summary", { text: name + ": by task type and difficulty" }));
        groups.appendChild(table(["group"].concat(head.slice(1)),
          Object.entries(m.by_task_type).concat(Object.entries(m.by_difficulty)).map(function (e) { return cmpRow(e[0], e[1]); })));
        panel.appendChild(groups);
      }
      const p = d.prompts;
      panel.appendChild(el("h3", { text: "Prompts" }));
      panel.appendChild(el("p", { id: "d-counts", text: "changed " + p.modified.length + " · added " + p.added.length +
        " · removed " + p.removed.length + " · unchanged " + (p.counts.unchanged || 0) +
        (p.golden_changes.length || p.golden_lock_changed ? " · the golden set changed" : "") }));
      if (data.texts_note) panel.appendChild(el("p", { class: "muted", text: data.texts_note }));
      const diffs = el("div", { id: "d-prompts" });
      for (const kind of ["modified", "added", "removed"]) {
        for (const id of p[kind]) {
          const t = data.texts[id];
          diffs.appendChild(t ? textDiff(id, t) : el("p", {}, [el("strong", { text: id }), " " + kind]));
        }
      }
      panel.appendChild(diffs);
      panel.appendChild(el("h3", { text: "Row score changes" }));
      const rows = el("div", { id: "d-rows" });
      for (const [name, m] of Object.entries(d.models)) {
        if (!m.rows) continue;
        rows.appendChild(el("h4", { text: name + ": " + m.rows.improved + " improved, " + m.rows.regressed + " regressed" }));
        const changes = m.rows.top_regressed.concat(m.rows.top_improved);
        if (changes.length) rows.appendChild(table(["id", "type / difficulty", "base → head", "Δ", ""], changes.map(rowChange)));
      }
      panel.appendChild(rows);
    },
  };
})(window.PB);
