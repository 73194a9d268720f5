// The exercise pages' script: copy buttons for the links to share, and after "Check all
// answers" the focus on the summary that links each answer not right yet. Without it the
// links are fields to select and copy, and a check lands on the summary by its #summary anchor.
(function () {
  "use strict";

  function copied(id, text) {
    var status = document.querySelector('[data-copy-status="' + id + '"]');
    if (status) status.textContent = text;
  }

  function copy(id) {
    var field = document.getElementById(id);
    if (!field) return;
    var done = function () { copied(id, "Copied."); };
    var fallback = function () {
      field.focus();
      field.select();
      try {
        if (document.execCommand("copy")) return done();
      } catch (e) { /* fall through */ }
      copied(id, "Selected: press Ctrl+C (⌘C) to copy.");
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, fallback);
    } else {
      fallback();
    }
  }

  function showCopyButtons() {
    Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), function (b) {
      b.hidden = false;
    });
  }
  document.addEventListener("DOMContentLoaded", showCopyButtons);
  document.addEventListener("htmx:afterSettle", showCopyButtons);
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-copy]") : null;
    if (!button) return;
    event.preventDefault();
    copy(button.getAttribute("data-copy"));
  });

  // After checking every answer, the summary says how many are right and links the others.
  document.addEventListener("htmx:afterSettle", function () {
    var exercise = document.getElementById("exercise");
    if (!exercise || exercise.getAttribute("data-checked") !== "all") return;
    var summary = document.getElementById("summary");
    if (!summary) return;
    summary.focus({ preventScroll: true });
    summary.scrollIntoView({ block: "start" });
  });
})();
