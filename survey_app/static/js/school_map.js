/* The school map: draw the server's layout (#map-data) on one canvas, at once.
   Every position comes from the server (relationships/school_view.py), so there is
   nothing to simulate or lay out here: one pass draws 3,000 stars, the staff squares
   and the labels (staff names and group titles, each cut to the width the server kept
   for it, whole on hover). Ties are drawn only for the star or square pointed at,
   clicked or found. Names are drawn as canvas text and tooltips set as textContent,
   so nothing typed by a family is ever parsed as HTML. After the first drawing
   #map carries data-drawn (nodes drawn) and data-overlaps (pairs of label boxes that
   intersect, measured here). */
(function () {
  "use strict";
  var holder = document.getElementById("map-data");
  var box = document.getElementById("map");
  if (!holder || !box) { return; }
  var canvas = box.querySelector("canvas");
  var tip = box.querySelector(".map-tip");
  var ctx = canvas.getContext("2d");
  var data = JSON.parse(holder.textContent);
  var nodes = data.nodes;
  var LINE = 1.25;
  var COLOURS = { student: "#1f77b4", alone: "#b00020", staff: "#ff7f0e", anchor: "#b00020",
                  label: "#1a1a1a", tie: "#333333", pick: "#000000" };
  var byId = {};
  var ties = {};
  var students = [];
  var staff = [];
  var labelled = [];
  nodes.forEach(function (n) {
    byId[n.id] = n;
    if (n.group === "student") { students.push(n); } else if (n.group === "staff") { staff.push(n); }
    if (n.label) { labelled.push(n); }
  });
  data.edges.forEach(function (e) {
    (ties[e.from] = ties[e.from] || []).push(e.to);
    (ties[e.to] = ties[e.to] || []).push(e.from);
  });

  function font(n) { return (n.group === "label" || n.anchor_load ? "bold " : "") + n.fs + "px sans-serif"; }

  /* Each label cut to its kept width ("…"), measured once at its own size. */
  labelled.forEach(function (n) {
    ctx.font = font(n);
    var text = n.label;
    if (ctx.measureText(text).width > n.w) {
      var lo = 0, hi = text.length;
      while (lo < hi) {
        var mid = Math.ceil((lo + hi) / 2);
        if (ctx.measureText(text.slice(0, mid) + "…").width <= n.w) { lo = mid; } else { hi = mid - 1; }
      }
      text = text.slice(0, lo) + "…";
    }
    n.text = text;
    n.tw = ctx.measureText(text).width;
  });

  function overlaps() {
    var b = labelled.map(function (n) { return [n.lx, n.ly, n.tw, n.fs * LINE]; });
    b.sort(function (p, q) { return p[0] - q[0]; });
    var count = 0;
    for (var i = 0; i < b.length; i++) {
      for (var j = i + 1; j < b.length && b[j][0] < b[i][0] + b[i][2]; j++) {
        if (b[i][0] < b[j][0] + b[j][2] && b[j][1] < b[i][1] + b[i][3] && b[i][1] < b[j][1] + b[j][3]) { count++; }
      }
    }
    return count;
  }

  var bounds = [Infinity, Infinity, -Infinity, -Infinity];
  function grow(x0, y0, x1, y1) {
    bounds = [Math.min(bounds[0], x0), Math.min(bounds[1], y0), Math.max(bounds[2], x1), Math.max(bounds[3], y1)];
  }
  nodes.forEach(function (n) {
    if (n.x !== undefined) { var r = (n.size || 12) / 2; grow(n.x - r, n.y - r, n.x + r, n.y + r); }
    if (n.label) { grow(n.lx, n.ly, n.lx + n.tw, n.ly + n.fs * LINE); }
  });
  if (!isFinite(bounds[0])) { bounds = [0, 0, 1, 1]; }

  var view = { scale: 1, x: 0, y: 0 };
  var width = 0, height = 0, ratio = 1;
  var hover = null, picked = null;

  function size() {
    ratio = window.devicePixelRatio || 1;
    width = box.clientWidth;
    height = box.clientHeight;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  function fit() {
    var pad = 12;
    var w = bounds[2] - bounds[0], h = bounds[3] - bounds[1];
    view.scale = Math.min((width - 2 * pad) / Math.max(w, 1), (height - 2 * pad) / Math.max(h, 1));
    view.x = (width - w * view.scale) / 2 - bounds[0] * view.scale;
    view.y = (height - h * view.scale) / 2 - bounds[1] * view.scale;
  }
  function centre(n, scale) {
    view.scale = scale;
    view.x = width / 2 - n.x * scale;
    view.y = height / 2 - n.y * scale;
  }

  function star(x, y, r) {
    for (var k = 0; k < 10; k++) {
      var a = Math.PI / 5 * k - Math.PI / 2, rr = k % 2 ? r * 0.45 : r;
      if (k === 0) { ctx.moveTo(x + rr * Math.cos(a), y + rr * Math.sin(a)); } else { ctx.lineTo(x + rr * Math.cos(a), y + rr * Math.sin(a)); }
    }
    ctx.closePath();
  }

  function draw() {
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.setTransform(ratio * view.scale, 0, 0, ratio * view.scale, ratio * view.x, ratio * view.y);
    [hover, picked].forEach(function (n) {  /* the ties of the star or square in focus */
      if (!n || !ties[n.id]) { return; }
      ctx.beginPath();
      ties[n.id].forEach(function (id) { var o = byId[id]; ctx.moveTo(n.x, n.y); ctx.lineTo(o.x, o.y); });
      ctx.strokeStyle = COLOURS.tie;
      ctx.lineWidth = 1.5 / view.scale;
      ctx.stroke();
    });
    ["student", "alone"].forEach(function (kind) {
      ctx.beginPath();
      students.forEach(function (n) { if ((n.alone ? "alone" : "student") === kind) { star(n.x, n.y, 5.5); } });
      ctx.fillStyle = COLOURS[kind];
      ctx.fill();
    });
    staff.forEach(function (n) {
      var h = n.size / 2;
      ctx.fillStyle = COLOURS.staff;
      ctx.fillRect(n.x - h, n.y - h, n.size, n.size);
      ctx.lineWidth = n.anchor_load ? 3 : 1;
      ctx.strokeStyle = n.anchor_load ? COLOURS.anchor : "#7a3d00";
      ctx.strokeRect(n.x - h, n.y - h, n.size, n.size);
    });
    ctx.textBaseline = "top";
    labelled.forEach(function (n) {
      ctx.font = font(n);
      ctx.fillStyle = n.anchor_load ? "#8a0018" : COLOURS.label;
      ctx.fillText(n.text, n.lx, n.ly + n.fs * (LINE - 1) / 2);
    });
    [hover, picked].forEach(function (n) {
      if (!n) { return; }
      ctx.beginPath();
      ctx.arc(n.x, n.y, (n.size || 12) / 2 + 5, 0, 2 * Math.PI);
      ctx.lineWidth = 2.5 / view.scale;
      ctx.strokeStyle = COLOURS.pick;
      ctx.stroke();
    });
  }

  /* Which star or square is under a point (a grid of 24 px buckets, made once). */
  var BUCKET = 24, buckets = {};
  students.concat(staff).forEach(function (n) {
    var key = Math.floor(n.x / BUCKET) + ":" + Math.floor(n.y / BUCKET);
    (buckets[key] = buckets[key] || []).push(n);
  });
  function at(px, py) {
    var x = (px - view.x) / view.scale, y = (py - view.y) / view.scale;
    var best = null, bestD = Infinity;
    var bx = Math.floor(x / BUCKET), by = Math.floor(y / BUCKET);
    for (var i = bx - 1; i <= bx + 1; i++) {
      for (var j = by - 1; j <= by + 1; j++) {
        (buckets[i + ":" + j] || []).forEach(function (n) {
          var d = Math.hypot(n.x - x, n.y - y), reach = (n.size || 12) / 2 + 3 / view.scale;
          if (d <= reach && d < bestD) { best = n; bestD = d; }
        });
      }
    }
    return best;
  }
  function show(n, px, py) {
    if (!n) { tip.hidden = true; return; }
    tip.textContent = n.title;
    tip.hidden = false;
    tip.style.left = Math.min(px + 14, Math.max(0, width - tip.offsetWidth - 4)) + "px";
    tip.style.top = (py + 14) + "px";
  }

  size();
  fit();
  if (view.scale < 0.85) {  /* labels stay readable: the first groups at 0.85, top left */
    view.scale = 0.85;
    view.x = 12 - bounds[0] * view.scale;
    view.y = 12 - bounds[1] * view.scale;
  }
  draw();
  box.setAttribute("data-overlaps", String(overlaps()));
  /* Where a node is drawn on the page (for tests and scripts). */
  window.__schoolMap = { toScreen: function (id, rect) {
    var n = byId[id];
    return { x: rect.left + view.x + n.x * view.scale, y: rect.top + view.y + n.y * view.scale };
  } };
  box.setAttribute("data-drawn", String(nodes.length));

  var drag = null;
  canvas.addEventListener("pointerdown", function (e) {
    if (e.pointerType === "mouse") { drag = { x: e.clientX, y: e.clientY, moved: false }; }
  });
  window.addEventListener("pointerup", function (e) {
    if (drag && !drag.moved) {
      var r = canvas.getBoundingClientRect();
      picked = at(e.clientX - r.left, e.clientY - r.top);
      box.setAttribute("data-selected", picked ? picked.id : "");
      draw();
    }
    drag = null;
  });
  canvas.addEventListener("pointermove", function (e) {
    var r = canvas.getBoundingClientRect(), px = e.clientX - r.left, py = e.clientY - r.top;
    if (drag && (drag.moved || Math.abs(e.clientX - drag.x) + Math.abs(e.clientY - drag.y) > 3)) {
      view.x += e.clientX - drag.x; view.y += e.clientY - drag.y;
      drag.x = e.clientX; drag.y = e.clientY; drag.moved = true;
      show(null); draw();
      return;
    }
    var n = at(px, py);
    if (n !== hover) { hover = n; draw(); }
    show(n, px, py);
  });
  canvas.addEventListener("pointerleave", function () { hover = null; show(null); draw(); });
  function zoom(factor, px, py) {
    view.x = px - (px - view.x) * factor;
    view.y = py - (py - view.y) * factor;
    view.scale *= factor;
    draw();
  }
  canvas.addEventListener("wheel", function (e) {
    e.preventDefault();
    var r = canvas.getBoundingClientRect();
    zoom(e.deltaY < 0 ? 1.2 : 1 / 1.2, e.clientX - r.left, e.clientY - r.top);
  }, { passive: false });
  document.querySelectorAll("[data-zoom]").forEach(function (b) {
    b.addEventListener("click", function () {
      var how = b.getAttribute("data-zoom");
      if (how === "fit") { fit(); draw(); } else { zoom(how === "in" ? 1.5 : 1 / 1.5, width / 2, height / 2); }
    });
  });
  window.addEventListener("resize", function () { size(); draw(); });

  /* Search and highlight: a student's name (the tooltip up to its last " — "). */
  var find = document.getElementById("map-find");
  var result = document.getElementById("map-find-result");
  var names = document.getElementById("map-names");
  if (!find || !result) { return; }
  function nameOf(n) { var t = String(n.title || ""), i = t.lastIndexOf(" — "); return i > 0 ? t.slice(0, i) : t; }
  find.addEventListener("focus", function () {  /* the names offered, made when first wanted */
    if (!names || names.childElementCount) { return; }
    var seen = {};
    students.forEach(function (n) {
      var name = nameOf(n);
      if (seen[name]) { return; }
      seen[name] = true;
      var option = document.createElement("option");
      option.value = name;
      names.appendChild(option);
    });
  });
  function search() {
    var wanted = find.value.trim().toLowerCase();
    if (!wanted) { picked = null; draw(); result.textContent = ""; return; }
    var exact = null, prefix = null;
    students.forEach(function (n) {
      var name = nameOf(n).toLowerCase();
      if (!exact && name === wanted) { exact = n; } else if (!prefix && name.indexOf(wanted) === 0) { prefix = n; }
    });
    var hit = exact || prefix;
    if (!hit) { picked = null; draw(); result.textContent = find.getAttribute("data-missing"); return; }
    picked = hit;
    centre(hit, Math.max(view.scale, 2.5));
    draw();
    result.textContent = find.getAttribute("data-found");
    box.setAttribute("data-selected", hit.id);
  }
  find.addEventListener("change", search);
  find.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); search(); }
  });
}());
