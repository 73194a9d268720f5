// Backstep's only script: Left and Right step through the walkthrough, as the buttons do, and
// what is typed while an htmx request is on its way survives the swap of its answer.
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
  // On a phone the graph scrolls sideways: bring the layer the step is about into view.
  function showActiveColumn() {
    Array.prototype.forEach.call(document.querySelectorAll(".graph-scroll"), function (box) {
      var active = box.querySelector(".col-title.is-active");
      if (!active || box.scrollWidth <= box.clientWidth) return;
      var a = active.getBoundingClientRect();
      var b = box.getBoundingClientRect();
      box.scrollLeft += a.left + a.width / 2 - (b.left + b.width / 2);
    });
  }
  function showWhereWeAre() {
    showCurrentStep();
    showActiveColumn();
  }
  document.addEventListener("DOMContentLoaded", showWhereWeAre);
  document.addEventListener("htmx:afterSettle", showWhereWeAre);

  // The server writes "Link for students" relative unless PUBLIC_URL is set (it never trusts
  // the Host a request names); the browser knows the address it is on, so it shows it whole.
  function wholeShareLink() {
    var box = document.getElementById("share-link");
    if (box && box.value.charAt(0) === "/" && box.value.charAt(1) !== "/") {
      box.value = new URL(box.value, document.baseURI).href;
    }
  }
  document.addEventListener("DOMContentLoaded", wholeShareLink);
  document.addEventListener("htmx:afterSettle", wholeShareLink);

  // An htmx swap re-renders the fields inside its target (an exercise's answers after a check,
  // the training settings after a change). What the user typed while the request was on its
  // way is newer than what the server saw: carry it into the new fields, keep the cursor where
  // it was, and let it reach the server (the exercise's autosave, the next training run).
  function isChoice(el) {
    return el.type === "radio" || el.type === "checkbox";
  }
  function fieldKey(el) {
    return el.name + "\u0000" + (isChoice(el) ? el.value : "");
  }
  function fieldState(el) {
    return isChoice(el) ? el.checked : el.value;
  }
  function eachField(root, fn) {
    if (!root) return;
    var found = root.querySelectorAll("input[name]:not([type=hidden]), select[name], textarea[name]");
    Array.prototype.forEach.call(found, fn);
  }
  function snapshot(root) {
    var state = {};
    eachField(root, function (el) { state[fieldKey(el)] = fieldState(el); });
    return state;
  }
  var sent = new WeakMap(); // xhr -> the fields as they were sent
  var carried = new WeakMap(); // xhr -> the edits made while it was on its way
  document.addEventListener("htmx:beforeRequest", function (event) {
    var d = event.detail;
    var swap = d.elt.closest ? d.elt.closest("[hx-swap]") : null;
    if (swap && swap.getAttribute("hx-swap").indexOf("none") === 0) return; // replaces nothing
    if (d.target && d.target.id) sent.set(d.xhr, { id: d.target.id, fields: snapshot(d.target) });
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var d = event.detail;
    var before = sent.get(d.xhr);
    if (!before || !d.shouldSwap) return;
    var edits = {};
    var now = snapshot(document.getElementById(before.id));
    Object.keys(now).forEach(function (key) {
      if (key in before.fields && now[key] !== before.fields[key]) edits[key] = now[key];
    });
    if (!Object.keys(edits).length) return;
    var active = document.activeElement;
    var typing = active && active.name && (fieldKey(active) in edits);
    carried.set(d.xhr, {
      id: before.id,
      edits: edits,
      focus: typing ? fieldKey(active) : null,
      selection: typing && typeof active.selectionStart === "number" ? [active.selectionStart, active.selectionEnd] : null
    });
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var c = carried.get(event.detail.xhr);
    if (!c) return;
    carried.delete(event.detail.xhr);
    var committed = null;
    eachField(document.getElementById(c.id), function (el) {
      var key = fieldKey(el);
      if (!(key in c.edits)) return;
      if (isChoice(el)) el.checked = c.edits[key];
      else el.value = c.edits[key];
      if (key !== c.focus) {
        committed = committed || el;
        return;
      }
      el.focus();
      if (c.selection && el.setSelectionRange) el.setSelectionRange(c.selection[0], c.selection[1]);
      // Setting the value resets what the browser compares on blur: send the change ourselves
      // when the user leaves the field, unless the browser does.
      var changed = false;
      el.addEventListener("change", function () { changed = true; }, { once: true });
      el.addEventListener("blur", function () {
        if (!changed && el.value !== el.defaultValue) el.dispatchEvent(new Event("change", { bubbles: true }));
      }, { once: true });
    });
    // Edits the user had finished (left the field) go to the server now, as they would have.
    if (committed) committed.dispatchEvent(new Event("change", { bubbles: true }));
  });

  // A swap can remove the element that had the focus (Reveal, Cancel, Apply the update), and
  // the focus would fall back to the start of the page. Put it on the nearest element around
  // it that the swap kept or brought back instead (the question, the walkthrough).
  var focusTrail = new WeakMap(); // xhr -> ids of the focused element and its ancestors
  document.addEventListener("htmx:beforeRequest", function (event) {
    var ids = [];
    for (var el = document.activeElement; el && el !== document.body; el = el.parentElement) {
      if (el.id) ids.push(el.id);
    }
    if (ids.length) focusTrail.set(event.detail.xhr, ids);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var ids = focusTrail.get(event.detail.xhr);
    if (!ids) return;
    focusTrail.delete(event.detail.xhr);
    if (document.activeElement && document.activeElement !== document.body) return;
    for (var i = 0; i < ids.length; i++) {
      var landing = document.getElementById(ids[i]);
      if (!landing) continue;
      if (landing.tabIndex < 0 && !landing.hasAttribute("tabindex")) landing.setAttribute("tabindex", "-1");
      landing.focus({ preventScroll: true });
      return;
    }
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
