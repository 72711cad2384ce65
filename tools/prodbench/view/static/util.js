/* prodbench view: shared helpers. Every text from the data goes into the page through
   text nodes (textContent), never as markup: prompts and model outputs stay inert. */
"use strict";
window.PB = window.PB || {};
(function (PB) {
  PB.el = function (tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") node.textContent = String(value);
      else if (key === "class") node.className = value;
      else if (key === "value") node.value = value;
      else if (key === "checked") node.checked = !!value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of [].concat(children || [])) {
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
    }
    return node;
  };
  PB.clear = function (node) { while (node.firstChild) node.removeChild(node.firstChild); return node; };
  PB.num = function (value, digits) {
    if (value === null || value === undefined || Number.isNaN(value)) return "–";
    return Number(value).toFixed(digits === undefined ? 2 : digits);
  };
  PB.signed = function (value, digits) {
    if (value === null || value === undefined) return "–";
    return (value > 0 ? "+" : "") + PB.num(value, digits);
  };
  PB.status = function (text, kind) {
    const node = document.getElementById("status");
    node.textContent = text || "";
    node.className = kind || "";
  };
  PB.select = function (id, label, options, value) {
    const select = PB.el("select", { id: id, "aria-label": label });
    for (const option of options) {
      const [val, text] = Array.isArray(option) ? option : [option, option];
      select.appendChild(PB.el("option", { value: val, text: text }));
    }
    if (value !== undefined) select.value = value;
    return PB.el("label", { class: "filter" }, [label + " ", select]);
  };
  PB.mode = document.body.dataset.mode;
  const embedded = document.getElementById("pb-data");
  PB.embedded = embedded ? JSON.parse(embedded.textContent) : null;
  const meta = document.querySelector('meta[name="pb-token"]');
  PB.token = meta ? meta.getAttribute("content") : null;
  PB.load = function (name) {
    if (PB.embedded) return Promise.resolve(PB.embedded[name] === undefined ? null : PB.embedded[name]);
    return fetch("/api/" + name, { credentials: "same-origin" }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) throw new Error(body.error || response.statusText);
        return body;
      });
    });
  };
  PB.post = function (name, body, options) {
    const opts = options || {};
    const headers = { "X-Prodbench-Token": PB.token, "Content-Type": opts.type || "application/json" };
    return fetch("/api/" + name + (opts.query || ""), {
      method: "POST", credentials: "same-origin", headers: headers,
      body: opts.type ? body : JSON.stringify(body),
    }).then(function (response) {
      if (opts.blob && response.ok) return response.blob();
      return response.json().then(function (answer) {
        if (!response.ok) throw new Error(answer.error || response.statusText);
        return answer;
      });
    });
  };
  PB.pager = function (state, total, rerender) {
    const pages = Math.max(1, Math.ceil(total / state.size));
    if (state.page >= pages) state.page = pages - 1;
    const prev = PB.el("button", { type: "button", class: "pager-prev", disabled: state.page === 0,
      onclick: function () { state.page -= 1; rerender(); } }, "‹ prev");
    const next = PB.el("button", { type: "button", class: "pager-next", disabled: state.page >= pages - 1,
      onclick: function () { state.page += 1; rerender(); } }, "next ›");
    return PB.el("div", { class: "pager" }, [prev, " page " + (state.page + 1) + " of " + pages + " ", next]);
  };
})(window.PB);
