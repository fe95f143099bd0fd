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
}());
