// Backstep's only script: Left and Right step through the walkthrough, as the buttons do, and
// answers typed in an exercise while a check is on its way survive its answer.
// Everything works without it; htmx (loaded before) turns the links into fragment swaps.
(function () {
  "use strict";

  function typing(target) {
    if (!target || !target.closest) return false;
    return Boolean(target.closest("input, select, textarea, [contenteditable]"));
  }

  // On a phone the outline is one scrolling row: keep the current step in view.
  function showCurrentStep() {
    var current = document.querySelector('.outline a[aria-current="step"]');
    if (current && current.scrollIntoView) current.scrollIntoView({ block: "nearest", inline: "center" });
  }
  document.addEventListener("DOMContentLoaded", showCurrentStep);
  document.addEventListener("htmx:afterSettle", showCurrentStep);

  // A check (or a reveal) swaps the whole exercise for the server's answer. Whatever the student
  // typed after pressing the button is newer than what the server saw: carry it into the new
  // fields, keep the cursor where it was, and send a change so the autosave puts it in the URL.
  function answerState(form) {
    var state = {};
    if (!form) return state;
    Array.prototype.forEach.call(form.querySelectorAll("input[name]:not([type=hidden])"), function (el) {
      state[el.name + "\u0000" + (el.type === "radio" ? el.value : "")] = el.type === "radio" ? el.checked : el.value;
    });
    return state;
  }
  function exerciseForm(elt) {
    var exercise = elt && elt.closest ? elt.closest("#exercise") : null;
    return exercise ? exercise.querySelector("form.questions") : null;
  }
  var sent = new WeakMap();
  var carried = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (elt.getAttribute("hx-swap") === "none") return; // the autosave swaps nothing
    var form = exerciseForm(elt);
    if (form) sent.set(event.detail.xhr, answerState(form));
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var before = sent.get(event.detail.xhr);
    if (!before || !event.detail.shouldSwap) return;
    var now = answerState(exerciseForm(event.detail.elt));
    var edits = {};
    var any = false;
    Object.keys(now).forEach(function (key) {
      if (key in before && now[key] !== before[key]) { edits[key] = now[key]; any = true; }
    });
    var active = document.activeElement;
    carried = any ? {
      edits: edits,
      focus: active && active.id && active.closest("#exercise") ? active.id : null,
      selection: active && typeof active.selectionStart === "number" ? [active.selectionStart, active.selectionEnd] : null
    } : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!carried) return;
    var c = carried;
    carried = null;
    var form = document.querySelector("#exercise form.questions");
    if (!form) return;
    var last = null;
    Array.prototype.forEach.call(form.querySelectorAll("input[name]:not([type=hidden])"), function (el) {
      var key = el.name + "\u0000" + (el.type === "radio" ? el.value : "");
      if (!(key in c.edits)) return;
      if (el.type === "radio") el.checked = c.edits[key];
      else el.value = c.edits[key];
      last = el;
    });
    var focused = c.focus ? document.getElementById(c.focus) : null;
    if (focused && c.selection && focused.setSelectionRange) {
      focused.focus();
      focused.setSelectionRange(c.selection[0], c.selection[1]);
    }
    if (last) last.dispatchEvent(new Event("change", { bubbles: true }));
  });

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    if (typing(event.target)) return;
    var id = event.key === "ArrowLeft" ? "prev-step" : "next-step";
    var link = document.getElementById(id);
    if (!link || link.getAttribute("aria-disabled") === "true") return;
    event.preventDefault();
    link.click();
  });
})();
