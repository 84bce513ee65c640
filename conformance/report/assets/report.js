/* ses-conformance report: filter box, expand-on-anchor, copy buttons. No libraries. */
(function () {
  "use strict";
  var doc = document;
  var root = doc.documentElement;
  root.classList.remove("no-js");
  root.classList.add("js");
  var rules = Array.prototype.slice.call(doc.querySelectorAll(".rule"));
  var families = Array.prototype.slice.call(doc.querySelectorAll(".family"));
  var box = doc.getElementById("filter");
  var only = doc.getElementById("only-problems");
  var shownNote = doc.getElementById("filter-count");

  function apply() {
    if (!box) { return; }
    var terms = box.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    var problemsOnly = only && only.checked;
    var shown = 0;
    rules.forEach(function (rule) {
      var id = (rule.getAttribute("data-rule-id") || "").toLowerCase();
      var ok = terms.every(function (t) { return id.indexOf(t) >= 0; }) &&
        (!problemsOnly || rule.getAttribute("data-problem") === "1");
      rule.hidden = !ok;
      if (ok) { shown += 1; }
    });
    families.forEach(function (fam) {
      fam.hidden = fam.querySelectorAll(".rule:not([hidden])").length === 0;
    });
    if (shownNote) { shownNote.textContent = shown + " of " + rules.length + " rules shown"; }
  }

  function openTarget() {
    var id = decodeURIComponent(location.hash.replace(/^#/, ""));
    var el = id ? doc.getElementById(id) : null;
    if (!el) { return; }
    var details = el.querySelector("details");
    if (details) { details.open = true; }
    if (el.hidden && box) { box.value = ""; if (only) { only.checked = false; } apply(); }
    el.scrollIntoView();
  }

  function copy(button) {
    var code = button.parentNode.querySelector("code");
    var text = code ? code.textContent : "";
    function done(word) {
      button.textContent = word;
      setTimeout(function () { button.textContent = "Copy"; }, 1500);
    }
    function fallback() {
      var area = doc.createElement("textarea");
      area.value = text;
      doc.body.appendChild(area);
      area.select();
      try { done(doc.execCommand("copy") ? "Copied" : "Select and copy"); }
      catch (e) { done("Select and copy"); }
      doc.body.removeChild(area);
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { done("Copied"); }, fallback);
    } else {
      fallback();
    }
  }

  doc.addEventListener("click", function (event) {
    var target = event.target;
    if (target.classList && target.classList.contains("copy")) { copy(target); }
  });
  var toggle = doc.getElementById("toggle-all");
  if (toggle) {
    toggle.addEventListener("click", function () {
      var all = doc.querySelectorAll(".rule:not([hidden]) > details");
      var anyClosed = Array.prototype.some.call(all, function (d) { return !d.open; });
      Array.prototype.forEach.call(all, function (d) { d.open = anyClosed; });
      toggle.textContent = anyClosed ? "Collapse all" : "Expand all";
    });
  }
  if (box) {
    var params = new URLSearchParams(location.search);
    if (params.get("q")) { box.value = params.get("q"); }
    if (only && params.get("problems") === "1") { only.checked = true; }
    box.addEventListener("input", apply);
    if (only) { only.addEventListener("change", apply); }
    apply();
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
  root.setAttribute("data-js", "ready");
})();
