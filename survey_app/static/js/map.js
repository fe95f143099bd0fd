/* Draw a support map from the JSON block #map-data with vis-network (served by the app).
   Names arrive as data and vis-network draws labels on the canvas and sets tooltips as
   text, so nothing typed by a family is ever parsed as HTML. */
(function () {
  "use strict";
  var holder = document.getElementById("map-data");
  var box = document.getElementById("map");
  if (!holder || !box || !window.vis) { return; }
  var data = JSON.parse(holder.textContent);
  var nodes = new window.vis.DataSet(data.nodes);
  var edges = new window.vis.DataSet(data.edges);
  var network = new window.vis.Network(box, { nodes: nodes, edges: edges }, data.options);
  network.once("afterDrawing", function () {
    network.fit();
    box.setAttribute("data-drawn", String(nodes.length));
  });
  /* Search and highlight: a student's name (tooltips start with it) selects and centres
     their star. */
  var find = document.getElementById("map-find");
  var result = document.getElementById("map-find-result");
  if (!find || !result) { return; }
  function search() {
    var wanted = find.value.trim().toLowerCase();
    if (!wanted) { network.unselectAll(); result.textContent = ""; return; }
    var hit = nodes.get({ filter: function (n) {
      return n.group === "student" && String(n.title || "").toLowerCase().indexOf(wanted) === 0;
    } })[0];
    if (!hit) { network.unselectAll(); result.textContent = find.getAttribute("data-missing"); return; }
    network.selectNodes([hit.id]);
    network.focus(hit.id, { scale: 1.6, animation: false });
    result.textContent = find.getAttribute("data-found");
    box.setAttribute("data-selected", hit.id);
  }
  find.addEventListener("change", search);
  find.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); search(); }
  });
}());
