/* Points (积分) console: show the value field only for range rules, "select all" in the review,
   and one submit per redemption form. Everything works without it, just less nicely. */
(function () {
  "use strict";

  function syncPoints(form) {
    var ranges = JSON.parse(form.dataset.ranges || "{}");
    var select = form.querySelector("select[name=rule]");
    var box = form.querySelector("[data-points-box]");
    if (!select || !box) { return; }
    var range = ranges[select.value];
    var input = box.querySelector("input");
    var hasError = !!box.querySelector(".invalid-feedback");
    box.hidden = !hasError && !(range && range[0] !== range[1]);
    if (range && range[0] !== range[1] && input) {
      input.min = range[0];
      input.max = range[1];
      input.placeholder = range[0] + " ~ " + range[1];
    }
  }

  function init() {
    document.querySelectorAll("form[data-ranges]").forEach(function (form) {
      syncPoints(form);
      form.addEventListener("change", function (ev) {
        if (ev.target.name === "rule") { syncPoints(form); }
      });
    });
    document.querySelectorAll("[data-check-all]").forEach(function (box) {
      box.addEventListener("change", function () {
        box.closest("form").querySelectorAll("input[name=entry]:not(:disabled)").forEach(function (c) {
          c.checked = box.checked;
        });
      });
    });
    // A second tap would only repeat the same request key (redeemed once anyway); don't send it.
    document.querySelectorAll("form [data-once]").forEach(function (button) {
      button.form.addEventListener("submit", function () {
        window.setTimeout(function () { button.disabled = true; }, 0);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
