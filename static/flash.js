// After a save or a refused step, bring the page's messages into sight (and to screen readers), even when the
// address ends in an anchor further down.
(function () {
  "use strict";
  var region = document.getElementById("flashes");
  if (!region || !region.querySelector(".flash")) { return; }
  region.setAttribute("tabindex", "-1");
  window.addEventListener("load", function () { region.focus(); region.scrollIntoView({ block: "start" }); });
})();
