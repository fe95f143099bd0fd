/* Relationship mapping: save a student's marks as soon as a box changes.
   Without this script the grid still works: "Save this page" posts the whole page. */
(function () {
  "use strict";
  var form = document.getElementById("grid-form");
  if (!form || !window.fetch || !window.FormData) { return; }
  var status = document.getElementById("save-status");
  var token = form.querySelector("input[name=csrf_token]").value;
  var queue = Promise.resolve();  // one save at a time, in the order the boxes changed
  var pending = 0;

  function show(text, failed) {
    status.textContent = text;
    status.classList.toggle("failed", Boolean(failed));
    status.classList.toggle("visible", true);
  }

  function save(row) {
    var body = new FormData();
    row.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      if (box.checked) { body.append(box.dataset.mark, "1"); }
    });
    pending += 1;
    row.setAttribute("aria-busy", "true");
    show(form.dataset.saving, false);
    queue = queue.then(function () {
      return fetch(row.dataset.url, {
        method: "POST", body: body, credentials: "same-origin",
        headers: {"X-CSRFToken": token, "Accept": "application/json"}
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function () {
        pending -= 1;
        row.removeAttribute("aria-busy");
        if (pending === 0) { show(form.dataset.saved.replace("__NAME__", row.dataset.name), false); }
      }).catch(function () {
        pending -= 1;
        row.removeAttribute("aria-busy");
        show(form.dataset.failed, true);
      });
    });
  }

  form.addEventListener("change", function (event) {
    var box = event.target;
    if (box.type === "checkbox" && box.dataset.mark) { save(box.closest("tr")); }
  });
}());
