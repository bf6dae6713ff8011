// A "Copy" button next to a read-only field (data-copy-target names the field): shown only where the
// clipboard can be written; without JavaScript the field itself can be selected and copied.
(function () {
  "use strict";
  if (!navigator.clipboard) {
    return;
  }
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    var status = document.getElementById("copy-status");
    if (!field) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(
        function () { if (status) { status.textContent = button.getAttribute("data-copied") || "Copied."; } },
        function () { field.select(); }
      );
    });
  });
})();
