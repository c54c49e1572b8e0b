// "In biên bản": the browser's print dialog (the page's print styles give an A4 sheet).
(function () {
  "use strict";
  var button = document.getElementById("print-button");
  if (button) { button.addEventListener("click", function () { window.print(); }); }
})();
