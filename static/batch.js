// "Select all" for the batch decision list.
(function () {
  "use strict";
  var all = document.getElementById("check-all");
  if (!all) { return; }
  all.addEventListener("change", function () {
    document.querySelectorAll("input[name='dossier_ids']").forEach(function (box) { box.checked = all.checked; });
  });
})();
