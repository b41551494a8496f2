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

  /* Popups keep clear of the panels: padding is measured once the page is laid out. */
  var panelPadding = { start: 20, end: 20 };

  function popupOptions(width) {
    var rtl = document.documentElement.dir === "rtl";
    var left = rtl ? panelPadding.end : panelPadding.start;
    var right = rtl ? panelPadding.start : panelPadding.end;
    return {
      maxWidth: width,
      maxHeight: Math.max(180, Math.min(360, window.innerHeight - 160)),
      autoPanPaddingTopLeft: L.point(left, 20),
      autoPanPaddingBottomRight: L.point(right, 20)
    };
  }

  function registerLeg(feature, layer) {
    var props = feature.properties || {};
    var title = props.label || props.id;
    var tip = el("span", null, title);
    layer.bindTooltip(tip, { sticky: true });
    layer.bindPopup(function () { return buildPopup(props.popup); }, popupOptions(340));
    var entry = { id: props.id, props: props, layer: layer, arrow: null, tip: tip, title: title };
    var arrow = addArrow(layer, props.color);
    if (arrow) {
      entry.arrow = arrow;
      layer.on("add", function () { if (layer._map && entry.visible !== false) arrow.addTo(layer._map); });
      layer.on("remove", function () { arrow.remove(); });
    }
    legs.push(entry);
  }

  function registerPlace(feature, layer) {
    var props = feature.properties || {};
    var side = document.documentElement.dir === "rtl" ? "left" : "right";
    layer.bindPopup(function () { return buildPopup(props.popup); }, popupOptions(320));
    var tip = el("span", null, props.label || props.name || props.id);
    var entry = { id: props.id, props: props, layer: layer, tip: tip, latlng: layer.getLatLng() };
    if (props.label_zoom !== null && props.label_zoom !== undefined) {
      layer.bindTooltip(tip, { permanent: true, direction: side, className: "shipmap-label", offset: [side === "left" ? -6 : 6, 0] });
    } else {
      layer.bindTooltip(tip, { direction: side });
    }
    places.push(entry);
  }

  function updateLabels() {
    if (routes) return;  /* the canvas draws the labels that fit */
    var z = map.getZoom();
    places.forEach(function (p) {
      var lz = p.props.label_zoom;
      if (lz === null || lz === undefined) return;
      var tooltip = p.layer.getTooltip();
      if (!tooltip) return;
      var shown = z >= lz;
      if (shown && !p.layer.isTooltipOpen()) p.layer.openTooltip();
      if (!shown && p.layer.isTooltipOpen()) p.layer.closeTooltip();
    });
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
          leg.tip.textContent = leg.title + " — " + config.strings.movements
            .replace("{n}", config.digits(count)).replace("{month}", months[index].label);
        } else if (p.start_month !== null && p.start_month !== undefined) {
          visible = p.start_month <= index;
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
    var rtl = document.documentElement.dir === "rtl";
    var go = function () {
      map.fitBounds(bounds, {
        paddingTopLeft: [rtl ? panelPadding.end : panelPadding.start, 20],
        paddingBottomRight: [rtl ? panelPadding.start : panelPadding.end, 20],
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
    var lls = places.map(function (p) { return p.latlng; });
    var cell = 2 * Math.sin(radius / 6371008.8 / 2) * 1.001, grid = {};
    function coords(ll) {
      var la = ll.lat * Math.PI / 180, lo = ll.lng * Math.PI / 180;
      return [Math.floor(Math.cos(la) * Math.cos(lo) / cell), Math.floor(Math.cos(la) * Math.sin(lo) / cell), Math.floor(Math.sin(la) / cell)];
    }
    lls.forEach(function (ll, i) {
      var key = coords(ll).join(":");
      (grid[key] = grid[key] || []).push(i);
    });
    function near(ll) {
      var out = [], c = coords(ll);
      for (var dx = -1; dx <= 1; dx++) for (var dy = -1; dy <= 1; dy++) for (var dz = -1; dz <= 1; dz++) {
        var bin = grid[(c[0] + dx) + ":" + (c[1] + dy) + ":" + (c[2] + dz)];
        if (!bin) continue;
        for (var k = 0; k < bin.length; k++) if (map.distance(ll, lls[bin[k]]) <= radius) out.push(lls[bin[k]]);
      }
      return out;
    }
    var best = null, bestCount = 0;
    lls.forEach(function (here) {
      var count = near(here).length;
      if (count > bestCount) { best = here; bestCount = count; }
    });
    if (!best || bestCount < 3 || bestCount === places.length || !config.bounds) return null;
    var detail = L.latLngBounds(near(best)).pad(0.25);
    var all = L.latLngBounds(config.bounds);
    var span = function (b) { return map.distance(b.getSouthWest(), b.getNorthEast()); };
    return span(all) > 4 * span(detail) ? detail : null;
  }

  function setupViews() {
    var box = document.getElementById("shipmap-views");
    var detail = detailBounds();
    if (!box || !detail) return;
    box.hidden = false;
    box.querySelector(".shipmap-view-detail").addEventListener("click", function () { fitView(detail); });
    box.querySelector(".shipmap-view-all").addEventListener("click", function () {
      fitView(L.latLngBounds(config.bounds));
    });
  }

  /* A map with many legs: legs and places come as compact tables drawn on one
   * canvas; each gets a light entry here, so that the time control, the views
   * and the search work on both kinds of map alike. */
  function useCanvas(leafletMap, id) {
    map = leafletMap;
    var packed = JSON.parse(document.getElementById(id).textContent).zlib;
    var bytes = atob(packed), raw = new Uint8Array(bytes.length);
    for (var b = 0; b < bytes.length; b++) raw[b] = bytes.charCodeAt(b);
    var data = JSON.parse(new TextDecoder().decode(window.fflate.unzlibSync(raw)));
    routes = window.shipmapRouteCanvas(data);
    var t = data.legs, at = 0;
    for (var l = 0; l < t.id.length; l++) {
      var pairs = [];
      for (var k = 0; k < t.months_n[l]; k++, at += 2) pairs.push([t.months[at], t.months[at + 1]]);
      var title = routes.legTitle(l);
      legs.push({ id: t.id[l], index: l, title: title, tip: { textContent: title },
                  props: { event_months: pairs, start_month: t.start_month[l] } });
    }
    for (var i = 0; i < data.places.id.length; i++) {
      places.push({ id: data.places.id[i], index: i, latlng: routes.latLngOfPlace(i),
                    props: { label_zoom: data.places.label_zoom[i] } });
    }
    routes.tips = legs;
    routes.on("pick", function (e) {
      if (e.place !== undefined) openPlace(e.place, e.latlng);
      else openLeg(e.leg, e.latlng);
    });
    map.addLayer(routes);
    routes.ui = data.ui || {};
  }

  function openLeg(l, latlng) {
    var at = latlng || routes.legBounds(l).getCenter();
    L.popup(popupOptions(340)).setLatLng(at).setContent(buildPopup(routes.legBlocks(l))).openOn(map);
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
          reset();
          var ll = routes.latLngOfPlace(found.place);
          map.setView(ll, Math.max(map.getZoom(), 6), { animate: false });
          openPlace(found.place, ll);
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
    map = leafletMap;
    var node = document.getElementById("shipmap-config");
    config = JSON.parse(node.textContent);
    var digits = config.digits_chars;
    config.digits = function (n) {
      return String(n).replace(/[0-9]/g, function (d) { return digits.charAt(Number(d)); });
    };
    var rtl = document.documentElement.dir === "rtl";
    var title = document.querySelector(".shipmap-title");
    var legend = document.querySelector(".shipmap-legend");
    if (title && window.innerWidth > 700) {
      var t = title.getBoundingClientRect();
      panelPadding.start = rtl ? window.innerWidth - t.left + 10 : t.right + 10;
    }
    if (legend && window.innerWidth > 1000) {
      var l = legend.getBoundingClientRect();
      panelPadding.end = rtl ? l.right + 10 : window.innerWidth - l.left + 10;
    }
    legs.concat(places).forEach(function (entry) {
      if (!entry.layer) return;
      var popup = entry.layer.getPopup();
      if (popup) L.setOptions(popup, popupOptions(popup.options.maxWidth));
    });
    if (config.bounds) fitView(config.bounds, false);
    setupViews();
    if (routes) setupSearch(routes);
    if (window.innerWidth <= 600) {
      ["shipmap-summary", "shipmap-legend"].forEach(function (id) {
        var d = document.getElementById(id);
        if (d) d.open = false;
      });
    }
    map.on("zoomend", updateLabels);
    updateLabels();
    setupTime();
    document.documentElement.setAttribute("data-shipmap-ready", "true");
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
    places: places
  };
})();
