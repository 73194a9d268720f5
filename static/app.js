// Backstep's only script: Left and Right step through the walkthrough, as the buttons do, and
// what is typed while an htmx request is on its way survives the swap of its answer.
// Everything works without it; htmx (loaded before) turns the links into fragment swaps.
(function () {
  "use strict";

  function typing(target) {
    if (!target || !target.closest) return false;
    return Boolean(target.closest("input, select, textarea, [contenteditable]"));
  }

  // Scroll `box` sideways so the elements `els` are centred in it, leaving the page's own
  // scroll alone.
  function centreIn(box, els) {
    if (!box || !els.length || box.scrollWidth <= box.clientWidth) return;
    var left = Infinity, right = -Infinity;
    Array.prototype.forEach.call(els, function (el) {
      var r = el.getBoundingClientRect();
      left = Math.min(left, r.left);
      right = Math.max(right, r.right);
    });
    var b = box.getBoundingClientRect();
    box.scrollLeft += (left + right) / 2 - (b.left + b.width / 2);
  }
  // On a phone the outline is one scrolling row: keep the current step in view.
  function showCurrentStep() {
    var current = document.querySelector('.outline a[aria-current="step"]');
    if (current) centreIn(current.closest("ol"), [current]);
  }
  // Where the graph scrolls sideways: bring what the step is about into view (the loss box at
  // the loss, the layer the step computes, or the weights whose gradients it finds).
  function showActiveColumn() {
    Array.prototype.forEach.call(document.querySelectorAll(".graph-scroll"), function (box) {
      var loss = box.querySelectorAll(".loss-box.is-active rect");
      var column = box.querySelectorAll(".col-title.is-active");
      centreIn(box, loss.length ? loss : column.length ? column : box.querySelectorAll(".edge.is-active .wire"));
    });
  }
  // A region that scrolls sideways (equations, the graph, tables) says where there is more
  // to see: data-more="left right" draws a shadow on that edge (app.css). Without this script
  // the CSS's own scroll shadows do it.
  var SCROLLERS = ".equations, .graph-scroll, .table-wrap";
  function markMore(box) {
    var more = [];
    if (box.scrollLeft > 1) more.push("left");
    if (box.scrollLeft + box.clientWidth < box.scrollWidth - 1) more.push("right");
    var value = more.join(" ");
    if (box.getAttribute("data-more") !== value) box.setAttribute("data-more", value);
  }
  function markAllMore() {
    Array.prototype.forEach.call(document.querySelectorAll(SCROLLERS), markMore);
  }
  document.addEventListener("scroll", function (event) {
    var box = event.target;
    if (box && box.matches && box.matches(SCROLLERS)) markMore(box);
  }, true);
  window.addEventListener("resize", markAllMore);
  // "Fit the whole network": the choice holds from step to step (the swap renders the box anew).
  var FIT_KEY = "backstep-graph-fit";
  function keepFit() {
    var fit = false;
    try { fit = window.sessionStorage.getItem(FIT_KEY) === "1"; } catch (e) { /* storage off */ }
    Array.prototype.forEach.call(document.querySelectorAll(".graph-fit"), function (box) {
      if (fit) box.checked = true;
    });
  }
  document.addEventListener("change", function (event) {
    if (!event.target.classList || !event.target.classList.contains("graph-fit")) return;
    try { window.sessionStorage.setItem(FIT_KEY, event.target.checked ? "1" : "0"); } catch (e) { /* storage off */ }
    markAllMore();
  });
  function showWhereWeAre() {
    keepFit();
    showCurrentStep();
    showActiveColumn();
    markAllMore();
  }
  document.addEventListener("DOMContentLoaded", showWhereWeAre);
  document.addEventListener("htmx:afterSettle", showWhereWeAre);

  // After Next, Previous or a step of the outline, the new step's title comes into view, just
  // under the sticky controls (its scroll-margin-top, app.css): the page once stayed where it
  // was, with the new title under the bar or far above. The same when the step is another
  // snapshot's (an edit saved): the page was left at its very end.
  function shownStep(walk) {
    return walk.getAttribute("data-subject") + " " + walk.getAttribute("data-step");
  }
  var stepBefore = new WeakMap(); // xhr -> the snapshot and step shown when it was sent
  document.addEventListener("htmx:beforeRequest", function (event) {
    var walk = document.getElementById("walkthrough");
    if (walk) stepBefore.set(event.detail.xhr, shownStep(walk));
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var before = stepBefore.get(event.detail.xhr);
    stepBefore.delete(event.detail.xhr);
    var walk = document.getElementById("walkthrough");
    if (before === undefined || !walk || shownStep(walk) === before) return;
    var head = walk.querySelector(".step .step-head");
    if (head) head.scrollIntoView({ block: "start" });
  });

  // The server writes the links to copy (for students, for the teacher) relative unless
  // PUBLIC_URL is set (it never trusts the Host a request names); the browser knows the
  // address it is on, so it shows them whole.
  function wholeShareLink() {
    ["share-link", "teacher-link"].forEach(function (id) {
      var box = document.getElementById(id);
      if (box && box.value.charAt(0) === "/" && box.value.charAt(1) !== "/") {
        box.value = new URL(box.value, document.baseURI).href;
      }
    });
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
  // NOTE: on afterSwap, in the same task as the swap: by afterSettle (htmx's settle delay
  // later) the user may have typed on in the new field, and setting the carried value then
  // dropped those keys.
  document.addEventListener("htmx:afterSwap", function (event) {
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
    // Edits the user had finished (left the field) go to the server, as they would have:
    // once the swap has settled, when htmx listens on the new content.
    if (committed) finished.set(event.detail.xhr, committed);
  });
  var finished = new WeakMap(); // xhr -> a field whose carried edit the server has not seen
  document.addEventListener("htmx:afterSettle", function (event) {
    var field = finished.get(event.detail.xhr);
    if (!field) return;
    finished.delete(event.detail.xhr);
    if (field.isConnected) field.dispatchEvent(new Event("change", { bubbles: true }));
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

  // A form marked data-apply-on-choice (the walkthrough's Example and Precision) is sent
  // when a choice is made: a click in the open list, or Enter there. Chromium also fires
  // "change" at each ArrowDown on a closed select, which would load a view per option:
  // after keys on a closed select, the choice is applied on Enter or when the field is left.
  var sentValue = new WeakMap(); // select -> the value last sent from it
  function appliedValue(select) {
    if (sentValue.has(select)) return sentValue.get(select);
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].defaultSelected) return select.options[i].value;
    }
    return select.options.length ? select.options[0].value : "";
  }
  function applyChoice(select) {
    if (select.value === appliedValue(select)) return;
    sentValue.set(select, select.value);
    select.form.dispatchEvent(new Event("apply", { bubbles: true }));
  }
  function choiceSelect(target) {
    return Boolean(target && target.tagName === "SELECT" && target.form && target.form.hasAttribute("data-apply-on-choice"));
  }
  // Keys that move a closed select's choice (and fire "change" at once): arrows, pages, ends,
  // and typing the start of an option. Space and Alt+Down open the list instead.
  var STEP_KEYS = ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "PageUp", "PageDown", "Home", "End"];
  var stepping = new WeakSet(); // selects whose coming "change" is a key's step, not a choice
  document.addEventListener("keydown", function (event) {
    var select = event.target;
    if (!choiceSelect(select)) return;
    if (event.key === "Enter") {
      event.preventDefault();
      applyChoice(select);
      return;
    }
    var typed = event.key.length === 1 && event.key !== " ";
    if (event.altKey || event.ctrlKey || event.metaKey || (STEP_KEYS.indexOf(event.key) < 0 && !typed)) return;
    stepping.add(select);
    // The key's "change" comes within this task, or never (the first option and ArrowUp).
    setTimeout(function () { stepping.delete(select); }, 0);
  });
  document.addEventListener("change", function (event) {
    if (!choiceSelect(event.target)) return;
    if (stepping.has(event.target)) {
      stepping.delete(event.target);
      return;
    }
    applyChoice(event.target);
  });
  document.addEventListener("focusout", function (event) {
    if (choiceSelect(event.target)) applyChoice(event.target);
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
