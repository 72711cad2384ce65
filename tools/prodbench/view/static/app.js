/* prodbench view: tabs, loading each tab's data once, and the timing marks the browser test reads. */
"use strict";
(function (PB) {
  const loaded = {};
  PB.timings = {};

  function show(tab) {
    const panel = document.getElementById("tab-" + tab);
    if (!panel) tab = "results";
    for (const node of document.querySelectorAll(".panel")) node.hidden = node.id !== "tab-" + tab;
    for (const node of document.querySelectorAll(".tab")) node.classList.toggle("active", node.dataset.tab === tab);
    if (loaded[tab]) return loaded[tab];
    const target = document.getElementById("tab-" + tab);
    target.textContent = "loading…";
    const start = performance.now();
    loaded[tab] = PB.load(tab === "review" ? "pool" : tab).then(function (data) {
      PB[tab].init(target, data);
      PB.timings[tab] = performance.now() - start;  // fetch + render of this tab
      PB.timings[tab + "_at"] = performance.now();  // since the navigation started
      document.body.setAttribute("data-ready-" + tab, "1");
    }).catch(function (error) {
      target.textContent = "";
      target.appendChild(PB.el("p", { class: "bad", text: "could not load: " + error.message }));
      document.body.setAttribute("data-ready-" + tab, "error");
    });
    return loaded[tab];
  }

  for (const button of document.querySelectorAll(".tab")) {
    button.addEventListener("click", function () { location.hash = button.dataset.tab; });
  }
  window.addEventListener("hashchange", function () { show(location.hash.slice(1)); });
  document.addEventListener("keydown", function (event) {
    const tag = (event.target.tagName || "").toLowerCase();
    if (event.key === "/" && tag !== "input" && tag !== "textarea" && !document.getElementById("tab-results").hidden) {
      event.preventDefault();
      const search = document.getElementById("r-search");
      if (search) search.focus();
    }
  });
  PB.show = show;
  show(location.hash.slice(1) || "results");
})(window.PB);
