// Live total and pass preview for the self-assessment form. The server decides; this only helps the user.
// A score above a criterion's maximum counts as that maximum (the server refuses it beside the field), and the
// preview says "đạt" only when the group meeting's check passes too.
(function () {
  "use strict";
  var form = document.getElementById("assessment");
  var out = document.getElementById("preview");
  var text = document.getElementById("preview-text");
  if (!form || !out || !text) { return; }
  var fill = function (template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  };
  var update = function () {
    var message, passed, notes = [];
    if (form.dataset.shape === "points") {
      var total = 0, standards = {}, maxima = {};
      form.querySelectorAll("input.points").forEach(function (input) {
        var value = parseInt(input.value, 10);
        var top = parseInt(input.dataset.max, 10);
        var s = input.dataset.standard;
        if (isNaN(value) || value < 0) { value = 0; }
        if (value > top) {
          value = top;
          notes.push(fill(text.dataset.capped, { c: input.name.replace(/^points-/, ""), m: top }));
        }
        standards[s] = (standards[s] || 0) + value;
        maxima[s] = (maxima[s] || 0) + top;
        total += value;
      });
      var pass = parseInt(form.dataset.pass, 10);
      var weak = Object.keys(standards).filter(function (s) { return standards[s] < maxima[s] / 2; });
      passed = total >= pass && weak.length === 0;
      message = fill(text.dataset.points, { t: total, p: pass });
      weak.forEach(function (s) { message += " · " + fill(text.dataset.standard, { s: s }); });
    } else {
      var mandatory = form.querySelectorAll("input.met[data-mandatory='1']");
      var met = Array.prototype.filter.call(mandatory, function (i) { return i.checked; }).length;
      passed = met === mandatory.length;
      message = fill(text.dataset.checklist, { m: met, c: mandatory.length });
    }
    notes.forEach(function (note) { message += " · " + note; });
    if (form.dataset.meetingOk !== "1") {
      passed = false;
      message += " · " + fill(text.dataset.meeting, { r: form.dataset.meetingReasons });
    }
    out.textContent = message + " — " + (passed ? text.dataset.pass : text.dataset.fail);
    out.className = "score " + (passed ? "pass" : "fail");
  };
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
