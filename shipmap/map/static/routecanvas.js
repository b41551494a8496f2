/* shipmap: thousands of legs and places drawn on one canvas.
 *
 * The page carries its legs as compact tables (see shipmap/map/canvas.py): lines
 * quantised to Web Mercator units, delta-encoded as base64 varints, with a
 * simplified copy per zoom band; popups as blocks whose texts are indices into
 * one table of strings, turned into DOM nodes only when a popup opens. One
 * canvas (a Leaflet renderer, so zoom animation and panning behave as for any
 * vector layer) draws the legs, their arrows, the places and the labels that
 * fit at the current zoom. A static R-tree (Flatbush) of the legs' boxes finds
 * what is under the pointer; the leg closest to it, within its width and a few
 * pixels, opens its popup.
 *
 * Nothing from the data set is ever markup: texts go through textContent (the
 * popup builder) or fillText (labels).
 */
(function () {
  "use strict";

  var ARROW_MIN_PX = 48;   /* a leg shorter than this on screen gets no arrow */
  var LABEL_MAX = 400;     /* labels drawn at most at once */
  var HIT_PX = 4;          /* pointer tolerance beyond a line's half width */
  var SLICE_MS = 40;       /* drawing (and rasterising) a slice of the legs takes about this */
  var FIRST_RATE = 2000;   /* cost drawn per ms, until measured */

  /* Varints from the bytes after the tables: ref is [offset, length] into bin.
   * Every value the tables hold fits 31 bits (units of a 2^22 grid, counts). */
  function varints(bin, ref) {
    var s = ref ? bin.subarray(ref[0], ref[0] + ref[1]) : new Uint8Array(0);
    var n = s.length, out = new Int32Array(n), k = 0, v = 0, shift = 0;
    for (var i = 0; i < n; i++) {
      var c = s[i];
      v |= (c & 127) << shift;
      if (c < 128) { out[k++] = v; v = 0; shift = 0; } else { shift += 7; }
    }
    return out.subarray(0, k);
  }

  function unzig(v) { return (v >>> 1) ^ -(v & 1); }

  /* Decoding runs in steps: what the first picture does not need is decoded in
   * idle moments after it, a few milliseconds at a time. A decoder's next()
   * decodes one run of legs (or of nodes, edges), {done: true} once all are,
   * when it has called done(result); finish() runs one to its end at once.
   * (Plain functions per run, not generators: V8 optimises a long loop of a
   * plain function while it runs, never a generator's.) */
  var STEP = 256;  /* legs between steps; nodes and edges, 16 times as many */

  function finish(decoder) { while (!decoder.next().done) { /* next run */ } }

  function stepper(runs, done) {
    var k = 0;
    return {
      next: function () {
        if (k < runs.length) runs[k++]();
        if (k < runs.length) return { done: false };
        if (done) { done(); done = null; }
        return { done: true };
      }
    };
  }

  /* Runs [0, n) cut into pieces of size, each a call of f(from, to). */
  function pieces(n, size, f) {
    var out = [];
    for (var a = 0; a < n; a += size) out.push(f.bind(null, a, Math.min(n, a + size)));
    return out;
  }

  /* Lines: full-resolution points, per-band index lists, boxes, arrows; the
   * points' varints read straight from the bytes, a run of legs at a time. */
  function lineDecoder(g, bin, done) {
    var count = g.n.length, start = new Int32Array(count + 1), l;
    for (l = 0; l < count; l++) start[l + 1] = start[l] + g.n[l];
    var total = start[count];
    var st = {
      start: start, X: new Float64Array(total), Y: new Float64Array(total),
      xy: g.xy ? bin.subarray(g.xy[0], g.xy[0] + g.xy[1]) : new Uint8Array(0), at: 0, x: 0, y: 0,
      bands: g.band.map(function (b) {
        var size = 0;
        for (var q = 0; q < count; q++) size += b.n[q];
        return { idx: new Int32Array(size), start: new Int32Array(count + 1), n: b.n, p: 0, at: 0,
                 bytes: b.i ? bin.subarray(b.i[0], b.i[0] + b.i[1]) : new Uint8Array(0) };
      }),
      box: new Float64Array(4 * count), arrow: new Float64Array(3 * count)
    };
    return stepper(pieces(count, STEP, function (a, b) { decodeLegs(st, a, b); }), function () {
      st.bands.forEach(function (b) { b.start[count] = b.p; });
      done({ count: count, X: st.X, Y: st.Y, start: start, zooms: g.bands, box: st.box, arrow: st.arrow,
             bands: st.bands.map(function (b) { return { idx: b.idx, start: b.start }; }) });
    });
  }

  function decodeLegs(st, from, to) {
    var start = st.start, X = st.X, Y = st.Y, xy = st.xy, at = st.at, x = st.x, y = st.y;
    var bands = st.bands, box = st.box, arrow = st.arrow, i, l, m, k, v, c, shift;
    for (l = from; l < to; l++) {
      for (i = start[l]; i < start[l + 1]; i++) {
        v = 0; shift = 0;
        do { c = xy[at++]; v |= (c & 127) << shift; shift += 7; } while (c >= 128);
        x += unzig(v);
        v = 0; shift = 0;
        do { c = xy[at++]; v |= (c & 127) << shift; shift += 7; } while (c >= 128);
        y += unzig(v);
        X[i] = x; Y[i] = y;
      }
      for (m = 0; m < bands.length; m++) {
        var band = bands[m], bytes = band.bytes, acc = 0;
        band.start[l] = band.p;
        for (k = 0; k < band.n[l]; k++) {
          v = 0; shift = 0;
          do { c = bytes[band.at++]; v |= (c & 127) << shift; shift += 7; } while (c >= 128);
          acc += v;
          band.idx[band.p++] = start[l] + acc;
        }
      }
      var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity, len = 0;
      for (i = start[l]; i < start[l + 1]; i++) {
        if (X[i] < x0) x0 = X[i]; if (X[i] > x1) x1 = X[i];
        if (Y[i] < y0) y0 = Y[i]; if (Y[i] > y1) y1 = Y[i];
        if (i > start[l]) len += Math.sqrt((X[i] - X[i - 1]) * (X[i] - X[i - 1]) + (Y[i] - Y[i - 1]) * (Y[i] - Y[i - 1]));
      }
      box[4 * l] = x0; box[4 * l + 1] = y0; box[4 * l + 2] = x1; box[4 * l + 3] = y1;
      /* The arrow sits 60% along the line, pointing the way of travel; Web
       * Mercator is conformal, so the angle holds at every zoom. */
      var goal = len * 0.6, run = 0;
      arrow[3 * l] = NaN;
      for (i = start[l] + 1; i < start[l + 1]; i++) {
        var dx = X[i] - X[i - 1], dy = Y[i] - Y[i - 1], d = Math.sqrt(dx * dx + dy * dy);
        if (run + d >= goal && d > 0) {
          var f = (goal - run) / d;
          arrow[3 * l] = X[i - 1] + dx * f; arrow[3 * l + 1] = Y[i - 1] + dy * f;
          arrow[3 * l + 2] = Math.atan2(dy, dx);
          break;
        }
        run += d;
      }
    }
    st.at = at; st.x = x; st.y = y;
  }

  function decodeLines(g, bin) {
    var out = null;
    finish(lineDecoder(g, bin, function (lines) { out = lines; }));
    return out;
  }

  /* Corridors of one zoom band (see shipmap/map/corridors.py): nodes, edges as
   * node pairs, and per leg the edges it passes (CSR). */
  function corridorDecoder(c, bin, legCount, done) {
    var nodes = c.nodes, edges = c.edges, grain = c.grain;
    var X = new Float64Array(nodes), Y = new Float64Array(nodes), A = new Int32Array(edges), B = new Int32Array(edges);
    var box = new Float64Array(4 * edges), start = new Int32Array(legCount + 1), raw, ab, gaps, list;
    var x = 0, y = 0, a = 0, p = 0;
    var runs = [function () { raw = varints(bin, c.xy); }];
    runs = runs.concat(pieces(nodes, 16 * STEP, function (from, to) {
      for (var i = from; i < to; i++) {
        x += unzig(raw[2 * i]); y += unzig(raw[2 * i + 1]);
        X[i] = x * grain; Y[i] = y * grain;
      }
    }));
    runs.push(function () { ab = varints(bin, c.ab); });
    runs = runs.concat(pieces(edges, 16 * STEP, function (from, to) {
      for (var i = from; i < to; i++) {
        a += unzig(ab[2 * i]);
        A[i] = a; B[i] = a + unzig(ab[2 * i + 1]);
        box[4 * i] = Math.min(X[A[i]], X[B[i]]); box[4 * i + 1] = Math.min(Y[A[i]], Y[B[i]]);
        box[4 * i + 2] = Math.max(X[A[i]], X[B[i]]); box[4 * i + 3] = Math.max(Y[A[i]], Y[B[i]]);
      }
    }));
    runs.push(function () { gaps = varints(bin, c.e); list = new Int32Array(gaps.length); });
    runs = runs.concat(pieces(legCount, STEP, function (from, to) {
      for (var l = from; l < to; l++) {
        start[l] = p;
        var e = 0;
        for (var k = 0; k < c.n[l]; k++) { e = k ? e + gaps[p] : gaps[p]; list[p++] = e; }
      }
    }));
    return stepper(runs, function () {
      start[legCount] = p;
      done({ zoom: c.zoom, top: c.top, X: X, Y: Y, A: A, B: B, box: box, edges: edges, start: start, list: list,
             sum: new Float64Array(edges), strong: new Int32Array(edges), any: new Int32Array(edges), mode: new Int32Array(edges) });
    });
  }

  function decodePoints(bin, ref, count) {
    var raw = varints(bin, ref), X = new Float64Array(count), Y = new Float64Array(count), x = 0, y = 0;
    for (var i = 0; i < count; i++) {
      x += unzig(raw[2 * i]); y += unzig(raw[2 * i + 1]);
      X[i] = x; Y[i] = y;
    }
    return { X: X, Y: Y };
  }

  /* Popup blocks: [type, payload, title] with every text an index into strings. */
  function popupBlocks(encoded, strings) {
    function s(i) { return i === null || i === undefined ? "" : strings[i]; }
    function deep(v) { return Array.isArray(v) ? v.map(deep) : s(v); }
    return (encoded || []).map(function (b) {
      var kind = b[0], out = {};
      if (kind === "h" || kind === "p") out[kind] = s(b[1]);
      else out[kind] = deep(b[1]);
      if (b.length > 2) out.title = s(b[2]);
      return out;
    });
  }

  function dashOf(text) {
    if (!text) return [];
    return String(text).split(/[ ,]+/).map(Number).filter(function (v) { return isFinite(v); });
  }

  function distToSegment(px, py, ax, ay, bx, by) {
    var dx = bx - ax, dy = by - ay, len = dx * dx + dy * dy, t = 0;
    if (len > 0) t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len));
    var qx = ax + t * dx - px, qy = ay + t * dy - py;
    return Math.sqrt(qx * qx + qy * qy);
  }

  /* Defined on first use: this script may come before Leaflet's in the page. */
  var RouteCanvas = null;
  var proto = {
    options: { padding: 0.1 },

    initialize: function (data, options) {
      L.Canvas.prototype.initialize.call(this, options);
      this.data = data;
      this.strings = data.strings;
      var legs = data.legs, places = data.places;
      this._linesData = data.geometry;     /* decoded on first need: see lines() */
      this.lines = null;
      var sch = data.schematic || { leg: [], geometry: { n: [], band: [], bands: [] } };
      this.schematic = decodeLines(sch.geometry, data.bin);
      this.schematicLeg = sch.leg;
      this.schematicStyle = sch.style || {};
      this.legCount = data.geometry.n.length;
      this.modes = legs.modes;            /* [{key, color, dash}] */
      this.legMode = legs.mode;
      this.weight = legs.weight;
      this.faded = new Uint8Array(this.legCount);
      this.hiddenMode = {};
      this.only = null;                    /* a set of leg indices to show alone, or null */
      this.unit = null;                    /* show only legs with a figure in this unit, or null */
      this.placeCount = places.id.length;
      var pts = decodePoints(data.bin, places.xy, this.placeCount);
      this.PX = pts.X; this.PY = pts.Y;
      this.kinds = places.kinds;           /* [{key, fill, radius}] */
      this.index = null;
      var cor = data.corridors || { bands: [] };
      this.corridorBands = cor.bands || [];
      this.corridorWidth = cor.width || [2, 18, 1.5];
      this.corridors = [];                 /* decoded bands, on first need */
      this.corridorIndex = [];
      this.legFigures = null;
      this._hover = -1;
      this._tooltip = L.tooltip({ sticky: true, direction: "top", offset: [0, -8] });
    },

    /* One R-tree over the legs' boxes, built once, on first need. */
    _tree: function () {
      if (this.index || typeof Flatbush === "undefined") return this.index;
      var n = this.legCount, box = this.legLines().box, tree = new Flatbush(Math.max(n, 1));
      for (var l = 0; l < n; l++) tree.add(box[4 * l], box[4 * l + 1], box[4 * l + 2], box[4 * l + 3]);
      if (!n) tree.add(0, 0, 0, 0);
      tree.finish();
      this.index = tree;
      return tree;
    },

    _units: function () {
      var map = this._map, zoom = map.getZoom();
      return { zoom: zoom, s: map.options.crs.scale(zoom) / Math.pow(2, this.data.geometry.bits), o: map.getPixelOrigin() };
    },

    /* Each leg's full line, its zoom bands, box and arrow: decoded when first
     * needed (a map opened zoomed out draws corridors, not legs). */
    legLines: function () {
      if (!this.lines) finish(this._lineDecoder());
      return this.lines;
    },
    _lineDecoder: function () {
      var self = this;
      if (!this._linesJob) this._linesJob = lineDecoder(this._linesData, this.data.bin, function (lines) { self.lines = lines; });
      return this._linesJob;
    },

    _band: function (zoom) { return this._bandOf(this.legLines(), zoom); },
    _bandOf: function (lines, zoom) {
      var zooms = lines.zooms || [];
      for (var b = 0; b < zooms.length; b++) if (zoom <= zooms[b]) return lines.bands[b];
      return null;
    },

    /* The corridor band drawn at a zoom (decoded on first need), or null: each leg. */
    corridorBand: function (zoom) {
      var bands = this.corridorBands;
      for (var b = 0; b < bands.length; b++) {
        if (zoom <= bands[b].zoom) {
          if (!this.corridors[b]) finish(this._corridorDecoder(b));
          return this.corridors[b];
        }
      }
      return null;
    },
    _corridorDecoder: function (b) {
      var self = this, jobs = this._corridorJobs || (this._corridorJobs = []);
      if (!jobs[b]) jobs[b] = corridorDecoder(this.corridorBands[b], this.data.bin, this.legCount, function (c) { self.corridors[b] = c; });
      return jobs[b];
    },

    /* Each leg's figures, as {unit index: value}, from the flat table (on first need). */
    figuresOf: function (l) {
      if (!this.legFigures) {
        var t = this.data.legs, n = t.fig_n || [], flat = t.fig || [], at = 0, out = [];
        for (var i = 0; i < this.legCount; i++) {
          var f = {};
          for (var k = 0; k < (n[i] || 0); k++, at += 2) f[flat[at]] = flat[at + 1];
          out.push(f);
        }
        this.legFigures = out;
      }
      return this.legFigures[l];
    },

    /* Sums per edge of the legs shown: figure in the width unit, legs not faded, legs. */
    _sumCorridors: function (c) {
      var wu = this.data.legs.width_unit, sum = c.sum, strong = c.strong, any = c.any, mode = c.mode;
      sum.fill(0); strong.fill(0); any.fill(0);
      for (var l = 0; l < this.legCount; l++) {
        if (!this.legShown(l)) continue;
        var faded = this.faded[l], v = wu === null || wu === undefined ? 0 : this.figuresOf(l)[wu] || 0;
        for (var p = c.start[l]; p < c.start[l + 1]; p++) {
          var e = c.list[p];
          if (!any[e]) mode[e] = this.legMode[l];
          any[e]++;
          if (!faded) { strong[e]++; sum[e] += v; }
        }
      }
    },

    /* The legs through edge e of band c that count (shown, and not faded if any is
     * not), their figures summed per unit, and the largest ones. */
    corridorInfo: function (c, e, top) {
      if (!c.legs) {  /* edge -> legs, the other way round from leg -> edges */
        var cnt = new Int32Array(c.edges + 1), l, p;
        for (p = 0; p < c.list.length; p++) cnt[c.list[p] + 1]++;
        for (p = 0; p < c.edges; p++) cnt[p + 1] += cnt[p];
        var legs = new Int32Array(c.list.length), fill = cnt.slice(0, c.edges);
        for (l = 0; l < this.legCount; l++) for (p = c.start[l]; p < c.start[l + 1]; p++) legs[fill[c.list[p]]++] = l;
        c.legs = legs; c.legStart = cnt;
      }
      var all = [], strong = [];
      for (var q = c.legStart[e]; q < c.legStart[e + 1]; q++) {
        var leg = c.legs[q];
        if (!this.legShown(leg)) continue;
        all.push(leg);
        if (!this.faded[leg]) strong.push(leg);
      }
      var chosen = strong.length ? strong : all, sums = {}, order = [];
      var wu = this.data.legs.width_unit;
      chosen.forEach(function (leg2) {
        var f = this.figuresOf(leg2);
        for (var u in f) {
          if (!(u in sums)) { sums[u] = 0; order.push(Number(u)); }
          sums[u] += f[u];
        }
      }, this);
      order.sort(function (a, b) { return (a === wu ? -1 : 0) - (b === wu ? -1 : 0) || a - b; });
      var self = this, key = order.length ? order[0] : null;
      var ranked = chosen.slice().sort(function (a, b) {
        var fa = key === null ? 0 : self.figuresOf(a)[key] || 0, fb = key === null ? 0 : self.figuresOf(b)[key] || 0;
        return fb - fa || a - b;
      });
      return {
        legs: chosen, units: order, sums: order.map(function (u) { return sums[u]; }),
        top: ranked.slice(0, top || 5).map(function (leg3) {
          return { leg: leg3, unit: key, value: key === null ? null : self.figuresOf(leg3)[key] };
        })
      };
    },

    legShown: function (l) {
      if (this.hiddenMode[this.modes[this.legMode[l]].key]) return false;
      if (this.only && !this.only.has(l)) return false;
      if (this.unit !== null && this.unit !== undefined && this.data.legs.units[l].indexOf(this.unit) < 0) return false;
      return true;
    },

    /* The legs that start, end or stop at place i. */
    legsThrough: function (i) {
      var touched = this.data.legs.places, out = new Set();
      for (var l = 0; l < touched.length; l++) if (touched[l].indexOf(i) >= 0) out.add(l);
      return out;
    },

    /* Show only the legs with a figure in unit u (an index into unitNames), or all (null). */
    setUnit: function (u) {
      this.unit = u === null || u === undefined || u === "" ? null : Number(u);
      this.redraw();
    },
    unitNames: function () { return this.data.legs.unit_names || []; },

    /* Drawing. Chromium rasterises a canvas's drawing on the main thread when
     * the frame is painted, and ten thousand stroked lines take it hundreds of
     * milliseconds: one task long enough to stall a zoom or a pan. So a view
     * is drawn into a canvas of its own, a slice of the legs at a time, each
     * slice rasterised in its own task (reading one pixel back forces it),
     * while the page keeps showing (and Leaflet keeps moving and scaling) the
     * picture of the last view. The finished picture is then copied into the
     * visible canvas in one step: a pixel copy, not a raster of lines. */
    _update: function () {
      if (this._map._animatingZoom && this._bounds) return;
      var p = this.options.padding, size = this._map.getSize();
      var min = this._map.containerPointToLayerPoint(size.multiplyBy(-p)).round();
      var view = {
        bounds: L.bounds(min, min.add(size.multiplyBy(1 + p * 2)).round()),
        center: this._map.getCenter(),
        zoom: this._map.getZoom()
      };
      if (!this._bounds) this._show(view, null);
      this._render(view);
    },
    _updatePaths: function () {
      if (this._postponeUpdatePaths || !this._map) return;
      this._update();
    },
    _onZoomEnd: function () {},
    _requestRedraw: function () {
      if (!this._map) return;
      this._pending = true;
      this._redrawRequest = this._redrawRequest || L.Util.requestAnimFrame(this._redraw, this);
    },
    redraw: function () { this._requestRedraw(); return this; },
    _redraw: function () {
      this._redrawRequest = null;
      if (this._map && this._ctx) this._update();
    },

    /* Put a finished picture (or none) on the visible canvas, for its view. */
    _show: function (view, job) {
      var c = this._container, b = view.bounds, size = b.getSize(), m = L.Browser.retina ? 2 : 1;
      this._bounds = b; this._center = view.center; this._zoom = view.zoom;
      L.DomUtil.setPosition(c, b.min);
      if (c.width !== m * size.x || c.height !== m * size.y) {
        c.width = m * size.x; c.height = m * size.y;
        c.style.width = size.x + "px"; c.style.height = size.y + "px";
      }
      var ctx = this._ctx;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, c.width, c.height);
      if (job) {
        ctx.drawImage(job.canvas, 0, 0);
        this.drawnLegs = job.drawn;
        this.labelled = job.labelled;
        this.markerScale = job.markerScale;
        this.drawnSchematic = job.schematic;
        this.drawnCorridors = job.corridors;
        this.corridorView = job.cor ? job.cor.zoom : null;
        this.drawTasks = job.tasks;
      }
      if (m === 2) ctx.scale(2, 2);
      ctx.translate(-b.min.x, -b.min.y);
      if (job) {
        this._pending = false;
        this.fire("drawn");
        if (!this._warm) this._warmUp();
      }
    },

    /* Once the first picture is shown, decode what other zooms draw (the other
     * corridor bands, each leg's line) in idle moments, a few milliseconds at a
     * time, so that the first zoom does not wait for it and no long task holds
     * up the frames, a click or a key meanwhile. */
    _warmUp: function () {
      var self = this, todo = [], steps = null;
      this._warm = true;
      this.corridorBands.forEach(function (b, k) { todo.push(function () { return self._corridorDecoder(k); }); });
      todo.push(function () { return self._lineDecoder(); });
      var idle = window.requestIdleCallback || function (f) { return setTimeout(f, 50); };
      var next = function () {
        var t0 = performance.now();
        do {
          if (!steps) {
            var piece = todo.shift();
            if (!piece) return;
            steps = piece();
          }
          if (steps.next().done) steps = null;
        } while (performance.now() - t0 < 8);
        idle(next);
      };
      idle(next);
    },

    /* A promise kept once the picture of the current view is on the page. */
    whenDrawn: function () {
      var self = this;
      return new Promise(function (resolve) {
        if (!self._pending) resolve();
        else self.once("drawn", function () { resolve(); });
      });
    },

    /* Draw a view slice by slice; a newer view (or redraw) abandons an older one. */
    _render: function (view) {
      var self = this, b = view.bounds, size = b.getSize(), m = L.Browser.retina ? 2 : 1;
      /* One canvas to draw in: a job left behind by a newer one stops at its next slice. */
      var canvas = this._back || (this._back = document.createElement("canvas"));
      canvas.width = m * size.x; canvas.height = m * size.y;  /* also clears it */
      var ctx = canvas.getContext("2d");
      ctx.setTransform(m, 0, 0, m, -m * b.min.x, -m * b.min.y);
      var u = this._units(), s = u.s, ox = u.o.x, oy = u.o.y;
      var job = {
        id: (this._jobId = (this._jobId || 0) + 1), canvas: canvas, ctx: ctx, u: u,
        vx0: (b.min.x + ox) / s, vy0: (b.min.y + oy) / s, vx1: (b.max.x + ox) / s, vy1: (b.max.y + oy) / s,
        band: null, next: 0, arrows: [], drawn: 0, stage: 0, labelled: 0, markerScale: 1, tasks: 1,
        cor: this.corridorBand(u.zoom), corridors: 0
      };
      if (!job.cor) job.band = this._band(u.zoom);
      /* Slices are drawn in one task until their cost (points and pixels) reaches
       * what SLICE_MS allowed in the tasks before (drawing and rasterising);
       * then this task rasterises them and the next task goes on. */
      this._pending = true;
      var first = true;
      var step = function () {
        if (!self._map || job.id !== self._jobId) return;
        /* The first slice runs in the task that moved the map, which has its own work. */
        var t0 = performance.now(), budget = (self._rate || FIRST_RATE) * SLICE_MS / (first ? 3 : 1);
        var spent = 0, cost;
        first = false;
        while ((cost = self._slice(job, budget - spent)) >= 0) {
          spent += cost;
          if (spent < budget) continue;
          ctx.getImageData(0, 0, 1, 1);
          var took = performance.now() - t0, rate = spent / Math.max(took, 1), old = self._rate || FIRST_RATE;
          if (took >= 8) self._rate = (old + Math.max(old / 2, Math.min(1.5 * old, rate))) / 2;
          job.tasks++;
          setTimeout(step, 0);
          return;
        }
        self._big = job.tasks > 1;
        self._show(view, job);
      };
      /* A map whose last view took several tasks starts the next in a task of its
       * own, apart from the work of the move (Leaflet's, the labels'); a small
       * one is drawn at once. */
      if (this._big) setTimeout(step, 0); else step();
    },

    /* Trace line l of a set of lines (legs or schematic stretches) at a view's
     * scale; gives what it costs to rasterise: its points and the pixels it covers. */
    _trace: function (ctx, lines, band, l, u) {
      var s = u.s, ox = u.o.x, oy = u.o.y, X = lines.X, Y = lines.Y, idx = band ? band.idx : null;
      var a = band ? band.start[l] : lines.start[l], e = band ? band.start[l + 1] : lines.start[l + 1];
      var k = idx ? idx[a] : a, px = X[k] * s - ox, py = Y[k] * s - oy, qx, qy, run = 0;
      ctx.moveTo(px, py);
      for (var q = a + 1; q < e; q++) {
        k = idx ? idx[q] : q;
        qx = X[k] * s - ox; qy = Y[k] * s - oy;
        ctx.lineTo(qx, qy);
        run += Math.abs(qx - px) + Math.abs(qy - py);
        px = qx; py = qy;
      }
      return 8 + 2 * (e - a) + run / 16;
    },

    _inView: function (box, l, job) {
      return !(box[4 * l + 2] < job.vx0 || box[4 * l] > job.vx1 || box[4 * l + 3] < job.vy0 || box[4 * l + 1] > job.vy1);
    },

    /* Draw the next slice of a job, of about ``budget`` cost; its cost, or -1 once all is drawn. */
    _slice: function (job, budget) {
      var ctx = job.ctx, u = job.u, s = u.s, ox = u.o.x, oy = u.o.y;
      var lines = job.cor ? null : this.legLines(), box = lines ? lines.box : null;
      var spent = 0, l;
      if (job.stage === 0 && job.cor) {
        spent = this._sliceCorridors(job, budget);
        if (job.next < job.edges.length) return spent;
        job.stage = 1;  /* schematic stretches over them, but no arrows: a corridor runs both ways */
        job.arrows = [];
        if (spent >= budget) return spent;
      }
      if (job.stage === 0) {
        ctx.lineCap = "round";
        ctx.lineJoin = "round";
        var lastStyle = null;
        for (l = job.next; l < lines.count && spent < budget; l++) {
          if (!this._inView(box, l, job) || !this.legShown(l)) continue;
          var mode = this.modes[this.legMode[l]], faded = this.faded[l];
          var style = this.legMode[l] + ":" + this.weight[l] + ":" + faded;
          if (style !== lastStyle) {
            ctx.strokeStyle = mode.color;
            ctx.lineWidth = this.weight[l];
            ctx.globalAlpha = faded ? 0.12 : 0.85;
            ctx.setLineDash(mode.dashes || (mode.dashes = dashOf(mode.dash)));
            lastStyle = style;
          }
          ctx.beginPath();
          spent += this._trace(ctx, lines, job.band, l, u) * (1 + this.weight[l] / 16);
          ctx.stroke();
          job.drawn++;
          var span = Math.max(box[4 * l + 2] - box[4 * l], box[4 * l + 3] - box[4 * l + 1]) * s;
          if (!faded && span >= ARROW_MIN_PX && !isNaN(lines.arrow[3 * l])) job.arrows.push(l);
        }
        job.next = l;
        ctx.globalAlpha = 1;
        ctx.setLineDash([]);
        if (l < lines.count) return spent;
        job.stage = 1;
        if (spent >= budget) return spent;
      }
      if (job.stage === 1) {
        /* Schematic stretches over their legs, as the SVG maps draw them: a white
         * casing as wide as the leg and more, then a dotted dark line. */
        var sch = this.schematic, sband = this._bandOf(sch, u.zoom), st = this.schematicStyle, p, leg;
        var shown = [];
        for (p = 0; p < sch.count; p++) {
          leg = this.schematicLeg[p];
          if (this._inView(sch.box, p, job) && this.legShown(leg)) shown.push(p);
        }
        for (var pass = 0; pass < 2; pass++) {
          ctx.lineCap = pass ? "round" : "butt";
          ctx.lineJoin = "round";
          ctx.strokeStyle = pass ? st.color : st.casing;
          ctx.setLineDash(pass ? dashOf(st.dash) : []);
          for (var j0 = 0; j0 < shown.length; j0++) {
            p = shown[j0]; leg = this.schematicLeg[p];
            ctx.globalAlpha = (this.faded[leg] ? 0.12 : 1) * (pass ? 1 : 0.95);
            ctx.lineWidth = pass ? 3 : Math.max(this.weight[leg], 3) + 2;
            ctx.beginPath();
            spent += this._trace(ctx, sch, sband, p, u);
            ctx.stroke();
          }
        }
        ctx.globalAlpha = 1;
        ctx.setLineDash([]);
        job.schematic = shown.length;
        job.stage = 2;
        if (spent >= budget) return spent;
      }
      if (job.stage === 2) {
        /* Arrows on top of every line, drawn while they stay few enough to read. */
        var arrows = job.arrows;
        if (arrows.length <= 1500) {
          ctx.strokeStyle = "#ffffff";
          ctx.lineWidth = 1.5;
          for (var j = 0; j < arrows.length; j++) {
            var n = arrows[j], ar = lines.arrow;
            var cx = ar[3 * n] * s - ox, cy = ar[3 * n + 1] * s - oy, t = ar[3 * n + 2];
            var c = Math.cos(t), sn = Math.sin(t);
            ctx.fillStyle = this.modes[this.legMode[n]].color;
            ctx.beginPath();
            ctx.moveTo(cx + (-6 * c + 6 * sn), cy + (-6 * sn - 6 * c));
            ctx.lineTo(cx + 6 * c, cy + 6 * sn);
            ctx.lineTo(cx + (-6 * c - 6 * sn), cy + (-6 * sn + 6 * c));
            ctx.closePath();
            ctx.fill();
            ctx.stroke();
          }
        }
        job.stage = 3;
        if (arrows.length <= 1500) spent += 40 * arrows.length;
        if (spent >= budget) return spent;
      }
      /* Markers, then labels, each a slice of its own whatever it costs (a few
       * thousand at most); once all is drawn, the last slice is rasterised
       * before the picture is shown, so showing it is a copy of pixels. */
      if (job.stage === 3) {
        job.stage = 4;
        return spent + this._drawPlaces(ctx, u, job);
      }
      if (job.stage === 4) {
        job.stage = 5;
        return spent + this._drawLabels(ctx, u, job);
      }
      return -1;
    },

    /* Width of edge e of corridor band c, by the sum of the figures of its legs. */
    edgeWidth: function (c, e) {
      var w = this.corridorWidth, sum = c.sum[e];
      if (!c.strong[e] || !(sum > 0) || !(c.top > 0)) return w[2];
      return w[0] + (w[1] - w[0]) * Math.sqrt(Math.min(sum / c.top, 1));
    },

    /* Corridors: the edges in view, widest first (so thin ones stay on top), each
     * style one path; sums worked out in the job's first slice. */
    _sliceCorridors: function (job, budget) {
      var c = job.cor, ctx = job.ctx, u = job.u, s = u.s, ox = u.o.x, oy = u.o.y, spent = 0, e, n;
      if (!job.edges) {
        this._sumCorridors(c);
        var list = [], key = [], legs = 0;
        for (e = 0; e < c.edges; e++) {
          if (!c.any[e] || !this._inView(c.box, e, job)) continue;
          list.push(e);
          key.push(Math.round(this.edgeWidth(c, e) * 2) / 2);
          if (c.strong[e] > 1) job.corridors++;
        }
        for (var l = 0; l < this.legCount; l++) if (c.start[l + 1] > c.start[l] && this.legShown(l)) legs++;
        var order = list.map(function (_, i) { return i; });
        order.sort(function (a, b) {
          return key[b] - key[a] || c.mode[list[a]] - c.mode[list[b]] ||
            (c.strong[list[a]] ? 0 : 1) - (c.strong[list[b]] ? 0 : 1) || list[a] - list[b];
        });
        job.edges = order.map(function (i) { return list[i]; });
        job.widths = order.map(function (i) { return key[i]; });
        job.drawn = legs;
        job.next = 0;
        spent += c.list.length / 20 + c.edges / 10;
      }
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      var edges = job.edges, X = c.X, Y = c.Y;
      while (job.next < edges.length && spent < budget) {
        var first = edges[job.next], w = job.widths[job.next], mode = c.mode[first], strong = c.strong[first] > 0;
        var md = this.modes[mode];
        ctx.strokeStyle = md.color;
        ctx.lineWidth = w;
        ctx.globalAlpha = strong ? 0.85 : 0.12;
        ctx.setLineDash(md.dashes || (md.dashes = dashOf(md.dash)));
        ctx.beginPath();
        /* Edges numbered along the legs follow on from each other: one polyline
         * while they do, so that a dashed mode's dashes run on. */
        var at = -1;
        for (n = job.next; n < edges.length && spent < budget; n++) {
          e = edges[n];
          if (job.widths[n] !== w || c.mode[e] !== mode || (c.strong[e] > 0) !== strong) break;
          var from = c.A[e], to = c.B[e];
          if (to === at) { to = from; from = at; }
          var bx = X[to] * s - ox, by = Y[to] * s - oy;
          if (from !== at) ctx.moveTo(X[from] * s - ox, Y[from] * s - oy);
          ctx.lineTo(bx, by);
          at = to;
          spent += (4 + (Math.abs(bx - X[from] * s + ox) + Math.abs(by - Y[from] * s + oy)) / 16) * (1 + w / 16);
        }
        ctx.stroke();
        job.next = n;
      }
      ctx.globalAlpha = 1;
      ctx.setLineDash([]);
      return spent;
    },

    /* Places: their markers (one slice), then the labels that fit (another). */
    _drawPlaces: function (ctx, u, job) {
      var s = u.s, ox = u.o.x, oy = u.o.y, places = this.data.places, PX = this.PX, PY = this.PY;
      var kinds = this.kinds, kind = places.kind, labelZoom = places.label_zoom;
      var labelled = [], inView = [], i;
      for (i = 0; i < this.placeCount; i++) {
        if (PX[i] < job.vx0 || PX[i] > job.vx1 || PY[i] < job.vy0 || PY[i] > job.vy1) continue;
        inView.push(i);
      }
      /* Hundreds of places in view: smaller markers, so the routes between them show. */
      var shrink = inView.length > 600 ? 0.4 : inView.length > 200 ? 0.7 : 1;
      job.markerScale = shrink;
      ctx.strokeStyle = "#222222";
      ctx.lineWidth = shrink < 1 ? 1 : 2;
      for (var n = 0; n < inView.length; n++) {
        i = inView[n];
        var k = kinds[kind[i]], x = PX[i] * s - ox, y = PY[i] * s - oy;
        ctx.fillStyle = k.fill;
        ctx.beginPath();
        ctx.arc(x, y, Math.max(2, k.radius * shrink), 0, 2 * Math.PI);
        ctx.fill();
        ctx.stroke();
        var lz = labelZoom[i];
        if (lz !== null && lz <= u.zoom && labelled.length < LABEL_MAX) labelled.push(i);
      }
      job.labelled = labelled.length;
      job.labels = labelled;
      return 40 * inView.length;
    },

    _drawLabels: function (ctx, u, job) {
      var s = u.s, ox = u.o.x, oy = u.o.y, places = this.data.places, PX = this.PX, PY = this.PY;
      var kinds = this.kinds, kind = places.kind, labelled = job.labels || [], shrink = job.markerScale;
      if (!labelled.length) return 0;
      var rtl = document.documentElement.dir === "rtl";
      this._fontFamily = this._fontFamily || getComputedStyle(document.body).fontFamily;
      ctx.font = "bold 12px " + this._fontFamily;
      ctx.textBaseline = "middle";
      ctx.direction = rtl ? "rtl" : "ltr";
      ctx.textAlign = rtl ? "right" : "left";
      ctx.lineJoin = "round";
      ctx.lineWidth = 3;
      ctx.strokeStyle = "rgba(255,255,255,0.9)";
      ctx.fillStyle = "#1a1a1a";
      for (var j = 0; j < labelled.length; j++) {
        var p = labelled[j], r = Math.max(2, kinds[kind[p]].radius * shrink);
        var lx = PX[p] * s - ox + (rtl ? -(r + 5) : r + 5), ly = PY[p] * s - oy;
        var text = this.strings[places.label[p]];
        ctx.strokeText(text, lx, ly);
        ctx.fillText(text, lx, ly);
      }
      return 200 * labelled.length;
    },


    /* What is under a container point: {place: i} or {leg: l}, or null. */
    hit: function (point) {
      if (!this._map) return null;
      var u = this._units(), s = u.s, layer = this._map.containerPointToLayerPoint(point);
      var ux = (layer.x + u.o.x) / s, uy = (layer.y + u.o.y) / s;
      var best = null, bestD = Infinity, i;
      for (i = 0; i < this.placeCount; i++) {
        var k = this.kinds[this.data.places.kind[i]], radius = Math.max(2, k.radius * (this.markerScale || 1));
        var dp = Math.sqrt((this.PX[i] - ux) * (this.PX[i] - ux) + (this.PY[i] - uy) * (this.PY[i] - uy)) * s;
        if (dp <= radius + 3 && dp < bestD) { best = { place: i }; bestD = dp; }
      }
      if (best) return best;
      var c = this.corridorBand(u.zoom);
      if (c) return this._hitCorridor(c, ux, uy, s);
      var tree = this._tree();
      if (!tree) return null;
      var reach = (8 + HIT_PX) / s;
      var found = tree.search(ux - reach, uy - reach, ux + reach, uy + reach);
      var lines = this.legLines(), X = lines.X, Y = lines.Y, band = this._band(u.zoom);
      for (var f = 0; f < found.length; f++) {
        var l = found[f];
        if (!this.legShown(l)) continue;
        var tol = this.weight[l] / 2 + HIT_PX, d = Infinity, a, e, k2;
        if (band) {
          a = band.start[l]; e = band.start[l + 1];
          for (k2 = a + 1; k2 < e; k2++) {
            var p0 = band.idx[k2 - 1], p1 = band.idx[k2];
            d = Math.min(d, distToSegment(ux, uy, X[p0], Y[p0], X[p1], Y[p1]) * s);
          }
        } else {
          a = lines.start[l]; e = lines.start[l + 1];
          for (k2 = a + 1; k2 < e; k2++) d = Math.min(d, distToSegment(ux, uy, X[k2 - 1], Y[k2 - 1], X[k2], Y[k2]) * s);
        }
        /* Among overlapping legs, the one drawn last (on top) wins a tie. */
        if (d <= tol && (d < bestD || (d === bestD && best && l > best.leg))) { best = { leg: l }; bestD = d; }
      }
      return best;
    },

    /* The corridor edge under a point (units), drawn widest under thinnest. */
    _hitCorridor: function (c, ux, uy, s) {
      if (!c.tree) {
        var tree = new Flatbush(Math.max(c.edges, 1)), b = c.box;
        for (var e = 0; e < c.edges; e++) tree.add(b[4 * e], b[4 * e + 1], b[4 * e + 2], b[4 * e + 3]);
        if (!c.edges) tree.add(0, 0, 0, 0);
        tree.finish();
        c.tree = tree;
      }
      var reach = (this.corridorWidth[1] / 2 + HIT_PX) / s, found = c.tree.search(ux - reach, uy - reach, ux + reach, uy + reach);
      var best = null, bestD = Infinity;
      for (var f = 0; f < found.length; f++) {
        var k = found[f];
        if (k >= c.edges || !c.any[k]) continue;
        var d = distToSegment(ux, uy, c.X[c.A[k]], c.Y[c.A[k]], c.X[c.B[k]], c.Y[c.B[k]]) * s;
        var w = this.edgeWidth(c, k);
        /* Among edges within reach, the nearest; on a tie, the thinner (drawn on top). */
        if (d <= w / 2 + HIT_PX && (d < bestD || (d === bestD && w < best.width))) {
          best = { corridor: k, band: c, width: w }; bestD = d;
        }
      }
      return best;
    },

    latLngOfPlace: function (i) {
      return this._unproject(this.PX[i], this.PY[i]);
    },

    _unproject: function (x, y) {
      var size = Math.pow(2, this.data.geometry.bits), crs = L.CRS.EPSG3857;
      return crs.pointToLatLng(L.point(x / size * 256, y / size * 256), 0);
    },

    legBounds: function (l) {
      var b = this.legLines().box;
      return L.latLngBounds(this._unproject(b[4 * l], b[4 * l + 3]), this._unproject(b[4 * l + 2], b[4 * l + 1]));
    },

    /* Popups: their own JSON in the bytes, read when the first one opens. */
    popups: function () {
      if (!this._popups) {
        var ref = this.data.popups, bytes = this.data.bin.subarray(ref[0], ref[0] + ref[1]);
        this._popups = JSON.parse(new TextDecoder().decode(bytes));
      }
      return this._popups;
    },
    placeBlocks: function (i) { return popupBlocks(this.popups().places[i], this.strings); },
    legBlocks: function (l) { return popupBlocks(this.popups().legs[l], this.strings); },
    legTitle: function (l) { return this.strings[this.data.legs.label[l]]; },
    placeTitle: function (i) { return this.strings[this.data.places.label[i]]; },

    /* A click on a leg or place opens it; every other mouse event (and a click
     * on nothing) goes on to the map, as Leaflet's canvas does: double-click
     * zoom, closing popups and the map's own handlers keep working. */
    _onClick: function (e) {
      if (!this._map) return;
      var point = this._map.mouseEventToContainerPoint(e);
      var found = e.type === "click" && !(this._map.dragging && this._map.dragging.moved()) ? this.hit(point) : null;
      if (!found) { this._fireEvent(false, e); return; }
      var latlng = found.place !== undefined ? this.latLngOfPlace(found.place) : this._map.containerPointToLatLng(point);
      this.fire("pick", { leg: found.leg, place: found.place, corridor: found.corridor, band: found.band, latlng: latlng });
    },

    _onMouseMove: function (e) {
      if (!this._map || this._map.dragging.moving() || this._map._animatingZoom) return;
      this._fireEvent(false, e);
      var self = this, point = this._map.mouseEventToContainerPoint(e);
      if (this._moveRequest) { this._pendingPoint = point; return; }
      this._pendingPoint = point;
      this._moveRequest = L.Util.requestAnimFrame(function () {
        self._moveRequest = null;
        self._hoverAt(self._pendingPoint);
      });
    },

    _hoverAt: function (point) {
      if (!this._map) return;
      var found = this.hit(point);
      var key = found ? (found.place !== undefined ? "p" + found.place : found.corridor !== undefined ? "c" + found.corridor : "l" + found.leg) : "";
      this._container.style.cursor = found ? "pointer" : "";
      if (!found) { if (this._tooltip._map) this._map.closeTooltip(this._tooltip); this._hover = ""; return; }
      var text = found.place !== undefined ? this.placeTitle(found.place)
        : found.corridor !== undefined ? this.corridorTip(found.band, found.corridor) : this.tipText(found.leg);
      if (key !== this._hover) {
        var span = document.createElement("span");
        span.textContent = text;
        span.dir = "auto";
        this._tooltip.setContent(span);
        this._hover = key;
      }
      this._tooltip.setLatLng(this._map.containerPointToLatLng(point));
      if (!this._tooltip._map) this._map.openTooltip(this._tooltip);
    },

    /* Names a reader may search for: places, then ships. */
    searchNames: function () {
      var out = [], i, seen = {};
      for (i = 0; i < this.placeCount; i++) out.push(this.placeTitle(i));
      var vessels = this.data.legs.vessels;
      for (i = 0; i < vessels.length; i++) {
        for (var k = 0; k < vessels[i].length; k++) {
          var v = vessels[i][k];
          if (!seen[v]) { seen[v] = true; out.push(this.strings[v]); }
        }
      }
      return out;
    },

    /* A place whose name is the text (else one whose name holds it), or the
     * legs of a ship of that name: {place: i} or {legs: Set, name}. */
    find: function (text) {
      var q = String(text || "").trim().toLocaleLowerCase();
      if (!q) return null;
      var i, partial = -1;
      for (i = 0; i < this.placeCount; i++) {
        var name = this.placeTitle(i).toLocaleLowerCase();
        if (name === q) return { place: i };
        if (partial < 0 && name.indexOf(q) >= 0) partial = i;
      }
      var vessels = this.data.legs.vessels, legs = new Set(), name2 = null;
      for (i = 0; i < vessels.length; i++) {
        for (var k = 0; k < vessels[i].length; k++) {
          var v = this.strings[vessels[i][k]];
          if (v.toLocaleLowerCase() === q) { legs.add(i); name2 = v; }
        }
      }
      if (legs.size) return { legs: legs, name: name2 };
      return partial >= 0 ? { place: partial } : null;
    },

    corridorTip: function (c, e) {
      var info = this.corridorInfo(c, e, 1);
      if (info.legs.length === 1) return this.tipText(info.legs[0]);
      var lang = (this.ui && this.ui.lang) || undefined;
      return ((this.ui && this.ui.corridor) || "{n}").replace("{n}", info.legs.length.toLocaleString(lang));
    },

    tipText: function (l) { return this.tips ? this.tips[l] || this.legTitle(l) : this.legTitle(l); },

    _handleMouseOut: function () {
      if (this._tooltip._map) this._map.closeTooltip(this._tooltip);
      if (this._container) this._container.style.cursor = "";
      this._hover = "";
    }
  };

  window.shipmapRouteCanvas = function (data, options) {
    RouteCanvas = RouteCanvas || L.Canvas.extend(proto);
    return new RouteCanvas(data, options);
  };
})();
