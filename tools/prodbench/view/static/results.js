/* prodbench view: the Results tab. One row per prompt; each model's answer side by side with
   its score, every scorer's rationale, latency, tokens and cost; multi-turn prompts turn by turn. */
"use strict";
(function (PB) {
  const el = PB.el;
  const PAGE = 25;

  function prepare(data) {
    const models = data.models;
    for (const prompt of data.prompts) {
      const parts = [prompt.id];
      for (const m of prompt.messages) if (typeof m.content === "string") parts.push(m.content);
      prompt.answers = models.map(function (model) { return data.answers[model][prompt.id] || null; });
      for (const a of prompt.answers) if (a) for (const t of a.turns) if (t) parts.push(t);
      prompt.hay = parts.join("\n").toLowerCase();
    }
  }

  function answerMatches(a, f) {
    if (!a) return f.outcome === "any" && f.min === null && f.max === null;
    if (f.outcome === "pass" && a.passed !== true) return false;
    if (f.outcome === "fail" && a.passed !== false) return false;
    if (f.outcome === "error" && !(a.error || a.score === null)) return false;
    if (f.min !== null && !(a.score !== null && a.score >= f.min)) return false;
    if (f.max !== null && !(a.score !== null && a.score <= f.max)) return false;
    return true;
  }

  function sortKey(prompt, f, how) {
    const scores = f.modelIdx.map(function (i) { return prompt.answers[i]; })
      .filter(function (a) { return a && a.score !== null; }).map(function (a) { return a.score; });
    if (how === "latency") {
      return -Math.max.apply(null, f.modelIdx.map(function (i) { return (prompt.answers[i] || {}).latency_s || 0; }));
    }
    if (!scores.length) return Infinity;
    if (how === "spread") return -(Math.max.apply(null, scores) - Math.min.apply(null, scores));
    const mean = scores.reduce(function (s, x) { return s + x; }, 0) / scores.length;
    return how === "score-desc" ? -mean : mean;
  }

  PB.results = {
    init: function (panel, data) {
      prepare(data);
      const state = { page: 0, size: PAGE };
      const num = function (id) { const v = document.getElementById(id).value; return v === "" ? null : Number(v); };
      const bar = el("div", { class: "filters" }, [
        el("input", { id: "r-search", type: "search", placeholder: "search prompts and answers (/)", "aria-label": "search" }),
        PB.select("r-task", "task type", [["", "all"]].concat(data.task_types)),
        PB.select("r-difficulty", "difficulty", [["", "all"]].concat(data.difficulties)),
        PB.select("r-set", "set", [["", "all"], "golden", "rotating"]),
        PB.select("r-model", "model", [["", "all"]].concat(data.models)),
        PB.select("r-outcome", "outcome", [["any", "any"], ["pass", "pass"], ["fail", "fail"], ["error", "error / unscored"]]),
        el("label", { class: "filter" }, ["score ", el("input", { id: "r-min", type: "number", step: "0.05", min: "0", max: "1", placeholder: "min", "aria-label": "minimum score" }),
          " – ", el("input", { id: "r-max", type: "number", step: "0.05", min: "0", max: "1", placeholder: "max", "aria-label": "maximum score" })]),
        PB.select("r-sort", "sort", [["id", "id"], ["score-asc", "score ↑"], ["score-desc", "score ↓"], ["spread", "models disagree most"], ["latency", "slowest"]]),
      ]);
      const count = el("p", { id: "r-count", class: "count" });
      const list = el("div", { id: "r-list" });
      PB.clear(panel).append(bar, count, list);
      if (!data.prompts.length) {
        count.textContent = "No results yet: run `dvc repro` (or `prodbench run` then `prodbench score`).";
        return;
      }
      let shown = data.prompts;
      const apply = function () {
        const q = document.getElementById("r-search").value.trim().toLowerCase();
        const model = document.getElementById("r-model").value;
        const f = {
          task: document.getElementById("r-task").value, difficulty: document.getElementById("r-difficulty").value,
          set: document.getElementById("r-set").value, outcome: document.getElementById("r-outcome").value,
          min: num("r-min"), max: num("r-max"),
          modelIdx: model ? [data.models.indexOf(model)] : data.models.map(function (_, i) { return i; }),
        };
        const perModel = f.outcome !== "any" || f.min !== null || f.max !== null;
        shown = data.prompts.filter(function (p) {
          if (f.task && p.task_type !== f.task) return false;
          if (f.difficulty && p.difficulty !== f.difficulty) return false;
          if (f.set && p.set !== f.set) return false;
          if (q && p.hay.indexOf(q) < 0) return false;
          if (perModel && !f.modelIdx.some(function (i) { return answerMatches(p.answers[i], f); })) return false;
          return true;
        });
        const how = document.getElementById("r-sort").value;
        if (how !== "id") {
          const keyed = shown.map(function (p) { return [sortKey(p, f, how), p]; });
          keyed.sort(function (a, b) { return a[0] - b[0] || (a[1].id < b[1].id ? -1 : 1); });
          shown = keyed.map(function (k) { return k[1]; });
        }
        state.page = 0;
        state.models = f.modelIdx;
        render();
      };
      const render = function () {
        count.textContent = shown.length + " of " + data.prompts.length + " prompts";
        PB.clear(list);
        const pager = PB.pager(state, shown.length, render);
        list.appendChild(pager);
        for (const p of shown.slice(state.page * PAGE, (state.page + 1) * PAGE)) list.appendChild(row(p, data, state.models));
        if (shown.length > PAGE) list.appendChild(PB.pager(state, shown.length, render));
      };
      bar.addEventListener("input", apply);
      bar.addEventListener("change", apply);
      PB.results.apply = apply;
      apply();
    },
  };

  function badge(text, kind) { return el("span", { class: "badge " + (kind || ""), text: text }); }

  function scoreBadge(a) {
    if (!a) return badge("no answer", "muted");
    if (a.score === null) return badge(a.error ? "error" : "unscored", "bad");
    return badge(PB.num(a.score), a.passed ? "good" : "bad");
  }

  function answerCell(model, a, turn, last) {
    const text = a && turn < a.turns.length ? a.turns[turn] : null;
    const cell = el("div", { class: "answer" }, [
      el("div", { class: "answer-head" }, [el("strong", { text: model }), " ", last ? scoreBadge(a) : null]),
      el("pre", { class: "text", text: text === null || text === undefined ? (a && a.error ? a.error : "—") : text }),
    ]);
    if (last && a) {
      cell.appendChild(el("div", { class: "meta", text: "latency " + PB.num(a.latency_s) + " s · tokens " +
        (a.tokens === null ? "–" : a.tokens) + " · cost " + (a.cost_usd === null ? "–" : "$" + PB.num(a.cost_usd, 5)) +
        (a.cached ? " · cached" : "") }));
      if (a.scorers.length) {
        const details = el("details", { class: "scorers" }, el("summary", { text: "scorers (" + a.scorers.length + ")" }));
        details.addEventListener("toggle", function () {  // built when opened: less to lay out per page
          if (details.childNodes.length > 1) return;
          for (const s of a.scorers) {
            details.appendChild(el("div", { class: "scorer" }, [
              el("strong", { text: s.name }), " ", badge(PB.num(s.score), s.passed ? "good" : "bad"),
              " weight " + PB.num(s.weight, 1),
              el("div", { class: "rationale", text: s.error ? "error: " + s.error : (s.rationale || "") }),
            ]));
          }
        });
        cell.appendChild(details);
      }
      if (a.score_error) cell.appendChild(el("div", { class: "meta bad", text: "score error: " + a.score_error }));
    }
    return cell;
  }

  function row(p, data, models) {
    const article = el("article", { class: "row", "data-id": p.id }, [
      el("header", {}, [el("strong", { class: "rid", text: p.id }), " ", badge(p.set || "?"), badge(p.task_type || "?"),
        badge(p.difficulty || "?"), p.location ? el("span", { class: "muted", text: " " + p.location }) : null]),
    ]);
    const generated = p.messages.filter(function (m) { return m.content === null; }).length || 1;
    let turn = 0;
    const turnRow = function () {
      const grid = el("div", { class: "answers" });
      for (const i of models) grid.appendChild(answerCell(data.models[i], p.answers[i], turn, turn === generated - 1));
      turn += 1;
      return grid;
    };
    for (const m of p.messages) {
      if (m.content === null) article.appendChild(turnRow());
      else article.appendChild(el("div", { class: "msg " + m.role }, [el("span", { class: "role", text: m.role }),
        el("pre", { class: "text", text: m.content })]));
    }
    if (turn === 0) article.appendChild(turnRow());
    if (p.reference !== null && p.reference !== undefined) {
      article.appendChild(el("div", { class: "reference" }, [el("span", { class: "role", text: "reference" }),
        el("pre", { class: "text", text: typeof p.reference === "string" ? p.reference : JSON.stringify(p.reference) })]));
    }
    return article;
  }
})(window.PB);
