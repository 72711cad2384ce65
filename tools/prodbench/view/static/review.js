/* prodbench view: the Review tab. The pool with filters, bulk approve/reject of the filtered
   set, editing (saved through prodbench validate's checks; errors shown at the field),
   spreadsheet export/import, and keyboard shortcuts: j/k move, a approve, r r reject, e edit, / search. */
"use strict";
(function (PB) {
  const el = PB.el;
  const PAGE = 50;
  let data = null;
  let shown = [];
  let current = 0;
  const state = { page: 0, size: PAGE };
  let rejectArmed = false;

  function val(id) { return document.getElementById(id).value; }
  function keyOf(item) { return [item.file, item.id]; }

  function filters(panel) {
    const sources = Array.from(new Set(data.items.map(function (i) { return i.record.source; }))).sort();
    const bar = el("div", { class: "filters" }, [
      el("input", { id: "v-search", type: "search", placeholder: "search text (/)", "aria-label": "search" }),
      PB.select("v-status", "status", [["", "all"], "pending", "approved", "rejected"], "pending"),
      el("label", { class: "filter" }, [el("input", { id: "v-attention", type: "checkbox" }), " needs attention"]),
      PB.select("v-task", "task type", [["", "all"]].concat(data.task_types)),
      PB.select("v-source", "source", [["", "all"]].concat(sources)),
      el("label", { class: "filter" }, ["tag confidence ≤ ", el("input", { id: "v-confidence", type: "number", step: "0.05", min: "0", max: "1", "aria-label": "maximum tag confidence" })]),
    ]);
    bar.addEventListener("input", apply);
    bar.addEventListener("change", apply);
    const approve = el("button", { id: "v-approve-all", type: "button", onclick: function () { decide(shown.map(keyOf), "approved"); } });
    const reject = el("button", { id: "v-reject-all", type: "button", class: "danger", onclick: function () {
      if (!rejectArmed) { rejectArmed = true; reject.textContent = "Confirm: reject " + shown.length + " (removes their text)"; return; }
      rejectArmed = false; decide(shown.map(keyOf), "rejected");
    } });
    const actions = el("div", { class: "actions" }, [approve, reject,
      el("button", { id: "v-export-csv", type: "button", onclick: function () { exportSheet("csv"); } }, "Export CSV"),
      el("button", { id: "v-export-xlsx", type: "button", onclick: function () { exportSheet("xlsx"); } }, "Export XLSX"),
      el("label", { class: "filter" }, ["Import ", el("input", { id: "v-import", type: "file", accept: ".csv,.xlsx", onchange: importSheet })]),
    ]);
    PB.clear(panel).append(bar, actions, el("p", { id: "v-count", class: "count" }), el("div", { id: "v-problems", class: "problems" }),
      el("div", { id: "v-list" }));
  }

  function apply() {
    const q = val("v-search").trim().toLowerCase();
    const status = val("v-status"), task = val("v-task"), source = val("v-source");
    const attention = document.getElementById("v-attention").checked;
    const conf = val("v-confidence") === "" ? null : Number(val("v-confidence"));
    shown = data.items.filter(function (i) {
      if (status && i.status !== status) return false;
      if (attention && !i.attention.length) return false;
      if (task && i.record.task_type !== task) return false;
      if (source && i.record.source !== source) return false;
      if (conf !== null && !(typeof i.confidence === "number" && i.confidence <= conf)) return false;
      if (q && i.hay.indexOf(q) < 0) return false;
      return true;
    });
    state.page = 0;
    current = 0;
    rejectArmed = false;
    render();
  }

  function render() {
    document.getElementById("v-count").textContent = shown.length + " of " + data.items.length + " pool items";
    document.getElementById("v-approve-all").textContent = "Approve " + shown.length + " shown";
    document.getElementById("v-reject-all").textContent = "Reject " + shown.length + " shown";
    const list = PB.clear(document.getElementById("v-list"));
    list.appendChild(PB.pager(state, shown.length, render));
    shown.slice(state.page * PAGE, (state.page + 1) * PAGE).forEach(function (item, n) {
      list.appendChild(card(item, state.page * PAGE + n));
    });
  }

  function card(item, index) {
    const r = item.record;
    const node = el("article", { class: "row item" + (index === current ? " current" : ""), "data-id": item.id, "data-index": index }, [
      el("header", {}, [el("strong", { class: "rid", text: item.id }), " ", el("span", { class: "badge", text: item.status }),
        el("span", { class: "badge", text: r.task_type }), el("span", { class: "badge", text: r.difficulty }),
        el("span", { class: "badge", text: r.source }),
        item.confidence !== null && item.confidence !== undefined ? el("span", { class: "badge muted", text: "confidence " + item.confidence }) : null,
        item.attention.length ? el("span", { class: "badge bad", text: "check " + item.attention.join(", ") }) : null,
        el("span", { class: "muted", text: " " + item.file + ":" + item.line })]),
    ]);
    for (const m of r.messages) {
      node.appendChild(el("div", { class: "msg " + m.role }, [el("span", { class: "role", text: m.role }),
        el("pre", { class: "text", text: m.content === null ? "‹the model answers here›" : m.content })]));
    }
    node.appendChild(el("div", { class: "actions" }, [
      el("button", { type: "button", class: "approve", onclick: function () { decide([keyOf(item)], "approved"); } }, "Approve (a)"),
      el("button", { type: "button", class: "edit", onclick: function () { edit(item, node); } }, "Edit (e)"),
      el("button", { type: "button", class: "reject danger", onclick: function (event) {
        if (event.target.dataset.armed) { decide([keyOf(item)], "rejected"); return; }
        event.target.dataset.armed = "1";
        event.target.textContent = "Confirm: reject (removes its text)";
      } }, "Reject (r r)"),
    ]));
    node.addEventListener("click", function () { current = index; mark(); });
    return node;
  }

  function mark() {
    for (const node of document.querySelectorAll("#v-list article.item")) {
      node.classList.toggle("current", Number(node.dataset.index) === current);
    }
  }

  function field(name, label, input) {
    return el("div", { class: "field", "data-field": name }, [el("label", { text: label }), input,
      el("div", { class: "field-error", id: "err-" + name })]);
  }

  function edit(item, node) {
    if (node.querySelector("form")) return;
    const r = item.record;
    const form = el("form", { class: "edit-form" });
    r.messages.forEach(function (m, i) {
      if (m.content !== null) form.appendChild(field("messages-" + i, m.role + " message " + (i + 1), el("textarea", { name: "message-" + i, rows: "4", value: m.content })));
    });
    form.appendChild(field("task_type", "task type", PB.select("f-task", "task type", data.task_types, r.task_type).lastChild));
    form.appendChild(field("difficulty", "difficulty", PB.select("f-difficulty", "difficulty", data.difficulties, r.difficulty).lastChild));
    form.appendChild(field("tags", "tags (comma-separated)", el("input", { name: "tags", value: (r.tags || []).join(", ") })));
    const ref = r.reference === undefined || r.reference === null ? "" : typeof r.reference === "string" ? r.reference : JSON.stringify(r.reference);
    form.appendChild(field("reference", "reference (text, or a JSON list)", el("textarea", { name: "reference", rows: "2", value: ref })));
    form.appendChild(field("checks", "checks (JSON object)", el("textarea", { name: "checks", rows: "3", value: r.checks ? JSON.stringify(r.checks) : "" })));
    form.appendChild(el("div", { class: "field-error", id: "err-general" }));
    form.appendChild(el("div", { class: "actions" }, [el("button", { type: "submit", class: "save" }, "Save"),
      el("button", { type: "button", onclick: function () { form.remove(); } }, "Cancel (Esc)")]));
    form.addEventListener("submit", function (event) { event.preventDefault(); save(item, form); });
    node.appendChild(form);
    const first = form.querySelector("textarea, input, select");
    if (first) first.focus();
  }

  function save(item, form) {
    const r = item.record;
    for (const node of form.querySelectorAll(".field-error")) node.textContent = "";
    const changes = {};
    const messages = r.messages.map(function (m, i) {
      const input = form.querySelector('[name="message-' + i + '"]');
      return input ? Object.assign({}, m, { content: input.value }) : m;
    });
    if (JSON.stringify(messages) !== JSON.stringify(r.messages)) changes.messages = messages;
    const task = form.querySelector("#f-task").value, diff = form.querySelector("#f-difficulty").value;
    if (task !== r.task_type) changes.task_type = task;
    if (diff !== r.difficulty) changes.difficulty = diff;
    const tags = form.querySelector('[name="tags"]').value.split(",").map(function (t) { return t.trim(); }).filter(Boolean);
    if (JSON.stringify(tags) !== JSON.stringify(r.tags || [])) changes.tags = tags.length ? tags : null;
    const ref = form.querySelector('[name="reference"]').value;
    const errors = {};
    try {
      const value = ref.trim().startsWith("[") ? JSON.parse(ref) : (ref === "" ? null : ref);
      if (JSON.stringify(value) !== JSON.stringify(r.reference === undefined ? null : r.reference)) changes.reference = value;
    } catch (e) { errors.reference = "starts with '[' but is not a JSON list: " + e.message; }
    const checks = form.querySelector('[name="checks"]').value.trim();
    try {
      const value = checks ? JSON.parse(checks) : null;
      if (JSON.stringify(value) !== JSON.stringify(r.checks || null)) changes.checks = value;
    } catch (e) { errors.checks = "not valid JSON: " + e.message; }
    if (Object.keys(errors).length) return showProblems(form, Object.entries(errors).map(function (e) { return { field: e[0], message: e[1] }; }));
    PB.post("pool/edit", { file: item.file, id: item.id, changes: changes }).then(function (answer) {
      if (answer.problems.length) return showProblems(form, answer.problems);
      PB.status("saved " + item.id, "good");
      reload();
    }).catch(function (e) { PB.status(e.message, "bad"); });
  }

  function showProblems(form, problems) {
    for (const p of problems) {
      const turn = /^messages\[(\d+)\]/.exec(String(p.field));
      const name = turn ? "messages-" + turn[1] : String(p.field).split(/[./[]/)[0];
      const target = form.querySelector("#err-" + CSS.escape(name)) || form.querySelector("#err-general");
      target.textContent = (target.textContent ? target.textContent + "; " : "") + (target.id === "err-general" ? p.field + ": " : "") + p.message;
    }
    PB.status("not saved: fix the fields marked in red", "bad");
  }

  function decide(keys, status) {
    if (!keys.length) return;
    PB.post("pool/decide", { items: keys, status: status }).then(function (answer) {
      const box = PB.clear(document.getElementById("v-problems"));
      for (const p of answer.problems) box.appendChild(el("div", { class: "bad", text: p.file + ": " + p.id + ": " + p.field + ": " + p.message }));
      PB.status(status + " " + (answer[status] || 0) + (answer.problems.length ? ", " + answer.problems.length + " problems" : ""), answer.problems.length ? "bad" : "good");
      reload();
    }).catch(function (e) { PB.status(e.message, "bad"); });
  }

  function exportSheet(fmt) {
    PB.post("pool/export", { items: shown.map(keyOf), format: fmt }, { blob: true }).then(function (blob) {
      const link = el("a", { href: URL.createObjectURL(blob), download: "pool." + fmt });
      document.body.appendChild(link); link.click(); link.remove();
    }).catch(function (e) { PB.status(e.message, "bad"); });
  }

  function importSheet(event) {
    const file = event.target.files[0];
    if (!file) return;
    file.arrayBuffer().then(function (bytes) {
      return PB.post("pool/import", bytes, { type: "application/octet-stream", query: "?name=" + encodeURIComponent(file.name) });
    }).then(function (answer) {
      PB.status("imported: " + answer.edited + " edited, " + answer.approved + " approved, " + answer.rejected + " rejected", "good");
      reload();
    }).catch(function (e) {
      const box = PB.clear(document.getElementById("v-problems"));
      for (const line of e.message.split("\n")) box.appendChild(el("div", { class: "bad", text: line }));
      PB.status("import refused: nothing was written", "bad");
    });
    event.target.value = "";
  }

  function prepare(d) {
    for (const i of d.items) {
      i.hay = [i.id].concat(i.record.messages.map(function (m) { return m.content || ""; })).join("\n").toLowerCase();
    }
    return d;
  }

  function reload() {
    return PB.load("pool").then(function (d) { data = prepare(d); apply(); });
  }

  function onKey(event) {
    if (!document.getElementById("v-list") || document.getElementById("tab-review").hidden) return;
    if (event.key === "Escape") { const f = document.querySelector("#v-list form"); if (f) f.remove(); return; }
    const tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || event.ctrlKey || event.metaKey || event.altKey) return;
    const item = shown[current];
    if (event.key === "j" || event.key === "k") {
      current = Math.max(0, Math.min(shown.length - 1, current + (event.key === "j" ? 1 : -1)));
      if (Math.floor(current / PAGE) !== state.page) { state.page = Math.floor(current / PAGE); render(); } else mark();
      const node = document.querySelector('#v-list article[data-index="' + current + '"]');
      if (node) node.scrollIntoView({ block: "nearest" });
    } else if (event.key === "a" && item) decide([keyOf(item)], "approved");
    else if (event.key === "r" && item) {
      if (rejectArmed) { rejectArmed = false; decide([keyOf(item)], "rejected"); }
      else { rejectArmed = true; PB.status("press r again to reject " + item.id + " (its text is removed)", "bad"); }
      return;
    } else if (event.key === "e" && item) {
      const node = document.querySelector('#v-list article[data-index="' + current + '"]');
      if (node) { event.preventDefault(); edit(item, node); }
    } else if (event.key === "/") { event.preventDefault(); document.getElementById("v-search").focus(); }
    rejectArmed = false;
  }

  PB.review = {
    init: function (panel, d) {
      data = prepare(d);
      filters(panel);
      document.addEventListener("keydown", onKey);
      apply();
    },
  };
})(window.PB);
