// proofshot web UI: the map's loading, pan and zoom, and links from its hosts to their pages.
// No inline script anywhere (the Content-Security-Policy forbids it); htmx does the rest.
"use strict";

(function () {
  function initMap(box) {
    var targets = new Set((box.dataset.targets || "").split("\n").filter(Boolean));
    var sid = box.dataset.snapshot;
    fetch(box.dataset.src, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (text) {
        var doc = new DOMParser().parseFromString(text, "image/svg+xml");
        var svg = doc.documentElement;
        if (svg.nodeName !== "svg") { throw new Error("not an SVG"); }
        // nothing active from the drawing: no scripts, no handlers, no links of its own
        svg.querySelectorAll("script, foreignObject").forEach(function (n) { n.remove(); });
        svg.querySelectorAll("*").forEach(function (n) {
          Array.from(n.attributes).forEach(function (a) {
            if (/^on/i.test(a.name) || /href$/i.test(a.name)) { n.removeAttribute(a.name); }
          });
        });
        svg = document.importNode(svg, true);
        svg.removeAttribute("width");
        svg.removeAttribute("height");
        box.textContent = "";
        box.appendChild(svg);
        linkHosts(svg, targets, sid);
        panZoom(box, svg);
      })
      .catch(function (e) { box.textContent = "map could not be drawn: " + e.message; });
  }

  function linkHosts(svg, targets, sid) {
    svg.querySelectorAll("g.node, g.cluster").forEach(function (g) {
      var t = g.querySelector("title");
      var name = t ? t.textContent : "";
      if (g.classList.contains("cluster")) {
        var label = g.querySelector("text");
        name = label ? label.textContent : "";
      }
      if (!targets.has(name)) { return; }
      g.classList.add("host-link");
      g.setAttribute("role", "link");
      g.setAttribute("tabindex", "0");
      g.setAttribute("data-target", name);
      var go = function () {
        window.location.href = "/targets/" + encodeURIComponent(name) + "?snapshot=" + sid;
      };
      g.addEventListener("click", function (ev) { if (!g.dataset.dragged) { go(); } ev.stopPropagation(); });
      g.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { go(); } });
    });
  }

  function panZoom(box, svg) {
    var vb = svg.viewBox.baseVal;
    var full = { x: vb.x, y: vb.y, w: vb.width, h: vb.height };
    var view = Object.assign({}, full);
    function apply() { svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].join(" ")); }
    function zoom(f, cx, cy) {
      if (f === 0) { view = Object.assign({}, full); apply(); return; }
      var nw = view.w / f, nh = view.h / f;
      view.x += (view.w - nw) * cx; view.y += (view.h - nh) * cy;
      view.w = nw; view.h = nh; apply();
    }
    box.addEventListener("wheel", function (ev) {
      ev.preventDefault();
      var r = box.getBoundingClientRect();
      zoom(ev.deltaY < 0 ? 1.2 : 1 / 1.2, (ev.clientX - r.left) / r.width, (ev.clientY - r.top) / r.height);
    }, { passive: false });
    var drag = null;
    box.addEventListener("pointerdown", function (ev) {
      drag = { x: ev.clientX, y: ev.clientY, vx: view.x, vy: view.y, moved: false };
    });
    window.addEventListener("pointermove", function (ev) {
      if (!drag) { return; }
      var r = box.getBoundingClientRect();
      var dx = (ev.clientX - drag.x) * view.w / r.width, dy = (ev.clientY - drag.y) * view.h / r.height;
      if (Math.abs(ev.clientX - drag.x) + Math.abs(ev.clientY - drag.y) > 4) { drag.moved = true; }
      view.x = drag.vx - dx; view.y = drag.vy - dy; apply();
    });
    window.addEventListener("pointerup", function (ev) {
      if (drag && drag.moved) {
        var g = ev.target.closest && ev.target.closest(".host-link");
        if (g) { g.dataset.dragged = "1"; setTimeout(function () { delete g.dataset.dragged; }, 0); }
      }
      drag = null;
    });
    document.querySelectorAll("[data-zoom]").forEach(function (b) {
      b.addEventListener("click", function () { zoom(parseFloat(b.dataset.zoom), 0.5, 0.5); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".map[data-src]").forEach(initMap);
    // htmx requests carry the session's CSRF token (every write checks it)
    document.body.addEventListener("htmx:configRequest", function (ev) {
      var t = document.body.dataset.csrf;
      if (t) { ev.detail.headers["X-CSRF-Token"] = t; }
    });
    document.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape") { var r = document.getElementById("search-results"); if (r) { r.textContent = ""; } }
    });
  });
})();
