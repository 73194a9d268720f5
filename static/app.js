// Backstep's only script: Left and Right step through the walkthrough, as the buttons do.
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
