// "Select all" on the batch pages: ticks only the dossiers that can move now (data-movable).
(function () {
  "use strict";
  var all = document.getElementById("check-all");
  if (!all) { return; }
  all.addEventListener("change", function () {
    document.querySelectorAll("input[name='dossier_ids'][data-movable]").forEach(function (box) {
      box.checked = all.checked;
    });
  });
})();
