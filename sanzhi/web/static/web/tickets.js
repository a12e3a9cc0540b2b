/* Demand (诉求) pages: the geolocation button, applying a suggested category, showing only the
   dispatch target's own field, and the photo limit. Everything works without it, just less nicely. */
(function () {
  "use strict";

  function geolocate(button) {
    var form = button.closest("form");
    var status = form.querySelector("[data-geolocate-status]");
    if (!navigator.geolocation) { status.textContent = button.dataset.msgFail; return; }
    status.textContent = button.dataset.msgWait;
    navigator.geolocation.getCurrentPosition(function (pos) {
      form.querySelector("input[name$='latitude']").value = pos.coords.latitude.toFixed(6);
      form.querySelector("input[name$='longitude']").value = pos.coords.longitude.toFixed(6);
      status.textContent = button.dataset.msgOk;
    }, function () { status.textContent = button.dataset.msgFail; }, { enableHighAccuracy: true, timeout: 10000 });
  }

  var FIELDS = { "default": [], user: ["user"], node: ["node"], department: ["department", "user"], party: ["party_user"] };

  function syncTarget(form) {
    var checked = form.querySelector("input[name$='target']:checked");
    if (!checked) { return; }
    var shown = FIELDS[checked.value] || [];
    ["user", "node", "department", "party_user"].forEach(function (name) {
      var box = form.querySelector("[data-field='" + name + "']");
      if (box) { box.hidden = shown.indexOf(name) < 0; }
    });
  }

  function init(root) {
    root.querySelectorAll("form[data-target-form]").forEach(syncTarget);
  }

  document.addEventListener("click", function (event) {
    var geo = event.target.closest("[data-geolocate]");
    if (geo) { event.preventDefault(); geolocate(geo); return; }
    var apply = event.target.closest("[data-apply-category]");
    if (apply) {
      var select = document.getElementById(apply.dataset.fieldId);
      if (select) { select.value = apply.dataset.applyCategory; select.dispatchEvent(new Event("change", { bubbles: true })); }
    }
  });
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches("input[name$='target']")) { syncTarget(input.closest("form")); }
    if (input.matches && input.matches("input[type=file][data-max-files]")) {
      var max = parseInt(input.dataset.maxFiles, 10);
      input.setCustomValidity(input.files.length > max ? input.closest("form").dataset.tooMany || ("≤ " + max) : "");
      input.reportValidity();
    }
  });
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSettle", function () { init(document); });
}());
