// The training page's own loop: Play trains in the browser with static/trainer.js (the NumPy
// engine's numbers in JavaScript), so a class of 300 pressing Play costs the server nothing.
// The server stays authoritative: every paused view, One epoch, Reset, weight edit and "Open in
// walkthrough" is its answer to the run's state, which this script writes back into the page's
// state field (app/training/codec.py's format, byte for byte) before any of them is sent.
//
// Without this script (or without JavaScript) the page trains as before: htmx asks the server
// for every frame, or each press of Play trains one chunk. Nothing here is needed for that.
(function () {
  "use strict";

  var T = window.BackstepTrainer;
  if (!T || typeof Float64Array === "undefined") return;

  var FRAME_BUDGET_MS = 10; // time for training per frame: drawing needs the rest of 16.7 ms
  var PLANE_PIXELS = 64; // app/training/view.py OUTPUT_PIXELS
  var UNIT_PIXELS = 24; // app/training/graph.py UNIT_PIXELS
  var CURVE_W = 320; // app/training/view.py CURVE_W, CURVE_H
  var CURVE_H = 120;
  var PLOT = 300; // app/plots/axes.py PLOT
  var MINUS = "\u2212";
  var SVG = "http://www.w3.org/2000/svg";
  var XHTML = "http://www.w3.org/1999/xhtml";

  // ------------------------------------------------------------ the run's state as text
  // app/training/codec.py: "BSR1", an 8-byte binding, uint32 epoch, step, stride, history
  // length, then float64 parameters, optimizer slots, train and test losses, then a CRC-32.
  // Little-endian; URL-safe base64 without padding.

  var CRC_TABLE = (function () {
    var table = new Int32Array(256);
    for (var n = 0; n < 256; n++) {
      var c = n;
      for (var k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c;
    }
    return table;
  })();

  function crc32(bytes, length) {
    var c = -1;
    for (var i = 0; i < length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
    return (c ^ -1) >>> 0;
  }

  function toBase64Url(bytes) {
    var text = "";
    for (var i = 0; i < bytes.length; i += 0x8000) {
      text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function fromBase64Url(text) {
    var binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  var HEADER = 4 + 8 + 16;

  function encodeState(page, run) {
    var arrays = run.params.slice();
    page.slots.forEach(function (name) { arrays = arrays.concat(run.optimizer.slots[name]); });
    var floats = arrays.reduce(function (n, a) { return n + a.length; }, 0);
    var hist = run.history;
    var size = HEADER + 8 * (floats + 2 * hist.train.length) + 4;
    var bytes = new Uint8Array(size);
    var view = new DataView(bytes.buffer);
    bytes.set([66, 83, 82, 49], 0); // "BSR1"
    for (var b = 0; b < 8; b++) bytes[4 + b] = parseInt(page.binding.substr(2 * b, 2), 16);
    view.setUint32(12, run.optimizer.epoch, true);
    view.setUint32(16, run.optimizer.step, true);
    view.setUint32(20, hist.stride, true);
    view.setUint32(24, hist.train.length, true);
    var at = HEADER;
    function put(v) { view.setFloat64(at, v, true); at += 8; }
    arrays.forEach(function (a) { for (var i = 0; i < a.length; i++) put(a[i]); });
    hist.train.forEach(put);
    hist.test.forEach(put);
    view.setUint32(at, crc32(bytes, at), true);
    return toBase64Url(bytes);
  }

  // The run a state field holds, or null if it is not one of this problem's (the server then
  // keeps answering for the page, as without this script).
  function decodeState(page, P, text) {
    var bytes;
    try {
      bytes = fromBase64Url(text);
    } catch (e) {
      return null;
    }
    if (bytes.length < HEADER + 4) return null;
    var view = new DataView(bytes.buffer);
    var body = bytes.length - 4;
    if (String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]) !== "BSR1") return null;
    if (crc32(bytes, body) !== view.getUint32(body, true)) return null;
    var epoch = view.getUint32(12, true);
    var step = view.getUint32(16, true);
    var stride = view.getUint32(20, true);
    var nHist = view.getUint32(24, true);
    var sizes = P.initialParams.map(function (p) { return p.length; });
    var per = sizes.reduce(function (a, b) { return a + b; }, 0);
    if (body - HEADER !== 8 * ((1 + page.slots.length) * per + 2 * nHist)) return null;
    var at = HEADER;
    function arrays() {
      return sizes.map(function (n) {
        var a = new Float64Array(n);
        for (var i = 0; i < n; i++, at += 8) a[i] = view.getFloat64(at, true);
        return a;
      });
    }
    function list(n) {
      var out = [];
      for (var i = 0; i < n; i++, at += 8) out.push(view.getFloat64(at, true));
      return out;
    }
    var params = arrays();
    var slots = {};
    page.slots.forEach(function (name) { slots[name] = arrays(); });
    var train = list(nHist);
    var test = list(nHist);
    return {
      params: params,
      optimizer: { optimizer: P.optimizerName, step: step, epoch: epoch, slots: slots },
      history: { stride: stride, train: train, test: test },
      epoch: epoch,
    };
  }

  // ------------------------------------------------------------ drawing
  // app/plots/png.py colours: the page's grey in between, blue high, orange low, at 70%.
  var MID = [246, 247, 249];
  var POS = [33, 102, 172];
  var NEG = [217, 95, 2];
  var HIGH = MID.map(function (m, i) { return m + 0.7 * (POS[i] - m); });
  var LOW = MID.map(function (m, i) { return m + 0.7 * (NEG[i] - m); });

  function paint(image, values, offset, stride, scale) {
    var lo = scale[0];
    var mid = scale[1];
    var hi = scale[2];
    var upSpan = Math.max(hi - mid, 1e-12);
    var downSpan = Math.max(mid - lo, 1e-12);
    var px = image.data;
    var n = px.length / 4;
    for (var i = 0; i < n; i++) {
      var v = values[offset + i * stride];
      if (v !== v) v = mid;
      var up = (v - mid) / upSpan;
      up = up < 0 ? 0 : up > 1 ? 1 : up;
      var down = (mid - v) / downSpan;
      down = down < 0 ? 0 : down > 1 ? 1 : down;
      var o = 4 * i;
      for (var c = 0; c < 3; c++) px[o + c] = Math.round(MID[c] + up * (HIGH[c] - MID[c]) + down * (LOW[c] - MID[c]));
      px[o + 3] = 255;
    }
  }

  // A canvas in place of an SVG <image> (the server's PNG), at the same place and size.
  function canvasFor(image, pixels) {
    var fo = document.createElementNS(SVG, "foreignObject");
    ["x", "y", "width", "height"].forEach(function (k) { fo.setAttribute(k, image.getAttribute(k)); });
    fo.setAttribute("aria-hidden", "true");
    var canvas = document.createElementNS(XHTML, "canvas");
    canvas.width = pixels;
    canvas.height = pixels;
    fo.appendChild(canvas);
    image.parentNode.insertBefore(fo, image.nextSibling);
    var ctx = canvas.getContext("2d");
    return { image: image, fo: fo, ctx: ctx, data: ctx.createImageData(pixels, pixels) };
  }

  function fmt(value, decimals) {
    if (!isFinite(value)) return "—";
    var text = value.toFixed(decimals);
    if (Number(text) === 0) return (0).toFixed(decimals);
    return text.replace("-", MINUS);
  }

  function percent(value) {
    return value === null || value === undefined ? "—" : (100 * value).toFixed(1) + "%";
  }

  function round1(v) { return Math.round(v * 10) / 10; }

  // app/plots/axes.py ticks and label, for the loss axis.
  function valueTicks(lo, hi) {
    var span = hi - lo;
    var steps = [0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10];
    var step = 0;
    for (var s = 0; s < steps.length; s++) if (span / steps[s] <= 6) { step = steps[s]; break; }
    step = step || Math.pow(10, Math.ceil(Math.log10(span / 5)));
    var first = Math.ceil(lo / step) * step;
    var out = [];
    var n = Math.ceil((hi + 1e-9 - first) / step);
    for (var i = 0; i < n; i++) {
      var v = first + i * step;
      var text = v.toFixed(2).replace(/0+$/, "").replace(/\.$/, "");
      if (text === "-0" || text === "") text = "0";
      out.push({ at: round1(round1(PLOT - ((v - lo) / (hi - lo)) * PLOT) * CURVE_H / PLOT), label: text.replace("-", MINUS) });
    }
    return out;
  }

  // app/training/view.py _epoch_ticks: whole epochs, 0, the last and round numbers between.
  function epochTicks(last) {
    var step = Math.max(1, Math.pow(10, Math.floor(Math.log10(Math.max(last, 1)))));
    if (Math.floor(last / step) < 3 && step > 1) step = Math.floor(step / 2);
    var values = [];
    for (var v = 0; v < last; v += step) values.push(v);
    values.push(last);
    if (values.length > 2 && last - values[values.length - 2] <= step / 2) values.splice(values.length - 2, 1);
    return values.map(function (v) {
      return { at: round1(round1((v / last) * PLOT) * CURVE_W / PLOT), label: String(v) };
    });
  }

  function path(xs, ys, top, last) {
    var sx = CURVE_W / Math.max(last, 1);
    var sy = CURVE_H / top;
    var parts = [];
    for (var i = 0; i < xs.length; i++) {
      if (!isFinite(ys[i])) continue;
      parts.push((xs[i] * sx).toFixed(1) + " " + (CURVE_H - Math.min(ys[i], top) * sy).toFixed(1));
    }
    return "M" + parts.join("L");
  }

  // ------------------------------------------------------------ the page

  function Page(root, problem) {
    this.root = root;
    this.problem = problem;
    this.page = problem.page;
    this.P = T.compile(problem);
    this.playing = false;
    this.frame = 0;
    this.resume = false;
    this.dirty = false;
    this.grid24 = T.gridPoints(this.page.extent[0], this.page.extent[1], UNIT_PIXELS);
    this.grid64 = T.gridPoints(this.page.extent[0], this.page.extent[1], PLANE_PIXELS);
    this.out24 = null;
    this.out64 = null;
    root.setAttribute("data-engine", "browser");
    this.bind();
    this.sync();
    this.warm(5);
  }

  // Find the parts a frame redraws (again after every swap: frames replace them).
  Page.prototype.bind = function () {
    var root = this.root;
    var self = this;
    this.state = document.getElementById("run-state");
    this.toggle = document.getElementById("run-toggle");
    this.epochCount = document.getElementById("epoch-count");
    this.epf = document.getElementById("epf");
    var graph = root.querySelector("svg.train-graph");
    if (graph && graph !== this.graphSvg) {
      this.graphSvg = graph;
      this.edges = Array.prototype.map.call(graph.querySelectorAll("path.edge"), function (el) {
        var key = el.getAttribute("data-key").split("-");
        var l = Number(key[1]) - 1;
        return { el: el, param: 2 * l, index: (Number(key[2]) - 1) * self.P.sizes[l + 1] + Number(key[3]) - 1 };
      });
      this.nodes = [];
      Array.prototype.forEach.call(graph.querySelectorAll("g.node"), function (g) {
        var col = Number(g.getAttribute("data-col"));
        if (col === 0) return; // the inputs' heatmaps never change
        var node = canvasFor(g.querySelector("image"), UNIT_PIXELS);
        node.col = col;
        node.unit = Number(g.getAttribute("data-unit"));
        self.nodes.push(node);
      });
    }
    var planeImage = document.getElementById("plane-image");
    if (planeImage && (!this.plane || this.plane.image !== planeImage)) this.plane = canvasFor(planeImage, PLANE_PIXELS);
    this.curveTrain = document.getElementById("curve-train");
    this.curveTest = document.getElementById("curve-test");
    this.curveTicks = document.getElementById("curve-ticks");
    this.metricEls = {};
    Array.prototype.forEach.call(root.querySelectorAll("[data-metric] dd"), function (dd) {
      self.metricEls[dd.parentNode.getAttribute("data-metric")] = dd;
    });
    var discretize = document.getElementById("discretize");
    this.discretize = discretize ? discretize.checked : this.page.discretize;
  };

  // The run as the page now holds it (the state field the server wrote).
  Page.prototype.sync = function () {
    this.bind();
    var run = this.state ? decodeState(this.page, this.P, this.state.value) : null;
    this.run = run;
    this.dirty = false;
    if (!run) this.root.setAttribute("data-engine", "server");
  };

  Page.prototype.writeState = function () {
    if (this.run && this.dirty && this.state) {
      this.state.value = encodeState(this.page, this.run);
      this.dirty = false;
    }
  };

  // Short idle tasks that get V8 to optimise the loops before the first frame of Play.
  Page.prototype.warm = function (calls) {
    var self = this;
    var idle = window.requestIdleCallback || function (fn) { return setTimeout(fn, 50); };
    function next() {
      if (calls-- <= 0 || self.playing || !self.root.isConnected) return;
      T.warmUp(self.problem);
      idle(next);
    }
    idle(next);
  };

  Page.prototype.play = function () {
    if (!this.run || this.playing) return;
    this.playing = true;
    this.root.setAttribute("data-playing", "true");
    this.toggle.textContent = "Pause";
    this.toggle.value = "pause";
    var text = "Training in the browser from epoch " + this.run.epoch;
    var status = document.getElementById("step-status");
    if (status) status.textContent = text;
    var own = document.getElementById("run-status");
    if (own) own.textContent = text;
    var self = this;
    this.frame = requestAnimationFrame(function tick() {
      if (!self.playing) return;
      if (!self.root.isConnected) { self.stop(); return; }
      self.step();
      if (self.playing) self.frame = requestAnimationFrame(tick);
    });
  };

  // `sending`: a run button is being sent, whose value must reach the server as it is (its
  // answer brings the Play/Pause button back).
  Page.prototype.stop = function (sending) {
    this.playing = false;
    cancelAnimationFrame(this.frame);
    this.root.setAttribute("data-playing", "false");
    if (this.toggle && !sending) {
      this.toggle.textContent = "Play";
      this.toggle.value = "play";
    }
    this.writeState();
  };

  // One frame: as many epochs as asked (Epochs per frame), within the frame's time budget.
  Page.prototype.step = function () {
    var wanted = this.epf ? Number(this.epf.value) || 1 : 1;
    var began = performance.now();
    var done = 0;
    while (done < wanted) {
      var result = T.advance(this.problem, this.run, 1);
      if (result.divergedAt !== null) {
        this.diverged();
        break;
      }
      this.run = result.run;
      this.dirty = true;
      done += 1;
      if (performance.now() - began > FRAME_BUDGET_MS) break;
    }
    this.draw();
  };

  // The loss overflowed: stop, and let the server train that epoch, fail as the page did, and
  // say so (its message, at the last finite epoch).
  Page.prototype.diverged = function () {
    this.stop();
    var step = document.getElementById("run-step");
    if (step) step.click();
  };

  Page.prototype.draw = function () {
    var run = this.run;
    var P = this.P;
    var self = this;
    this.epochCount.textContent = String(run.epoch);
    var m = T.metrics(this.problem, run.params);
    this.setMetric("train-loss", fmt(m.train.loss, 4));
    this.setMetric("test-loss", this.P.nTest ? fmt(m.test.loss, 4) : "—");
    this.setMetric("train-accuracy", percent(m.train.accuracy));
    this.setMetric("test-accuracy", percent(m.test.accuracy));
    // The graph's edges follow the weights.
    var l1 = this.problem.regularization && this.problem.regularization.name === "l1";
    this.edges.forEach(function (e) {
      var w = run.params[e.param][e.index];
      var cls = l1 && w === 0 ? "edge dead" : w >= 0 ? "edge pos" : "edge neg";
      if (e.el.getAttribute("class") !== cls && !e.el.classList.contains("is-chosen")) e.el.setAttribute("class", cls);
      e.el.setAttribute("stroke-width", String(Math.round(Math.min(6, 0.4 + 1.5 * Math.abs(w)) * 100) / 100));
    });
    // Every unit's heatmap, and the output over the plane.
    this.out24 = T.outputs(this.problem, run.params, this.grid24, this.out24);
    var last = P.nLayers;
    var scales = [];
    for (var l = 0; l < last; l++) scales.push(this.layerScale(l, this.out24[l]));
    this.nodes.forEach(function (node) {
      var layer = node.col - 1;
      var units = P.sizes[node.col];
      var values = self.out24[layer];
      if (self.discretize && node.col === last) values = self.discretized(values);
      paint(node.data, values, node.unit, units, scales[layer]);
      node.ctx.putImageData(node.data, 0, 0);
    });
    if (this.plane) {
      this.out64 = T.outputs(this.problem, run.params, this.grid64, this.out64);
      var output = this.out64[last - 1];
      if (this.discretize) output = this.discretized(output);
      paint(this.plane.data, output, 0, P.sizes[last], this.page.outputScale);
      this.plane.ctx.putImageData(this.plane.data, 0, 0);
    }
    this.drawCurve(m);
  };

  Page.prototype.setMetric = function (key, text) {
    var el = this.metricEls[key];
    if (el && el.textContent !== text) el.textContent = text;
  };

  // app/plots/axes.py scale_of: the activation's range where it is bounded, else symmetric
  // around 0 by the layer's largest value; the output's is the problem's.
  Page.prototype.layerScale = function (layer, values) {
    if (layer === this.P.nLayers - 1) return this.page.outputScale;
    var bounds = this.page.bounds[this.P.activationNames[layer]];
    if (bounds) return [bounds[0], (bounds[0] + bounds[1]) / 2, bounds[1]];
    var top = 0;
    for (var i = 0; i < values.length; i++) {
      var a = Math.abs(values[i]);
      if (a > top) top = a;
    }
    top = isFinite(top) && top > 0 ? top : 1;
    return [-top, 0, top];
  };

  // app/training/view.py discretized: the class (0/1), or a regression's sign (-1/1).
  Page.prototype.discretized = function (values) {
    var out = this.discreteScratch && this.discreteScratch.length === values.length
      ? this.discreteScratch
      : (this.discreteScratch = new Float64Array(values.length));
    var regression = this.page.regression;
    for (var i = 0; i < values.length; i++) {
      out[i] = regression ? (values[i] >= 0 ? 1 : -1) : values[i] >= 0.5 ? 1 : 0;
    }
    return out;
  };

  // app/training/view.py _curve: the loss per epoch, with the current epoch's loss at its end.
  Page.prototype.drawCurve = function (m) {
    if (!this.curveTrain) return;
    var h = this.run.history;
    var epochs = [];
    for (var i = 0; i < h.train.length; i++) epochs.push(i * h.stride);
    var train = h.train.slice();
    var test = h.test.slice();
    if (!epochs.length || epochs[epochs.length - 1] !== this.run.epoch) {
      epochs.push(this.run.epoch);
      train.push(m.train.loss);
      test.push(m.test.loss);
    }
    var hasTest = test.some(isFinite);
    var top = 0;
    train.concat(hasTest ? test : []).forEach(function (v) { if (isFinite(v) && v > top) top = v; });
    top = top > 0 ? top * 1.05 : 1;
    var last = Math.max(this.run.epoch, 1);
    this.curveTrain.setAttribute("d", path(epochs, train, top, last));
    if (hasTest) this.curveTest.setAttribute("d", path(epochs, test, top, last));
    // Ticks: redrawn only when they change (the loss axis's top, the last epoch).
    var key = top.toPrecision(3) + "/" + last;
    if (key === this.ticksKey) return;
    this.ticksKey = key;
    var g = this.curveTicks;
    while (g.firstChild) g.removeChild(g.firstChild);
    epochTicks(last).forEach(function (t) { g.appendChild(label(t.at, CURVE_H + 18, "middle", t.label)); });
    valueTicks(0, top).forEach(function (t) { g.appendChild(label(-6, t.at + 4, "end", t.label)); });
    var grid = this.curveTicks.parentNode.querySelector("g.grid");
    if (grid) {
      while (grid.firstChild) grid.removeChild(grid.firstChild);
      valueTicks(0, top).forEach(function (t) {
        var line = document.createElementNS(SVG, "line");
        line.setAttribute("x1", "0");
        line.setAttribute("x2", String(CURVE_W));
        line.setAttribute("y1", String(t.at));
        line.setAttribute("y2", String(t.at));
        grid.appendChild(line);
      });
    }
  };

  function label(x, y, anchor, text) {
    var t = document.createElementNS(SVG, "text");
    t.setAttribute("x", String(x));
    t.setAttribute("y", String(y));
    t.setAttribute("text-anchor", anchor);
    t.textContent = text;
    return t;
  }

  // A click on an edge chooses its weight in the editor (and pauses: the edit applies to the
  // network as it is now; the run goes on from it after "Set" if it was playing).
  Page.prototype.chooseWeight = function (edge) {
    var editor = document.getElementById("weight-editor");
    var select = document.getElementById("edit-weight");
    var input = document.getElementById("edit-value");
    if (!editor || !select || !input || !this.run) return;
    if (this.playing) {
      this.resume = true;
      this.stop();
    }
    var key = edge.getAttribute("data-key");
    select.value = key;
    var found = this.edges.filter(function (e) { return e.el === edge; })[0];
    input.value = found ? String(this.run.params[found.param][found.index]) : "";
    this.edges.forEach(function (e) { e.el.classList.toggle("is-chosen", e.el === edge); });
    editor.open = true;
    input.focus();
    input.select();
  };

  // ------------------------------------------------------------ wiring

  var active = null;

  function init() {
    var root = document.getElementById("training");
    var data = document.getElementById("run-problem");
    if (!root || !data) {
      if (active) active.stop();
      active = null;
      return;
    }
    if (active && active.root === root) {
      if (active.playing) return; // a swap that did not stop it (none should): keep its run
      var resume = active.resume;
      active.resume = false;
      active.sync();
      if (resume) active.play();
      return;
    }
    if (active) active.stop();
    try {
      active = new Page(root, JSON.parse(data.content ? data.content.textContent : data.textContent));
    } catch (e) {
      active = null;
      root.setAttribute("data-engine", "server");
      if (window.console) window.console.error("Backstep: training stays on the server:", e);
    }
  }

  function engaged() {
    return active && active.run && active.root.isConnected && active.root.getAttribute("data-engine") === "browser";
  }

  // Play trains here; everything else the run form sends goes to the server with the state
  // as this page now has it.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!engaged() || !form || form.id !== "run") return;
    var button = event.submitter;
    if (button && button.name === "action" && button.value === "play") {
      event.preventDefault();
      event.stopImmediatePropagation();
      active.resume = false;
      active.play();
      return;
    }
    // Pause, One epoch, Reset, Set, Open in walkthrough: stop here, hand the state over.
    active.resume = active.resume && button && button.value === "edit";
    active.stop(true);
  }, true);

  // Any other request about the run (a display toggle, a paused button's) takes this page's
  // state, and the run plays on after the answer if it was playing.
  document.addEventListener("htmx:configRequest", function (event) {
    var d = event.detail;
    if (!engaged() || !/^\/train\/(frame|snapshot)/.test(d.path)) return;
    if (active.playing) {
      active.resume = true;
      active.stop(true);
    }
    active.writeState();
    if (active.state) d.parameters.state = active.state.value;
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    // The whole page is about to change (new settings): this run ends here.
    if (active && event.detail.target && event.detail.target.id === "training") active.stop();
  });

  document.addEventListener("htmx:afterSettle", init);
  document.addEventListener("DOMContentLoaded", init);
  if (document.readyState !== "loading") init();

  document.addEventListener("click", function (event) {
    var edge = event.target && event.target.closest ? event.target.closest("svg.train-graph path.edge") : null;
    if (edge && engaged()) active.chooseWeight(edge);
  });

  // Slider values as they move (the server applies them, debounced, through htmx).
  document.addEventListener("input", function (event) {
    var el = event.target;
    if (el && el.type === "range" && el.id) {
      var out = document.getElementById(el.id + "-value");
      if (out) out.textContent = el.value;
    }
  });

  // For tests and benchmarks: the run as this page holds it (read-only use).
  window.BackstepTraining = {
    run: function () { return active && active.run; },
    playing: function () { return Boolean(active && active.playing); },
    engine: function () { return engaged() ? "browser" : "server"; },
  };
})();
