/* The export page: show the columns of the chosen sheet only; tick or untick all of them. */
(function () {
  "use strict";

  function showColumnsOf(index) {
    document.querySelectorAll(".export-columns").forEach(function (group) {
      group.hidden = group.dataset.resource !== String(index);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var resource = document.getElementById("id_resource");
    if (resource) {
      showColumnsOf(resource.tagName === "SELECT" ? resource.value : 0);
      resource.addEventListener("change", function () {
        showColumnsOf(resource.value);
      });
    }
    document.querySelectorAll(".export-all-toggle").forEach(function (toggle) {
      var group = toggle.closest(".export-columns");
      toggle.addEventListener("change", function () {
        group.querySelectorAll(".export-column-list input[type=checkbox]").forEach(function (box) {
          box.checked = toggle.checked;
        });
      });
    });
  });
})();
