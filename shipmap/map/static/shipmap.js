/* shipmap: popups, labels, arrows, legend and time control of a generated map.
 *
 * Safe by construction: every text that comes from a data set is put on the page
 * with textContent (never innerHTML), links are made only from http(s) URLs, and
 * the page's data arrive as JSON in a script element of type application/json, never as
 * JavaScript source.
 */
(function () {
  "use strict";

  var legs = [];
  var places = [];
  var config = null;
  var map = null;
  var routes = null;  /* the canvas of a map with many legs (routecanvas.js), or null */

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
      node.dir = "auto";  /* an English note in a Persian map reads left to right */
    }
    return node;
  }

  function safeUrl(url) {
    return typeof url === "string" && /^https?:\/\//i.test(url) ? url : null;
  }

  /* A list item is a text, an event [period, figure, unit, vessels] or a
   * route's figure [route, figure, unit]. */
  function listText(item) {
    if (!Array.isArray(item)) return item;
    if (item.length === 4) return item[0] + ": " + item[1] + " " + item[2] + (item[3] ? " (" + item[3] + ")" : "");
    return item[0] + ": " + item[1] + " " + item[2];
  }

  /* A popup is a list of blocks: {h}, {row:[label, value]}, {p}, {list:[...]},
   * {links:[[text, url], ...]}. */
  function buildPopup(blocks) {
    var root = el("div", "shipmap-popup");
    (blocks || []).forEach(function (b) {
      if (b.h !== undefined) {
        root.appendChild(el("h3", null, b.h));
      } else if (b.row) {
        var row = el("p", "shipmap-row");
        row.appendChild(el("span", "shipmap-label-key", b.row[0]));
        row.appendChild(document.createTextNode(" "));
        row.appendChild(el("span", "shipmap-value", b.row[1]));
        root.appendChild(row);
      } else if (b.fig) {
        var fig = el("p", "shipmap-figure");
        fig.appendChild(el("strong", null, b.fig[0]));
        fig.appendChild(document.createTextNode(" " + b.fig[1]));
        if (b.fig[2]) fig.appendChild(el("span", "shipmap-period", " · " + b.fig[2]));
        if (b.fig[3]) fig.appendChild(el("span", "shipmap-basis", " (" + b.fig[3] + ")"));
        root.appendChild(fig);
      } else if (b.p !== undefined) {
        root.appendChild(el("p", null, b.p));
      } else if (b.list) {
        var heading = b.title ? el("p", "shipmap-label-key", b.title) : null;
        if (heading) root.appendChild(heading);
        var ul = el("ul");
        b.list.forEach(function (item) { ul.appendChild(el("li", null, listText(item))); });
        root.appendChild(ul);
      } else if (b.links) {
        if (b.title) root.appendChild(el("p", "shipmap-label-key", b.title));
        var ol = el("ul", "shipmap-sources");
        b.links.forEach(function (pair) {
          var li = el("li");
          var url = safeUrl(pair[1]);
          if (url) {
            var a = el("a", null, pair[0]);
            a.href = url;
            a.target = "_blank";
            a.rel = "noopener noreferrer";
            li.appendChild(a);
          } else {
            li.textContent = String(pair[0]);
          }
          ol.appendChild(li);
        });
        root.appendChild(ol);
      }
    });
    return root;
  }

  function arrowIcon(angle, color) {
    var svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="18" height="18" viewBox="-9 -9 18 18" aria-hidden="true">' +
      '<path d="M -6 -6 L 6 0 L -6 6 z" fill="' + (/^#[0-9a-fA-F]{6}$/.test(color) ? color : "#333333") +
      '" stroke="#ffffff" stroke-width="1.5" transform="rotate(' + Number(angle).toFixed(1) + ')"/></svg>';
    return L.divIcon({ className: "shipmap-arrow", html: svg, iconSize: [18, 18], iconAnchor: [9, 9] });
  }

  /* The arrow sits 60% along the line, pointing the way of travel; Web
   * Mercator is conformal, so the angle holds at every zoom. */
  function addArrow(layer, color) {
    var latlngs = layer.getLatLngs();
    if (latlngs.length && Array.isArray(latlngs[0])) latlngs = [].concat.apply([], latlngs);
    if (latlngs.length < 2) return null;
    var crs = L.CRS.EPSG3857;
    var pts = latlngs.map(function (ll) { return crs.project(ll); });
    var total = 0, seg = [];
    for (var i = 1; i < pts.length; i++) { var d = pts[i].distanceTo(pts[i - 1]); seg.push(d); total += d; }
    var goal = total * 0.6, run = 0;
    for (var j = 0; j < seg.length; j++) {
      if (run + seg[j] >= goal && seg[j] > 0) {
        var f = (goal - run) / seg[j];
        var p = L.point(pts[j].x + (pts[j + 1].x - pts[j].x) * f, pts[j].y + (pts[j + 1].y - pts[j].y) * f);
        var angle = Math.atan2(-(pts[j + 1].y - pts[j].y), pts[j + 1].x - pts[j].x) * 180 / Math.PI;
        return L.marker(crs.unproject(p), { icon: arrowIcon(angle, color), interactive: false, keyboard: false });
      }
      run += seg[j];
    }
    return null;
  }

  /* Popups and views keep clear of the panels: the padding on each side of
   * the map (in pixels) is measured whenever the layout changes. */
  var pad = { top: 20, right: 20, bottom: 20, left: 20 };

  function popupOptions(width) {
    return {
      maxWidth: width,
      maxHeight: Math.max(140, Math.min(360, (map ? map.getSize().y : window.innerHeight) - pad.top - pad.bottom - 40)),
      autoPanPaddingTopLeft: L.point(pad.left, pad.top),
      autoPanPaddingBottomRight: L.point(pad.right, pad.bottom)
    };
  }

  function registerLeg(feature, layer) {
    var props = feature.properties || {};
    var title = props.label || props.id;
    var tip = el("span", null, title);
    layer.bindTooltip(tip, { sticky: true });
    layer.bindPopup(function () { return buildPopup(props.popup); }, popupOptions(340));
    var entry = { id: props.id, props: props, layer: layer, arrow: null, tip: tip, title: title };
    layer.on("add", function () { makeFocusable(layer, props.name || title); });
    var arrow = addArrow(layer, props.color);
    if (arrow) {
      entry.arrow = arrow;
      layer.on("add", function () { if (layer._map && entry.visible !== false) arrow.addTo(layer._map); });
      layer.on("remove", function () { arrow.remove(); });
    }
    legs.push(entry);
  }

  /* A leg or a place is a keyboard stop with a name that says what it is;
   * Enter or Space opens its popup, as a click does. */
  function makeFocusable(layer, name) {
    var node = layer.getElement ? layer.getElement() : layer._path;
    if (!node || node.getAttribute("data-shipmap-focus")) return;
    node.setAttribute("data-shipmap-focus", "1");
    node.setAttribute("tabindex", "0");
    node.setAttribute("role", "button");
    node.setAttribute("aria-label", name);
    node.addEventListener("keydown", function (e) {
      if (e.key !== "Enter" && e.key !== " ") return;
      e.preventDefault();
      e.stopPropagation();
      layer.openPopup();
    });
  }

  function registerPlace(feature, layer) {
    var props = feature.properties || {};
    layer.bindPopup(function () { return buildPopup(props.popup); }, popupOptions(320));
    var tip = el("span", null, props.label || props.name || props.id);
    var entry = { id: props.id, props: props, layer: layer, tip: tip, size: null, shown: false, latlng: layer.getLatLng() };
    layer.bindTooltip(tip, { permanent: true, direction: labelSides()[0], className: "shipmap-label", offset: [0, 0] });
    layer.on("add", function () { makeFocusable(layer, props.name_a11y || props.label || props.id); });
    places.push(entry);
  }

  function labelSides() {
    return document.documentElement.dir === "rtl" ? ["left", "right", "top", "bottom"] : ["right", "left", "top", "bottom"];
  }

  /* Where the panels and controls are, in the map's own pixels. */
  function controlBoxes() {
    var origin = map.getContainer().getBoundingClientRect();
    var nodes = document.querySelectorAll(".shipmap-panel, .leaflet-control, .leaflet-popup");
    var out = [];
    Array.prototype.forEach.call(nodes, function (node) {
      if (!node.getClientRects().length) return;
      var r = node.getBoundingClientRect();
      if (r.width <= 0 || r.height <= 0) return;
      out.push([r.left - origin.left, r.top - origin.top, r.right - origin.left, r.bottom - origin.top]);
    });
    Array.prototype.forEach.call(document.querySelectorAll(".shipmap-sheet[open] > .shipmap-sheet-body"), function (node) {
      var r = node.getBoundingClientRect();
      if (r.width > 0 && r.height > 0 && getComputedStyle(node).position === "fixed") {
        out.push([r.left - origin.left, r.top - origin.top, r.right - origin.left, r.bottom - origin.top]);
      }
    });
    return out;
  }

  function hits(box, boxes) {
    for (var i = 0; i < boxes.length; i++) {
      var b = boxes[i];
      if (box[0] < b[2] && b[0] < box[2] && box[1] < b[3] && b[1] < box[3]) return true;
    }
    return false;
  }

  /* A leg shorter on screen than a marker is wide (a border crossing between
   * two stations) would vanish under its markers: it is drawn above them. */
  function raiseShortLegs() {
    legs.forEach(function (leg) {
      if (!leg.layer) return;
      var b = leg.layer.getBounds();
      var a = map.latLngToLayerPoint(b.getSouthWest()), c = map.latLngToLayerPoint(b.getNorthEast());
      if (leg.layer._path && Math.max(Math.abs(c.x - a.x), Math.abs(c.y - a.y)) < 24) leg.layer.bringToFront();
    });
  }

  /* Labels: each sits beside its own marker (the reading side first, then the
   * other side, above, below) where it covers no other label, no marker and no
   * panel or control, most important places first; a label that fits nowhere
   * waits for a closer zoom. Sizes are the labels' own, measured once. */
  var LABEL_LIMIT = 400;
  function updateLabels() {
    if (!map) return;
    if (routes) {  /* the canvas draws the labels that fit; names keep clear of the panels */
      placeNames(map.getSize(), map.getZoom(), controlBoxes());
      return;
    }
    var size = map.getSize();
    var z = map.getZoom();
    var blocked = controlBoxes();
    var markers = places.map(function (p) {
      var pt = map.latLngToContainerPoint(p.layer.getLatLng());
      var r = (p.layer.options.radius || 6) + 2;
      return [pt.x - r, pt.y - r, pt.x + r, pt.y + r];
    });
    var order = places.map(function (p, i) { return i; }).sort(function (a, b) {
      return (places[a].props.label_rank || 0) - (places[b].props.label_rank || 0);
    });
    var taken = [];
    order.forEach(function (i) {
      var p = places[i];
      var lz = p.props.label_zoom;
      var wanted = p.layer._map && (places.length <= LABEL_LIMIT || (lz !== null && lz !== undefined && z >= lz));
      var tooltip = p.layer.getTooltip();
      if (!tooltip) return;
      if (!wanted) { if (p.layer.isTooltipOpen()) p.layer.closeTooltip(); p.shown = false; return; }
      if (!p.size) {
        if (!p.layer.isTooltipOpen()) p.layer.openTooltip();
        var node = tooltip.getElement();
        p.size = [node.offsetWidth, node.offsetHeight];
      }
      var pt = map.latLngToContainerPoint(p.layer.getLatLng());
      var gap = (p.layer.options.radius || 6) + 3;
      var w = p.size[0], h = p.size[1];
      var others = markers.filter(function (m, j) { return j !== i; });
      var chosen = null;
      labelSides().some(function (side) {
        var box;
        if (side === "right") box = [pt.x + gap, pt.y - h / 2, pt.x + gap + w, pt.y + h / 2];
        else if (side === "left") box = [pt.x - gap - w, pt.y - h / 2, pt.x - gap, pt.y + h / 2];
        else if (side === "top") box = [pt.x - w / 2, pt.y - gap - h, pt.x + w / 2, pt.y - gap];
        else box = [pt.x - w / 2, pt.y + gap, pt.x + w / 2, pt.y + gap + h];
        if (box[0] < 0 || box[1] < 0 || box[2] > size.x || box[3] > size.y) return false;
        if (hits(box, blocked) || hits(box, taken) || hits(box, others)) return false;
        chosen = { side: side, box: box };
        return true;
      });
      if (!chosen) { if (p.layer.isTooltipOpen()) p.layer.closeTooltip(); p.shown = false; return; }
      taken.push(chosen.box);
      var offset = chosen.side === "right" ? [gap, 0] : chosen.side === "left" ? [-gap, 0] : chosen.side === "top" ? [0, -gap] : [0, gap];
      tooltip.options.direction = chosen.side;
      tooltip.options.offset = offset;
      if (!p.layer.isTooltipOpen()) p.layer.openTooltip();
      else tooltip.update();
      p.shown = true;
    });
    placeNames(size, z, blocked.concat(taken, markers));
  }

  /* Country names of the offline basemap, in the map's language: shown only on
   * that basemap, from their cartographic zoom, and only where they cover no
   * label, marker or panel. */
  var names = [];
  function setupNames() {
    if (!config.names || !config.names.length) return;
    map.createPane("shipmap-names");
    var pane = map.getPane("shipmap-names");
    pane.style.zIndex = 390;
    pane.style.pointerEvents = "none";
    config.names.forEach(function (row) {
      var node = el("span", "shipmap-name", row[2]);
      var icon = L.divIcon({ className: "shipmap-name-icon", html: "", iconSize: null });
      var marker = L.marker([row[1], row[0]], { icon: icon, pane: "shipmap-names", interactive: false, keyboard: false });
      names.push({ marker: marker, node: node, minZoom: row[3], size: null });
    });
  }

  function offlineShown() {
    return document.documentElement.getAttribute("data-shipmap-basemap") === "offline";
  }

  function placeNames(size, z, blocked) {
    var on = offlineShown();
    var taken = [];
    names.forEach(function (n) {
      var show = on && z >= n.minZoom - 0.5;
      var pt = show ? map.latLngToContainerPoint(n.marker.getLatLng()) : null;
      if (show && !n.size) {
        n.marker.addTo(map);
        var host = n.marker.getElement();
        host.appendChild(n.node);
        n.size = [n.node.offsetWidth, n.node.offsetHeight];
      }
      var box = show ? [pt.x - n.size[0] / 2, pt.y - n.size[1] / 2, pt.x + n.size[0] / 2, pt.y + n.size[1] / 2] : null;
      if (show && (box[0] < 0 || box[1] < 0 || box[2] > size.x || box[3] > size.y || hits(box, blocked) || hits(box, taken))) show = false;
      if (show) {
        taken.push(box);
        if (!n.marker._map) { n.marker.addTo(map); n.marker.getElement().appendChild(n.node); }
      } else if (n.marker._map) {
        n.marker.remove();
      }
    });
  }

  /* A text by the CLDR plural category of a count: {one: ..., other: ...}. */
  function plural(forms, count) {
    if (typeof forms === "string") return forms;
    var category = "other";
    try { category = new Intl.PluralRules(config.lang).select(count); } catch (e) { category = "other"; }
    return forms[category] || forms.other || "";
  }

  /* Time control: which movements had been reported by the chosen month. */
  function setMonth(index) {
    var months = config.months;
    var all = index >= months.length;
    var shownLegs = 0, movements = 0;
    legs.forEach(function (leg) {
      var p = leg.props;
      var visible = true;
      if (!all) {
        if (p.event_months && p.event_months.length) {
          var count = 0;
          p.event_months.forEach(function (pair) { if (pair[0] <= index) count += pair[1]; });
          visible = count > 0;
          movements += count;
          leg.tip.textContent = leg.title + " — " + plural(config.strings.movements, count)
            .replace("{n}", config.digits(count)).replace("{month}", months[index].label);
        } else if (p.start_month !== null && p.start_month !== undefined) {
          visible = p.start_month <= index;
        } else {
          visible = false;  /* no figure at all: nothing reported by any month */
        }
      }
      if (all || !(p.event_months && p.event_months.length)) leg.tip.textContent = leg.title;
      leg.visible = visible;
      if (routes) {
        routes.faded[leg.index] = visible ? 0 : 1;
      } else {
        leg.layer.setStyle({ opacity: visible ? 0.85 : 0.12 });
        if (leg.arrow) {
          if (visible && leg.layer._map) leg.arrow.addTo(leg.layer._map);
          else leg.arrow.remove();
        }
      }
      if (visible) shownLegs += 1;
    });
    if (routes) routes.redraw();
    var out = document.getElementById("shipmap-time-value");
    if (out) {
      out.textContent = all ? config.strings.show_all : months[index].label;
    }
    var status = document.getElementById("shipmap-time-status");
    if (status) status.textContent = all ? "" : config.strings.status.replace("{legs}", config.digits(shownLegs));
    var slider = document.getElementById("shipmap-time");
    if (slider) slider.setAttribute("aria-valuetext", all ? config.strings.show_all : months[index].label);
  }

  function setupTime() {
    var slider = document.getElementById("shipmap-time");
    var button = document.getElementById("shipmap-play");
    if (!slider || !config.months.length) return;
    var timer = null;
    slider.addEventListener("input", function () { setMonth(Number(slider.value)); });
    function stop() {
      if (timer) { clearInterval(timer); timer = null; }
      button.textContent = config.strings.play;
      button.setAttribute("aria-pressed", "false");
    }
    button.addEventListener("click", function () {
      if (timer) { stop(); return; }
      if (Number(slider.value) >= config.months.length) slider.value = "0";
      button.textContent = config.strings.pause;
      button.setAttribute("aria-pressed", "true");
      setMonth(Number(slider.value));
      timer = setInterval(function () {
        var next = Number(slider.value) + 1;
        slider.value = String(next);
        setMonth(next);
        if (next >= config.months.length) stop();
      }, 700);
    });
    setMonth(Number(slider.value));
  }

  /* Leaflet drops a new view asked for while a zoom is animating, so a view
   * waits for the running zoom to end; the first view is set without animation. */
  function fitView(bounds, animate) {
    var go = function () {
      map.fitBounds(bounds, {
        paddingTopLeft: [pad.left, pad.top],
        paddingBottomRight: [pad.right, pad.bottom],
        animate: animate !== false
      });
    };
    if (map._animatingZoom) map.once("zoomend", go);
    else go();
  }

  /* Where most places lie close together (ports and a border crossing within a
   * few hundred kilometres, on a map that spans a continent), the reader gets a
   * button to zoom there and one to see every route again. */
  function detailBounds() {
    var radius = 400000;  /* metres */
    /* Places are binned in a 3-D grid of points on the unit sphere whose cells
     * are as wide as the chord of 400 km, so each place is compared only with
     * those in the 27 cells around it: near-linear, where comparing every pair
     * took seconds with a few thousand places. */
    var lls = places.map(function (p) { return p.latlng; }), n = lls.length;
    /* Two places are within the radius (along the earth) when the chord
     * between their points on the unit sphere is within its chord. */
    var chord = 2 * Math.sin(radius / L.CRS.Earth.R / 2), cell = chord * 1.001, limit = chord * chord;
    var P = new Float64Array(3 * n), C = new Int32Array(n), grid = new Map(), i, k;
    /* A cell's number: its three indices (each within ±1/cell, under 64) in one integer. */
    function key(cx, cy, cz) { return ((cx + 64) * 128 + cy + 64) * 128 + cz + 64; }
    for (i = 0; i < n; i++) {
      var la = lls[i].lat * Math.PI / 180, lo = lls[i].lng * Math.PI / 180;
      var px = Math.cos(la) * Math.cos(lo), py = Math.cos(la) * Math.sin(lo), pz = Math.sin(la);
      P[3 * i] = px; P[3 * i + 1] = py; P[3 * i + 2] = pz;
      C[i] = key(Math.floor(px / cell), Math.floor(py / cell), Math.floor(pz / cell));
      var bin = grid.get(C[i]);
      if (bin) bin.push(i); else grid.set(C[i], [i]);
    }
    /* The places within the radius of place i (itself included), counted, or
     * listed into out. */
    function near(i, out) {
      var c = C[i], count = 0, x = P[3 * i], y = P[3 * i + 1], z = P[3 * i + 2];
      for (var dx = -1; dx <= 1; dx++) for (var dy = -1; dy <= 1; dy++) for (var dz = -1; dz <= 1; dz++) {
        var bin = grid.get(c + (dx * 128 + dy) * 128 + dz);
        if (!bin) continue;
        for (var k = 0; k < bin.length; k++) {
          var q = 3 * bin[k], ex = P[q] - x, ey = P[q + 1] - y, ez = P[q + 2] - z;
          if (ex * ex + ey * ey + ez * ez <= limit) { count++; if (out) out.push(lls[bin[k]]); }
        }
      }
      return count;
    }
    /* The places of a cell and the 26 around it bound how many a place there
     * can have near it: places are counted most promising first, until no
     * bound reaches the best count found (of equal counts, the first place
     * wins, as when every place was counted). */
    var bound = new Int32Array(n), order = new Array(n);
    for (i = 0; i < n; i++) {
      var total = 0;
      for (var dx = -1; dx <= 1; dx++) for (var dy = -1; dy <= 1; dy++) for (var dz = -1; dz <= 1; dz++) {
        var cellBin = grid.get(C[i] + (dx * 128 + dy) * 128 + dz);
        if (cellBin) total += cellBin.length;
      }
      bound[i] = total;
      order[i] = i;
    }
    order.sort(function (a, b) { return bound[b] - bound[a] || a - b; });
    var best = -1, bestCount = 0;
    for (k = 0; k < n && bound[order[k]] >= bestCount; k++) {
      var count = near(order[k]);
      if (count > bestCount || (count === bestCount && order[k] < best)) { best = order[k]; bestCount = count; }
    }
    if (best < 0 || bestCount < 3 || bestCount * 2 < places.length || bestCount === places.length || !config.bounds) return null;
    var closeBy = [];
    near(best, closeBy);
    var detail = L.latLngBounds(closeBy).pad(0.25);
    var all = L.latLngBounds(config.bounds);
    var span = function (b) { return map.distance(b.getSouthWest(), b.getNorthEast()); };
    return span(all) > 4 * span(detail) ? detail : null;
  }

  var views = { all: null, detail: null, current: "all" };

  function showView(name, animate) {
    var bounds = views[name] || views.all;
    if (!bounds) return;
    views.current = views[name] ? name : "all";
    var box = document.getElementById("shipmap-views");
    if (box) box.setAttribute("data-view", views.current);
    fitView(bounds, animate);
  }

  /* The first view: every route, unless that would squeeze the places where
   * most of the story happens into a knot smaller than a thumb (where clicks
   * land on the wrong line); then those places, with the long legs leaving the
   * frame towards their far ends, and a button to see every route. */
  function firstView() {
    if (!views.detail) return "all";
    var size = map.getSize();
    var room = L.point(Math.max(size.x - pad.left - pad.right, 50), Math.max(size.y - pad.top - pad.bottom, 50));
    var z = map.getBoundsZoom(views.all, false, size.subtract(room));
    var a = map.project(views.detail.getSouthWest(), z), b = map.project(views.detail.getNorthEast(), z);
    return Math.abs(b.x - a.x) < 0.5 * room.x && Math.abs(a.y - b.y) < 0.5 * room.y ? "detail" : "all";
  }

  function setupViews() {
    views.all = config.bounds ? L.latLngBounds(config.bounds) : null;
    views.detail = views.all ? detailBounds() : null;
    var box = document.getElementById("shipmap-views");
    if (!box || !views.detail) return;
    box.hidden = false;
    box.querySelector(".shipmap-view-detail").addEventListener("click", function () { showView("detail"); });
    box.querySelector(".shipmap-view-all").addEventListener("click", function () { showView("all"); });
  }

  /* The reader cannot pan or zoom out past the offline basemap's area, so its
   * cut edge never shows. Set before the first view, which then lies inside
   * the extent from the start (Leaflet keeps a new view inside the bounds). */
  function limitToExtent() {
    if (!config.extent) return;
    var extent = L.latLngBounds(config.extent);
    var zoom = map.getBoundsZoom(extent, true);
    if (views.all) {
      /* never so tight that every route cannot be seen at once */
      extent.extend(views.all);
      zoom = Math.min(zoom, map.getBoundsZoom(views.all, false, L.point(pad.left + pad.right, pad.top + pad.bottom)));
    }
    /* A view already set (after a resize) is moved inside at once: setMaxBounds
     * alone would glide there, and a canvas map would draw the view it glides
     * from and then the one it ends on. */
    if (map._loaded) map.panInsideBounds(extent, { animate: false });
    map.setMaxBounds(extent);
    map.options.maxBoundsViscosity = 1.0;
    map.setMinZoom(zoom);
  }

  /* Layout by the map's own size: compact below 800 x 460 px. */
  var compact = null;
  function sheets() { return Array.prototype.slice.call(document.querySelectorAll(".shipmap-panel > .shipmap-sheet")); }

  function measure() {
    var root = document.documentElement;
    var box = map.getContainer().getBoundingClientRect();
    var rtl = root.dir === "rtl";
    var rect = function (sel) {
      var node = document.querySelector(sel);
      return node && node.getClientRects().length ? node.getBoundingClientRect() : null;
    };
    var title = rect(".shipmap-title"), legend = rect(".shipmap-legend"), time = rect(".shipmap-time");
    var top = Math.max(title ? title.bottom : 0, legend && compact ? legend.bottom : 0) - box.top;
    var bottom = time ? box.bottom - time.top : 0;
    root.style.setProperty("--shipmap-top", Math.max(top, 0) + "px");
    root.style.setProperty("--shipmap-bottom", Math.max(bottom, 0) + "px");
    if (compact) {
      pad = { top: top + 10, bottom: bottom + 22, left: 12, right: 12 };
      var zoom = rect(".leaflet-control-zoom");
      if (zoom) {
        if (rtl) pad.right = box.right - zoom.left + 6;
        else pad.left = zoom.right - box.left + 6;
      }
    } else {
      var start = title ? (rtl ? box.right - title.left : title.right - box.left) + 10 : 20;
      var endEdge = [legend, time].filter(Boolean).map(function (r) { return rtl ? r.right - box.left : box.right - r.left; });
      var end = endEdge.length ? Math.max.apply(null, endEdge) + 10 : 20;
      pad = { top: 20, bottom: 34, left: rtl ? end : start, right: rtl ? start : end };
    }
    legs.concat(places).forEach(function (entry) {
      if (!entry.layer) return;
      var popup = entry.layer.getPopup();
      if (popup) L.setOptions(popup, popupOptions(popup.options.maxWidth));
    });
  }

  function layout() {
    var size = map.getContainer().getBoundingClientRect();
    var now = size.width < 800 || size.height < 460;
    var changed = now !== compact;
    compact = now;
    document.documentElement.classList.toggle("shipmap-compact", compact);
    if (changed) {
      /* Compact: the table opens inside the key figures' sheet, so that the
       * title bar keeps room for the title. */
      var table = document.getElementById("shipmap-table");
      var summary = document.getElementById("shipmap-summary");
      if (table && summary) {
        if (compact) summary.querySelector(".shipmap-sheet-body").appendChild(table);
        else summary.parentNode.insertBefore(table, summary.nextSibling);
      }
      sheets().forEach(function (d) {
        d.open = !compact && (d.id === "shipmap-summary" || d.id === "shipmap-legend");
      });
    }
    measure();
    return changed;
  }

  function setupSheets() {
    Array.prototype.forEach.call(document.querySelectorAll(".shipmap-sheet"), function (d) {
      d.addEventListener("toggle", function () {
        if (compact && d.open && sheets().indexOf(d) >= 0) {
          sheets().forEach(function (o) { if (o !== d) o.open = false; });
          map.closePopup();
        }
        updateLabels();
      });
    });
    document.addEventListener("keydown", function (e) {
      if (e.key !== "Escape" || !compact) return;
      sheets().forEach(function (d) {
        if (d.open) { d.open = false; var s = d.querySelector("summary"); if (s) s.focus(); }
      });
    });
  }

  /* A map with many legs: legs and places come as compact tables drawn on one
   * canvas; each gets a light entry here, so that the time control, the views
   * and the search work on both kinds of map alike. */
  /* The tables' bytes: base64 and zlib undone by the browser's own decoders
   * where it has them (native, and the inflating off the page's script), else
   * by script (atob, fflate). */
  function unpack(packed) {
    var raw;
    if (typeof Uint8Array.fromBase64 === "function") {
      raw = Uint8Array.fromBase64(packed);
    } else {
      var bytes = atob(packed);
      raw = new Uint8Array(bytes.length);
      for (var b = 0; b < bytes.length; b++) raw[b] = bytes.charCodeAt(b);
    }
    if (typeof DecompressionStream !== "function" || typeof Response !== "function") {
      return Promise.resolve(window.fflate.unzlibSync(raw));
    }
    /* (A Response over the bytes, not a Blob: a Blob's bytes go to the browser's
     * blob store and are read back from it.) */
    var stream = new Response(raw).body.pipeThrough(new DecompressionStream("deflate"));
    return new Response(stream).arrayBuffer().then(function (buffer) { return new Uint8Array(buffer); });
  }

  var canvasReady = null;  /* a promise kept once a canvas map's tables are read */

  function useCanvas(leafletMap, id) {
    map = leafletMap;
    /* Deflated: the tables' JSON (its length first), then the lines' bytes; as
     * base64 in {"packed": "..."}, read as a slice of the text where it is just
     * that (no JSON parse and copy of megabytes of base64). */
    var text = document.getElementById(id).textContent, head = '{"packed":"';
    var packed = text.lastIndexOf(head, 0) === 0 && text.slice(-2) === '"}' && text.indexOf('"', head.length) === text.length - 2
      ? text.slice(head.length, -2) : JSON.parse(text).packed;
    canvasReady = unpack(packed).then(function (all) { startCanvas(all); });
  }

  /* A canvas leg's properties as the time control reads them: its dated
   * movements ([month, count] pairs) made from the flat table when first read
   * (the time control reads none while it shows every month). */
  function CanvasLegProps(table, l, at) {
    this.start_month = table.start_month[l];
    this._table = table; this._leg = l; this._at = at; this._months = null;
  }
  Object.defineProperty(CanvasLegProps.prototype, "event_months", {
    get: function () {
      if (!this._months) {
        var t = this._table, out = [];
        for (var k = 0, at = this._at; k < t.months_n[this._leg]; k++, at += 2) out.push([t.months[at], t.months[at + 1]]);
        this._months = out;
      }
      return this._months;
    }
  });

  function startCanvas(all) {
    var head = (all[0] | (all[1] << 8) | (all[2] << 16) | (all[3] << 24)) >>> 0;
    var data = JSON.parse(new TextDecoder().decode(all.subarray(4, 4 + head)));
    data.bin = all.subarray(4 + head);
    routes = window.shipmapRouteCanvas(data);
    var t = data.legs, at = 0;
    for (var l = 0; l < t.id.length; l++) {
      var title = routes.legTitle(l);
      legs.push({ id: t.id[l], index: l, title: title, tip: { textContent: title }, props: new CanvasLegProps(t, l, at) });
      at += 2 * t.months_n[l];
    }
    for (var i = 0; i < data.places.id.length; i++) {
      places.push({ id: data.places.id[i], index: i, latlng: routes.latLngOfPlace(i),
                    props: { label_zoom: data.places.label_zoom[i] } });
    }
    routes.tips = legs;
    routes.on("pick", function (e) {
      if (e.place !== undefined) openPlace(e.place, e.latlng);
      else if (e.corridor !== undefined) openCorridor(e.band, e.corridor, e.latlng);
      else openLeg(e.leg, e.latlng);
    });
    routes.ui = data.ui || {};
  }

  function openLeg(l, latlng) {
    var at = latlng || routes.legBounds(l).getCenter();
    L.popup(popupOptions(340)).setLatLng(at).setContent(buildPopup(routes.legBlocks(l))).openOn(map);
  }

  /* A corridor: how many routes, their figures summed per unit, the largest
   * routes (each a button opening its own popup); one route opens as itself. */
  function openCorridor(band, e, latlng) {
    var info = routes.corridorInfo(band, e, 5), ui = routes.ui || {};
    if (info.legs.length === 1) { openLeg(info.legs[0], latlng); return; }
    var names = routes.unitNames(), format = new Intl.NumberFormat(config.lang, { maximumFractionDigits: 1 });
    var root = el("div", "shipmap-popup shipmap-corridor");
    root.appendChild(el("h3", null, (ui.corridor || "{n}").replace("{n}", format.format(info.legs.length))));
    if (info.units.length) {
      root.appendChild(el("p", "shipmap-label-key", ui.corridor_sum));
      var sums = el("ul", "shipmap-corridor-sums");
      info.units.forEach(function (u, k) {
        var li = el("li");
        li.appendChild(el("strong", "shipmap-corridor-sum", format.format(info.sums[k])));
        li.appendChild(document.createTextNode(" " + (names[u] || "")));
        sums.appendChild(li);
      });
      root.appendChild(sums);
      root.appendChild(el("p", "shipmap-label-key", ui.corridor_top));
      var top = el("ul", "shipmap-corridor-top");
      info.top.forEach(function (t) {
        var li = el("li"), button = el("button", "shipmap-corridor-leg", routes.legTitle(t.leg));
        button.type = "button";
        button.addEventListener("click", function () { openLeg(t.leg, latlng); });
        li.appendChild(button);
        if (t.value !== null && t.value !== undefined) {
          li.appendChild(document.createTextNode(": " + format.format(t.value) + " " + (names[t.unit] || "")));
        }
        top.appendChild(li);
      });
      root.appendChild(top);
    }
    root.appendChild(el("p", "shipmap-corridor-zoom", ui.corridor_zoom));
    L.popup(popupOptions(340)).setLatLng(latlng).setContent(root).openOn(map);
  }

  function openPlace(i, latlng) {
    var at = latlng || routes.latLngOfPlace(i);
    L.popup(L.extend(popupOptions(320), { offset: L.point(0, -4) }))
      .setLatLng(at).setContent(buildPopup(routes.placeBlocks(i))).openOn(map);
  }

  /* Search: a place by its name, or a ship, whose legs are then shown alone. */
  function setupSearch(data) {
    var ui = data.ui || {};
    var rtl = document.documentElement.dir === "rtl";
    var control = L.control({ position: rtl ? "bottomright" : "bottomleft" });
    control.onAdd = function () {
      var box = L.DomUtil.create("div", "leaflet-bar shipmap-search");
      var form = L.DomUtil.create("form", "", box);
      form.setAttribute("role", "search");
      var input = L.DomUtil.create("input", "", form);
      input.type = "search";
      input.id = "shipmap-search";
      input.placeholder = ui.search || "";
      input.setAttribute("aria-label", ui.search || "");
      input.setAttribute("list", "shipmap-search-list");
      input.setAttribute("autocomplete", "off");
      var list = L.DomUtil.create("datalist", "", form);
      list.id = "shipmap-search-list";
      /* Filter by unit: only the routes with a figure in the unit chosen. */
      var names = routes.unitNames();
      if (names.length > 1) {
        var row = L.DomUtil.create("label", "shipmap-unit", box);
        var caption = L.DomUtil.create("span", "", row);
        caption.textContent = ui.unit_filter || "";
        var select = L.DomUtil.create("select", "", row);
        select.id = "shipmap-unit";
        var any = document.createElement("option");
        any.value = "";
        any.textContent = ui.unit_any || "";
        select.appendChild(any);
        names.forEach(function (name, u) {
          var option = document.createElement("option");
          option.value = String(u);
          option.textContent = name;
          select.appendChild(option);
        });
        select.addEventListener("change", function () { routes.setUnit(select.value); });
      }
      var status = L.DomUtil.create("p", "shipmap-search-status", box);
      status.setAttribute("aria-live", "polite");
      var clear = L.DomUtil.create("button", "", box);
      clear.type = "button";
      clear.textContent = ui.clear || "×";
      clear.hidden = true;
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      var filled = false;
      input.addEventListener("focus", function () {
        if (filled) return;  /* the list is made when first needed */
        filled = true;
        var seen = {};
        routes.searchNames().forEach(function (name) {
          if (seen[name]) return;
          seen[name] = true;
          var option = document.createElement("option");
          option.value = name;
          list.appendChild(option);
        });
      });
      function reset() {
        routes.only = null;
        routes.redraw();
        status.textContent = "";
        clear.hidden = true;
      }
      function go() {
        var found = routes.find(input.value);
        if (!found) { reset(); if (input.value.trim()) status.textContent = ui.not_found || ""; return; }
        if (found.place !== undefined) {
          /* A place: its popup, and only the routes that start, end or stop there. */
          var through = routes.legsThrough(found.place);
          routes.only = through;
          routes.redraw();
          var ll = routes.latLngOfPlace(found.place);
          map.setView(ll, Math.max(map.getZoom(), 6), { animate: false });
          openPlace(found.place, ll);
          status.textContent = (ui.place_routes || "{n}").replace("{n}", config.digits(through.size))
            .replace("{place}", routes.placeTitle(found.place));
          clear.hidden = false;
        } else {
          map.closePopup();
          routes.only = found.legs;
          routes.redraw();
          var bounds = null;
          found.legs.forEach(function (l) {
            var b = routes.legBounds(l);
            bounds = bounds ? bounds.extend(b) : b;
          });
          if (bounds) fitView(bounds);
          status.textContent = (ui.ship_routes || "{n}").replace("{n}", config.digits(found.legs.size)).replace("{ship}", found.name);
          clear.hidden = false;
        }
      }
      form.addEventListener("submit", function (e) { e.preventDefault(); go(); });
      /* Picking a name from the list goes there at once. */
      input.addEventListener("input", function (e) { if (e.inputType === "insertReplacementText") go(); });
      clear.addEventListener("click", function () { input.value = ""; reset(); input.focus(); });
      return box;
    };
    control.addTo(map);
  }

  function modeLayer(mode, layer) {
    layer.on("add", function () { if (routes) { routes.hiddenMode[mode] = false; routes.redraw(); } });
    layer.on("remove", function () { if (routes) { routes.hiddenMode[mode] = true; routes.redraw(); } });
  }

  function init(leafletMap) {
    /* A canvas map starts once its tables are read. */
    if (canvasReady) {
      canvasReady.then(function () { start(leafletMap); })
        .catch(function (e) { setTimeout(function () { throw e; }, 0); });  /* reported as the page's error */
    }
    else start(leafletMap);
  }

  function start(leafletMap) {
    map = leafletMap;
    var node = document.getElementById("shipmap-config");
    config = JSON.parse(node.textContent);
    var digits = config.digits_chars;
    config.digits = function (n) {
      return String(n).replace(/[0-9]/g, function (d) { return digits.charAt(Number(d)); });
    };
    /* The panels come first in the page, so first in the keyboard's order. */
    var ui = document.getElementById("shipmap-ui");
    var container = map.getContainer();
    if (ui && container.parentNode) container.parentNode.insertBefore(ui, container);
    layout();
    setupNames();
    map.on("baselayerchange", function (e) {
      document.documentElement.setAttribute("data-shipmap-basemap", e.layer instanceof L.TileLayer ? "tiles" : "offline");
      updateLabels();
    });
    new MutationObserver(function () { updateLabels(); })
      .observe(document.documentElement, { attributes: true, attributeFilter: ["data-shipmap-basemap"] });
    var toggle = document.querySelector(".leaflet-control-layers-toggle");
    if (toggle) { toggle.setAttribute("aria-label", config.strings.basemap); toggle.setAttribute("title", config.strings.basemap); }
    var heading = document.getElementById("shipmap-h1");
    if (heading) container.setAttribute("aria-label", heading.textContent);
    setupViews();
    if (routes) setupSearch(routes);
    setupSheets();
    /* The map has no view until here (render.py): its layers are drawn once,
     * for the first view, set inside the extent. */
    limitToExtent();
    showView(firstView(), false);
    if (!map._loaded) map.setView([0, 0], 1);  /* nothing to frame: the world */
    if (!routes) {  /* (a canvas map draws in its own order) */
      /* Thin lines over thick ones, so that a small flow beside a big one shows. */
      legs.slice().sort(function (a, b) { return (b.props.weight || 0) - (a.props.weight || 0); })
        .forEach(function (leg) { if (leg.layer && leg.layer._path) leg.layer.bringToFront(); });
      places.forEach(function (p) { if (p.layer && p.layer._path) p.layer.bringToFront(); });
      map.on("zoomend", raiseShortLegs);
      raiseShortLegs();
    }
    map.on("zoomend moveend", updateLabels);
    map.on("popupopen popupclose", function () { setTimeout(updateLabels, 0); });
    var pending = null;
    window.addEventListener("resize", function () {
      clearTimeout(pending);
      pending = setTimeout(function () {
        map.invalidateSize(false);
        map.setMinZoom(0);
        if (layout()) showView(firstView(), false);
        limitToExtent();
        updateLabels();
      }, 100);
    });
    updateLabels();
    setupTime();
    /* A canvas map's routes go on the map last, once its view and filters are
     * set: the first picture is drawn once, for the view the reader sees. */
    if (routes && !map.hasLayer(routes)) map.addLayer(routes);
    /* Ready once the map is drawn (a canvas map draws a big view over a few tasks). */
    var ready = function () { document.documentElement.setAttribute("data-shipmap-ready", "true"); };
    if (routes) routes.whenDrawn().then(ready); else ready();
  }

  /* A dark gap: a tooltip and a popup, nothing else (no arrow, no time control). */
  function registerGap(feature, layer) {
    var props = feature.properties || {};
    layer.bindTooltip(el("span", null, props.label || ""), { sticky: true });
    layer.bindPopup(function () { return buildPopup(props.popup); }, popupOptions(320));
  }

  window.shipmap = {
    registerGap: registerGap,
    registerLeg: registerLeg,
    registerPlace: registerPlace,
    init: init,
    useCanvas: useCanvas,
    modeLayer: modeLayer,
    openLeg: function (id) {
      var entry = legs.find(function (e) { return e.id === id; });
      if (entry && routes) openLeg(entry.index); else if (entry) entry.layer.openPopup();
    },
    openPlace: function (id) {
      var entry = places.find(function (e) { return e.id === id; });
      if (entry && routes) openPlace(entry.index); else if (entry) entry.layer.openPopup();
    },
    routes: function () { return routes; },
    map: function () { return map; },
    setMonth: function (i) { setMonth(i); },
    legs: legs,
    places: places,
    names: names,
    update: function () { updateLabels(); }
  };
})();
