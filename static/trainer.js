// Backstep's training loop in the browser: the NumPy engine's numbers (engine/training_run.py,
// engine/train.py, engine/propagate.py, ...) with Float64Array typed arrays, so that pressing
// Play costs the server nothing. The engine stays authoritative; docs/js-trainer.md says how
// closely this file follows it and why it cannot always be bit for bit.
//
// The numeric core only: no DOM, no timers, no globals read. A classic script (the site's CSP is
// script-src 'self': no modules, no eval) that defines window.BackstepTrainer (self.BackstepTrainer
// in a Web Worker), and a CommonJS module under Node (`require("./static/trainer.js")`).
// The API and the problem's format: docs/js-trainer.md.
(function (root) {
  "use strict";

  var HISTORY_POINTS = 256; // engine/training_run.py: the loss curve keeps at most this many epochs
  var LEAKY_SLOPE = 0.01;
  var MOMENTUM = 0.9;
  var ADAM_BETA1 = 0.9;
  var ADAM_BETA2 = 0.999;
  var ADAM_EPS = 1e-8;

  function fail(message) {
    throw new Error(message);
  }

  function lookup(table, name, what) {
    if (typeof name === "string" && Object.prototype.hasOwnProperty.call(table, name)) {
      return table[name];
    }
    var known = Object.keys(table).join(", ");
    return fail("unknown " + what + " " + JSON.stringify(name) + "; known: " + known);
  }

  // ---------------------------------------------------------------- registries
  // One entry per name: adding an activation, a loss, an optimizer or a feature is one entry.

  // engine/activations.py sigmoid: exp(min(z, 0)) / (1 + exp(-|z|)), overflow-free for any z.
  function sigmoid(z) {
    return Math.exp(Math.min(z, 0)) / (1 + Math.exp(-Math.abs(z)));
  }

  // value(z) = f(z); slope(z, a) = f'(z) given z and a = f(z), as engine/activations.py writes it.
  var ACTIVATIONS = {
    linear: {
      value: function (z) { return z; },
      slope: function () { return 1; },
    },
    relu: {
      // np.maximum(z, 0) keeps a NaN; ReLU'(0) = 0.
      value: function (z) { return z > 0 || z !== z ? z : 0; },
      slope: function (z) { return z > 0 ? 1 : 0; },
    },
    leaky_relu: {
      // The slope at z = 0 is the negative side's, 0.01.
      value: function (z) { return z > 0 ? z : LEAKY_SLOPE * z; },
      slope: function (z) { return z > 0 ? 1 : LEAKY_SLOPE; },
    },
    sigmoid: {
      value: sigmoid,
      slope: function (z, a) { return a * (1 - a); },
    },
    tanh: {
      value: Math.tanh,
      slope: function (z, a) { return 1 - a * a; },
    },
    softplus: {
      value: softplus,
      slope: function (z) { return sigmoid(z); },
    },
  };

  // log(1 + e^z) written so that neither exp nor log overflows, as engine/activations.py does.
  function softplus(z) {
    return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
  }

  // A loss per example is perExample(s, K) of s = the (pairwise) sum over the K outputs of
  // term(z, y, t). Its gradient is either gradZ (dL/dz, for a loss that needs a particular output
  // activation and is computed from the logits) or gradY (dL/dy, times the activation's slope).
  var LOSSES = {
    binary_crossentropy: {
      requires: "sigmoid",
      // -[t log σ(z) + (1 - t) log(1 - σ(z))] = softplus(z) - t z, exact for any finite z.
      term: function (z, y, t) { return softplus(z) - t * z; },
      perExample: function (s) { return s; },
      gradZ: function (z, y, t) { return y - t; },
    },
    mse: {
      term: function (z, y, t) { return (y - t) * (y - t); },
      perExample: function (s, k) { return s / k; },
      gradY: function (z, y, t, k) { return (2 * (y - t)) / k; },
    },
    squared_error: {
      term: function (z, y, t) { return (y - t) * (y - t); },
      perExample: function (s) { return 0.5 * s; },
      gradY: function (z, y, t) { return y - t; },
    },
  };

  // The factor the batch's sum of per-example losses is multiplied by.
  var REDUCTIONS = {
    sum: function () { return 1; },
    mean: function (n) { return 1 / n; },
  };

  // update(p, g, slots, q, lr, t): one step in place on parameter array p = params[q] with its
  // gradient g, step number t (from 1) and slots[k][q] for each slot k named in `slots` (zeros
  // at first); false if an intermediate overflowed. The engine's formulas, operation for
  // operation (engine/optimizers.py).
  var OPTIMIZERS = {
    sgd: {
      slots: [],
      // p - lr g
      update: function (p, g, slots, q, lr) {
        for (var i = 0; i < p.length; i++) p[i] = p[i] - lr * g[i];
        return true;
      },
    },
    momentum: {
      slots: ["velocity"],
      // v = 0.9 v + g; p - lr v (PyTorch's form: lr scales the velocity, not the gradient).
      update: function (p, g, slots, q, lr) {
        var velocity = slots[0][q];
        for (var i = 0; i < p.length; i++) {
          var v = MOMENTUM * velocity[i] + g[i];
          velocity[i] = v;
          p[i] = p[i] - lr * v;
        }
        return true;
      },
    },
    adam: {
      slots: ["m", "v"],
      update: function (p, g, slots, q, lr, t) {
        var ms = slots[0][q];
        var vs = slots[1][q];
        var c1 = 1 - correctlyRoundedPower(ADAM_BETA1, t);
        var c2 = 1 - correctlyRoundedPower(ADAM_BETA2, t);
        var ok = true;
        for (var i = 0; i < p.length; i++) {
          var gi = g[i];
          var m = ADAM_BETA1 * ms[i] + (1 - ADAM_BETA1) * gi;
          var v = ADAM_BETA2 * vs[i] + (1 - ADAM_BETA2) * gi * gi;
          ms[i] = m;
          vs[i] = v;
          var mHat = m / c1;
          var vHat = v / c2;
          // NOTE: v / c2 can overflow while v stays finite (and 1/sqrt(inf) is 0): the engine's
          // errstate raises there, so the step counts as diverged.
          if (!(vHat - vHat === 0 && mHat - mHat === 0)) ok = false;
          p[i] = p[i] - (lr * mHat) / (Math.sqrt(vHat) + ADAM_EPS);
        }
        return ok;
      },
    },
  };

  // Input features of a raw 2-D point, always in this order (the order of the table).
  var FEATURES = {
    x1: { label: "x₁", value: function (x1) { return x1; } },
    x2: { label: "x₂", value: function (x1, x2) { return x2; } },
    x1_squared: { label: "x₁²", value: function (x1) { return x1 * x1; } },
    x2_squared: { label: "x₂²", value: function (x1, x2) { return x2 * x2; } },
    x1_x2: { label: "x₁x₂", value: function (x1, x2) { return x1 * x2; } },
    sin_x1: { label: "sin(x₁)", value: function (x1) { return Math.sin(x1); } },
    sin_x2: { label: "sin(x₂)", value: function (x1, x2) { return Math.sin(x2); } },
  };

  // Weights only, never biases: penalty(sum) is added to the reduced loss, where sum is the
  // sum over layers (in order, from 0) of the pairwise sum of term(w) over W row-major; grad(w)
  // is added to dL/dW.
  var REGULARIZATIONS = {
    none: null,
    l1: {
      term: Math.abs,
      penalty: function (rate, s) { return rate * s; },
      grad: function (rate, w) { return rate * (w > 0 ? 1 : w < 0 ? -1 : 0); },
      clampFlips: true, // a weight whose sign flipped in a step is set to exactly 0
    },
    l2: {
      term: function (w) { return w * w; },
      penalty: function (rate, s) { return rate * 0.5 * s; },
      grad: function (rate, w) { return rate * w; },
      clampFlips: false,
    },
  };

  // ---------------------------------------------------------------- exact arithmetic helpers

  // NumPy's pairwise summation (loops_utils.h: 8 accumulators, blocks of 128), used by every
  // sum over a contiguous axis: x[off], x[off + stride], ... (n terms).
  function pairwise(x, off, n, stride) {
    var i, res;
    if (n < 8) {
      res = 0;
      for (i = 0; i < n; i++) res += x[off + i * stride];
      return res;
    }
    if (n <= 128) {
      var r0 = x[off], r1 = x[off + stride], r2 = x[off + 2 * stride], r3 = x[off + 3 * stride];
      var r4 = x[off + 4 * stride], r5 = x[off + 5 * stride], r6 = x[off + 6 * stride];
      var r7 = x[off + 7 * stride];
      var end = n - (n % 8);
      for (i = 8; i < end; i += 8) {
        var o = off + i * stride;
        r0 += x[o];
        r1 += x[o + stride];
        r2 += x[o + 2 * stride];
        r3 += x[o + 3 * stride];
        r4 += x[o + 4 * stride];
        r5 += x[o + 5 * stride];
        r6 += x[o + 6 * stride];
        r7 += x[o + 7 * stride];
      }
      res = (r0 + r1 + (r2 + r3)) + (r4 + r5 + (r6 + r7));
      for (; i < n; i++) res += x[off + i * stride];
      return res;
    }
    var n2 = Math.floor(n / 2);
    n2 -= n2 % 8;
    return pairwise(x, off, n2, stride) + pairwise(x, off + n2 * stride, n - n2, stride);
  }

  // base**t for a whole t >= 0, correctly rounded: double-double exponentiation by squaring.
  // Python's `0.999 ** t` calls the C library's pow(), which is correctly rounded in all but a
  // few t; V8's Math.pow differs from it far more often (about 1 t in 10 for 0.999).
  var SPLITTER = 134217729; // 2^27 + 1
  function twoProduct(a, b, out) {
    var p = a * b;
    var t = SPLITTER * a;
    var ah = t - (t - a);
    var al = a - ah;
    t = SPLITTER * b;
    var bh = t - (t - b);
    var bl = b - bh;
    out[0] = p;
    out[1] = ah * bh - p + ah * bl + al * bh + al * bl;
  }
  function ddMul(ah, al, bh, bl, out) {
    twoProduct(ah, bh, out);
    var e = out[1] + (ah * bl + al * bh);
    var s = out[0] + e;
    out[1] = e - (s - out[0]);
    out[0] = s;
  }
  function correctlyRoundedPower(base, t) {
    var r = [1, 0];
    var x = [base, 0];
    var tmp = [0, 0];
    while (t > 0) {
      if (t % 2 === 1) {
        ddMul(r[0], r[1], x[0], x[1], tmp);
        r[0] = tmp[0];
        r[1] = tmp[1];
      }
      t = Math.floor(t / 2);
      if (t > 0) {
        ddMul(x[0], x[1], x[0], x[1], tmp);
        x[0] = tmp[0];
        x[1] = tmp[1];
      }
    }
    return r[0] + r[1];
  }

  // ---------------------------------------------------------------- NumPy's shuffle
  // np.random.default_rng([seed, epoch]).permutation(n), bit for bit: SeedSequence
  // (numpy/random/bit_generator.pyx), PCG64 (pcg64.h: 128-bit LCG, XSL-RR output) and
  // Generator.shuffle's Fisher-Yates with random_interval (distributions.c), whose bounded draws
  // for max <= 2^32 - 1 take 32-bit halves of 64-bit outputs (low half first).

  var INIT_A = 0x43b0d7e5;
  var MULT_A = 0x931e8875;
  var INIT_B = 0x8b51f9dd;
  var MULT_B = 0x58f38ded;
  var MIX_MULT_L = 0xca01f9dd;
  var MIX_MULT_R = 0x4973f715;
  var POOL_SIZE = 4;

  // _int_to_uint32_array: a whole number >= 0 as 32-bit words, lowest first (0 is one word).
  function uint32Words(n, what) {
    if (!(typeof n === "number" && Number.isSafeInteger(n) && n >= 0)) {
      fail(what + " must be a whole number >= 0 (at most 2^53 - 1), got " + String(n));
    }
    var words = [];
    if (n === 0) words.push(0);
    while (n > 0) {
      words.push(n % 4294967296);
      n = Math.floor(n / 4294967296);
    }
    return words;
  }

  function hashmix(value, hash) {
    value = (value ^ hash[0]) >>> 0;
    hash[0] = Math.imul(hash[0], MULT_A) >>> 0;
    value = Math.imul(value, hash[0]) >>> 0;
    return (value ^ (value >>> 16)) >>> 0;
  }

  function mix(x, y) {
    var r = (Math.imul(MIX_MULT_L, x) - Math.imul(MIX_MULT_R, y)) >>> 0;
    return (r ^ (r >>> 16)) >>> 0;
  }

  // SeedSequence(entropy).generate_state(nWords) as 32-bit words.
  function seedSequenceState(entropy, nWords) {
    var pool = [0, 0, 0, 0];
    var hash = [INIT_A];
    var i, j;
    for (i = 0; i < POOL_SIZE; i++) pool[i] = hashmix(i < entropy.length ? entropy[i] : 0, hash);
    for (i = 0; i < POOL_SIZE; i++) {
      for (j = 0; j < POOL_SIZE; j++) {
        if (i !== j) pool[j] = mix(pool[j], hashmix(pool[i], hash));
      }
    }
    for (i = POOL_SIZE; i < entropy.length; i++) {
      for (j = 0; j < POOL_SIZE; j++) pool[j] = mix(pool[j], hashmix(entropy[i], hash));
    }
    var out = [];
    var h = INIT_B;
    for (i = 0; i < nWords; i++) {
      var v = (pool[i % POOL_SIZE] ^ h) >>> 0;
      h = Math.imul(h, MULT_B) >>> 0;
      v = Math.imul(v, h) >>> 0;
      out.push((v ^ (v >>> 16)) >>> 0);
    }
    return out;
  }

  // 128-bit numbers as 8 limbs of 16 bits, least significant first: every partial product fits
  // a double exactly, so no BigInt is needed (and none is allocated per draw).
  var PCG_MULT = limbs128(0x2360ed05, 0x1fc65da4, 0x4385df64, 0x9fccf645);
  var ONE = limbs128(0, 0, 0, 1);

  function limbs128(w3, w2, w1, w0) {
    var words = [w0, w1, w2, w3];
    var out = new Float64Array(8);
    for (var i = 0; i < 4; i++) {
      out[2 * i] = words[i] & 0xffff;
      out[2 * i + 1] = words[i] >>> 16;
    }
    return out;
  }

  // out = (a * m + c) mod 2^128 (out may be a).
  var LIMBS = new Float64Array(8);
  function mulAdd128(a, m, c, out) {
    var carry = 0;
    for (var k = 0; k < 8; k++) {
      var acc = carry + c[k];
      for (var i = 0; i <= k; i++) acc += a[i] * m[k - i];
      var lo = acc % 65536;
      LIMBS[k] = lo;
      carry = (acc - lo) / 65536;
    }
    out.set(LIMBS);
  }

  function Pcg64(seedWords) {
    // generate_state(4, uint64) -> [seed_hi, seed_lo, inc_hi, inc_lo] as uint64 from pairs of
    // 32-bit words (low word first); pcg64_set_seed takes state = hi:lo, initseq = hi:lo.
    var w = seedWords;
    var initState = limbs128(w[1], w[0], w[3], w[2]);
    var initSeq = limbs128(w[5], w[4], w[7], w[6]);
    var inc = new Float64Array(8);
    var carry = 1; // (initseq << 1) | 1
    for (var k = 0; k < 8; k++) {
      var v = initSeq[k] * 2 + carry;
      carry = v >= 65536 ? 1 : 0;
      inc[k] = v - carry * 65536;
    }
    this.inc = inc;
    // pcg_setseq_128_srandom_r: state = 0, step, state += initstate, step.
    var s = new Float64Array(8);
    mulAdd128(s, PCG_MULT, inc, s);
    mulAdd128(s, ONE, initState, s);
    mulAdd128(s, PCG_MULT, inc, s);
    this.state = s;
    this.hi = 0;
    this.lo = 0;
    this.hasHalf = false;
    this.half = 0;
  }

  // The next 64-bit output into this.hi and this.lo (32 bits each): step, then XSL-RR of the
  // new state.
  Pcg64.prototype.next64 = function () {
    var s = this.state;
    mulAdd128(s, PCG_MULT, this.inc, s);
    var hi = (((s[3] ^ s[7]) << 16) | (s[2] ^ s[6])) >>> 0;
    var lo = (((s[1] ^ s[5]) << 16) | (s[0] ^ s[4])) >>> 0;
    var rot = s[7] >>> 10; // state >> 122
    if (rot >= 32) {
      var t = hi;
      hi = lo;
      lo = t;
      rot -= 32;
    }
    if (rot > 0) {
      var newHi = ((hi >>> rot) | (lo << (32 - rot))) >>> 0;
      lo = ((lo >>> rot) | (hi << (32 - rot))) >>> 0;
      hi = newHi;
    }
    this.hi = hi;
    this.lo = lo;
  };

  // pcg64_next32: the low half of a fresh 64-bit output, then its high half.
  Pcg64.prototype.next32 = function () {
    if (this.hasHalf) {
      this.hasHalf = false;
      return this.half;
    }
    this.next64();
    this.hasHalf = true;
    this.half = this.hi;
    return this.lo;
  };

  // random_interval(max) for max < 2^32: the smallest mask >= max, draws until one fits.
  function randomInterval(rng, max) {
    if (max === 0) return 0;
    var mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    var value;
    do {
      value = (rng.next32() & mask) >>> 0;
    } while (value > max);
    return value;
  }

  // np.random.default_rng([seed, epoch]).permutation(n), as an Int32Array.
  function permutation(seed, epoch, n) {
    if (!(Number.isInteger(n) && n >= 0 && n < 4294967296)) fail("n must be a whole number >= 0");
    var entropy = uint32Words(seed, "seed").concat(uint32Words(epoch, "epoch"));
    var rng = new Pcg64(seedSequenceState(entropy, 8));
    var order = new Int32Array(n);
    for (var i = 0; i < n; i++) order[i] = i;
    for (i = n - 1; i >= 1; i--) {
      var j = randomInterval(rng, i);
      var t = order[j];
      order[j] = order[i];
      order[i] = t;
    }
    return order;
  }

  // ---------------------------------------------------------------- problems

  function isFiniteNumber(v) {
    return typeof v === "number" && v - v === 0;
  }

  // Rows of numbers (an array of arrays, or a flat array/typed array with `cols` columns) as a
  // row-major Float64Array.
  function toMatrix(values, cols, what) {
    var data, rows;
    if (values == null) values = [];
    if (ArrayBuffer.isView(values) || (values.length && !Array.isArray(values[0]))) {
      if (values.length % cols !== 0) {
        fail(what + " has " + values.length + " numbers, not a multiple of " + cols + " columns");
      }
      rows = values.length / cols;
      data = Float64Array.from(values);
    } else {
      rows = values.length;
      data = new Float64Array(rows * cols);
      for (var i = 0; i < rows; i++) {
        var row = values[i];
        if (!row || row.length !== cols) {
          var count = row ? row.length : 0;
          fail(what + " row " + (i + 1) + " has " + count + " values, expected " + cols);
        }
        for (var j = 0; j < cols; j++) data[i * cols + j] = row[j];
      }
    }
    for (var k = 0; k < data.length; k++) {
      if (!(data[k] - data[k] === 0)) fail(what + " must be finite numbers");
    }
    return { data: data, rows: rows };
  }

  function featureNames(names) {
    var wanted = {};
    names.forEach(function (name) {
      lookup(FEATURES, name, "feature");
      wanted[name] = true;
    });
    var ordered = Object.keys(FEATURES).filter(function (name) { return wanted[name]; });
    if (!ordered.length) {
      fail("choose at least one input feature; known: " + Object.keys(FEATURES).join(", "));
    }
    return ordered;
  }

  // The feature map of raw 2-D points (rows [x1, x2], or a flat array of pairs) into the chosen
  // features, always in the fixed order x1, x2, x1², x2², x1x2, sin x1, sin x2. Rows in, rows out
  // (a flat Float64Array in, a flat Float64Array out).
  function features(names, points) {
    var ordered = featureNames(names);
    var raw = toMatrix(points, 2, "points");
    var out = featureMatrix(ordered, raw.data, raw.rows);
    if (ArrayBuffer.isView(points) || (points.length && !Array.isArray(points[0]))) return out;
    var rows = [];
    var k = ordered.length;
    for (var i = 0; i < raw.rows; i++) rows.push(Array.from(out.subarray(i * k, (i + 1) * k)));
    return rows;
  }

  function featureMatrix(ordered, raw, n) {
    var k = ordered.length;
    var fns = ordered.map(function (name) { return FEATURES[name].value; });
    var out = new Float64Array(n * k);
    for (var i = 0; i < n; i++) {
      var x1 = raw[2 * i];
      var x2 = raw[2 * i + 1];
      for (var j = 0; j < k; j++) out[i * k + j] = fns[j](x1, x2);
    }
    return out;
  }

  // Inputs as the network takes them: raw points through the feature map, if the problem has one.
  function networkInputs(P, points, what) {
    if (P.features) {
      var raw = toMatrix(points, 2, what);
      return { data: featureMatrix(P.features, raw.data, raw.rows), rows: raw.rows };
    }
    return toMatrix(points, P.sizes[0], what);
  }

  function allBinary(t) {
    for (var i = 0; i < t.length; i++) if (t[i] !== 0 && t[i] !== 1) return false;
    return true;
  }

  var compiled = typeof WeakMap !== "undefined" ? new WeakMap() : null;

  // Check a problem and turn it into typed arrays, once (start/advance/... accept either form).
  function compile(spec) {
    if (spec && spec.compiled === true) return spec;
    if (compiled && compiled.has(spec)) return compiled.get(spec);
    if (!spec || !Array.isArray(spec.layers) || !spec.layers.length) {
      fail("a problem needs a non-empty list of layers");
    }
    var P = { compiled: true, spec: spec };
    P.features = spec.features == null ? null : featureNames(spec.features);
    var sizes = [];
    var params = [];
    P.activationNames = [];
    P.activations = spec.layers.map(function (layer, i) {
      var name = "layer " + (i + 1);
      var W = layer.W || layer.weights;
      var b = layer.b || layer.bias;
      if (!Array.isArray(W) || !W.length || !Array.isArray(W[0])) {
        fail(name + " needs W, an n_in x n_out matrix");
      }
      var nIn = W.length;
      var nOut = W[0].length;
      if (i === 0) sizes.push(nIn);
      else if (nIn !== sizes[i]) {
        var shape = nIn + "x" + nOut;
        fail(name + " W is " + shape + " but layer " + i + " has " + sizes[i] + " units");
      }
      sizes.push(nOut);
      params.push(toMatrix(W, nOut, name + " W").data);
      if (!b || b.length !== nOut) fail(name + " b must hold " + nOut + " values");
      params.push(toMatrix(b, nOut, name + " b").data);
      P.activationNames.push(layer.activation);
      return lookup(ACTIVATIONS, layer.activation, "activation");
    });
    P.sizes = sizes;
    P.initialParams = params;
    P.nLayers = spec.layers.length;
    if (P.features && P.features.length !== sizes[0]) {
      fail("the features give " + P.features.length + " inputs but layer 1 takes " + sizes[0]);
    }
    P.lossName = spec.loss;
    P.loss = lookup(LOSSES, spec.loss, "loss");
    var last = P.activationNames[P.nLayers - 1];
    if (P.loss.requires && last !== P.loss.requires) {
      fail(
        "loss " + spec.loss + " needs a " + P.loss.requires + " output layer, but layer " +
          P.nLayers + " uses " + last
      );
    }
    P.reduction = spec.reduction;
    P.scale = lookup(REDUCTIONS, spec.reduction, "reduction");
    var opt = spec.optimizer || {};
    P.optimizerName = opt.name;
    P.optimizer = lookup(OPTIMIZERS, opt.name, "optimizer");
    P.lr = opt.lr != null ? opt.lr : opt.learning_rate;
    if (!(isFiniteNumber(P.lr) && P.lr > 0)) {
      fail("learning rate must be a finite number > 0, got " + String(P.lr));
    }
    var reg = spec.regularization || { name: "none", rate: 0 };
    P.regularizationName = reg.name || "none";
    P.regularization = lookup(REGULARIZATIONS, P.regularizationName, "regularization");
    P.rate = reg.rate == null ? 0 : reg.rate;
    if (!(isFiniteNumber(P.rate) && P.rate >= 0)) {
      fail("regularization rate must be a finite number >= 0");
    }
    var K = sizes[P.nLayers];
    var x = networkInputs(P, spec.inputs, "inputs");
    if (!x.rows) fail("a problem needs at least one training example");
    var t = toMatrix(spec.targets, K, "targets");
    if (t.rows !== x.rows) fail(x.rows + " inputs but " + t.rows + " targets");
    var tx = networkInputs(P, spec.testInputs || [], "test inputs");
    var tt = toMatrix(spec.testTargets || [], K, "test targets");
    if (tt.rows !== tx.rows) fail(tx.rows + " test inputs but " + tt.rows + " test targets");
    P.x = x.data;
    P.t = t.data;
    P.n = x.rows;
    P.testX = tx.data;
    P.testT = tt.data;
    P.nTest = tx.rows;
    var batch = spec.batchSize == null ? 0 : spec.batchSize;
    if (!(Number.isInteger(batch) && batch >= 0)) {
      fail("batch size must be a whole number >= 0 (0: the whole set)");
    }
    P.batchSize = batch === 0 || batch >= P.n ? P.n : batch; // as the app's None
    P.fullBatch = P.batchSize >= P.n;
    P.seed = spec.seed == null ? 0 : spec.seed;
    uint32Words(P.seed, "seed");
    P.trainBinary = allBinary(P.t);
    P.testBinary = allBinary(P.testT);
    P.nParams = params.length;
    P.work = workspace(P, P.n);
    P.batchWork = P.fullBatch ? P.work : workspace(P, P.batchSize);
    P.grads = params.map(function (p) { return new Float64Array(p.length); });
    P.before = params.map(function (p) { return new Float64Array(p.length); }); // for L1's rule
    P.lossTmp = new Float64Array(Math.max(P.n, 1));
    // Set later, declared now: every compiled problem keeps one shape for the optimised code.
    P.gridZs = null; // outputs()' scratch
    P.warm = null; // warmUp()'s throwaway copy
    if (compiled) compiled.set(spec, P);
    return P;
  }

  // z, a and dL/dz of every layer for up to `rows` examples, and the batch's inputs and targets.
  function workspace(P, rows) {
    var w = { rows: rows, zs: [], as: [], dz: [], x: null, t: null };
    for (var l = 0; l < P.nLayers; l++) {
      var size = rows * P.sizes[l + 1];
      w.zs.push(new Float64Array(size));
      w.as.push(new Float64Array(size));
      w.dz.push(new Float64Array(size));
    }
    w.x = new Float64Array(rows * P.sizes[0]);
    w.t = new Float64Array(rows * P.sizes[P.nLayers]);
    return w;
  }

  // ---------------------------------------------------------------- the maths of one pass

  // z = a_prev W + b, a = f(z) for m rows; false if some z overflowed (the engine trains under
  // np.errstate(over="raise", invalid="raise"), and matmul raises).
  function forward(P, params, x, m, zs, as) {
    var ok = true;
    var inp = x;
    for (var l = 0; l < P.nLayers; l++) {
      var nIn = P.sizes[l];
      var nOut = P.sizes[l + 1];
      var W = params[2 * l];
      var b = params[2 * l + 1];
      var z = zs[l];
      var a = as[l];
      var value = P.activations[l].value;
      for (var i = 0; i < m; i++) {
        var io = i * nIn;
        var oo = i * nOut;
        for (var j = 0; j < nOut; j++) {
          var s = 0;
          for (var k = 0; k < nIn; k++) s += inp[io + k] * W[k * nOut + j];
          s += b[j];
          if (!(s - s === 0)) ok = false;
          z[oo + j] = s;
          a[oo + j] = value(s);
        }
      }
      inp = a;
    }
    return ok;
  }

  // The penalty's sum over the weights, and the penalty.
  function penalty(P, params) {
    var reg = P.regularization;
    if (!reg) return 0;
    var s = 0;
    for (var l = 0; l < P.nLayers; l++) {
      var W = params[2 * l];
      var tmp = P.lossTmp.length >= W.length ? P.lossTmp : new Float64Array(W.length);
      for (var i = 0; i < W.length; i++) tmp[i] = reg.term(W[i]);
      s += pairwise(tmp, 0, W.length, 1);
    }
    return reg.penalty(P.rate, s);
  }

  // The reduced loss of m examples from the output layer's z and y, plus the penalty.
  function lossOf(P, params, z, y, t, m) {
    var K = P.sizes[P.nLayers];
    var loss = P.loss;
    var per = P.lossTmp.length >= m ? P.lossTmp : new Float64Array(m);
    var terms = new Float64Array(K);
    for (var i = 0; i < m; i++) {
      for (var k = 0; k < K; k++) {
        var o = i * K + k;
        terms[k] = loss.term(z[o], y[o], t[o]);
      }
      per[i] = loss.perExample(pairwise(terms, 0, K, 1), K);
    }
    var value = P.scale(m) * pairwise(per, 0, m, 1);
    return P.regularization ? value + penalty(P, params) : value;
  }

  // dL/dW, dL/db of m examples into P.grads, from the forward pass in w (and the penalty's).
  function gradients(P, params, x, t, m, w) {
    var L = P.nLayers;
    var K = P.sizes[L];
    var scale = P.scale(m);
    var loss = P.loss;
    var zOut = w.zs[L - 1];
    var yOut = w.as[L - 1];
    var dz = w.dz[L - 1];
    var slope = P.activations[L - 1].slope;
    var i, j, k, o, s;
    for (o = 0; o < m * K; o++) {
      if (loss.gradZ) dz[o] = scale * loss.gradZ(zOut[o], yOut[o], t[o], K);
      else dz[o] = scale * loss.gradY(zOut[o], yOut[o], t[o], K) * slope(zOut[o], yOut[o]);
    }
    for (var l = L - 1; l >= 0; l--) {
      var nIn = P.sizes[l];
      var nOut = P.sizes[l + 1];
      var aPrev = l ? w.as[l - 1] : x;
      var dW = P.grads[2 * l];
      var db = P.grads[2 * l + 1];
      dz = w.dz[l];
      // dW = a_prevᵀ dz
      for (k = 0; k < nIn; k++) {
        for (j = 0; j < nOut; j++) {
          s = 0;
          for (i = 0; i < m; i++) s += aPrev[i * nIn + k] * dz[i * nOut + j];
          dW[k * nOut + j] = s;
        }
      }
      // db = Σ rows of dz: NumPy sums an (m, 1) column pairwise, an (m, k > 1) array row by row.
      if (nOut === 1) {
        db[0] = pairwise(dz, 0, m, 1);
      } else {
        for (j = 0; j < nOut; j++) db[j] = 0;
        for (i = 0; i < m; i++) for (j = 0; j < nOut; j++) db[j] += dz[i * nOut + j];
      }
      if (l) {
        // da_prev = dz Wᵀ, then dz_prev = da_prev f'(z_prev)
        var W = params[2 * l];
        var dzPrev = w.dz[l - 1];
        var zPrev = w.zs[l - 1];
        var slopePrev = P.activations[l - 1].slope;
        for (i = 0; i < m; i++) {
          for (k = 0; k < nIn; k++) {
            s = 0;
            for (j = 0; j < nOut; j++) s += dz[i * nOut + j] * W[k * nOut + j];
            o = i * nIn + k;
            dzPrev[o] = s * slopePrev(zPrev[o], aPrev[o]);
          }
        }
      }
    }
    var reg = P.regularization;
    if (reg) {
      for (l = 0; l < L; l++) {
        var Wl = params[2 * l];
        var g = P.grads[2 * l];
        for (i = 0; i < Wl.length; i++) g[i] = g[i] + reg.grad(P.rate, Wl[i]);
      }
    }
  }

  // One optimizer step in place on params and slots; false if something overflowed.
  function step(P, params, slots, t) {
    var update = P.optimizer.update;
    var clamp = P.regularization !== null && P.regularization.clampFlips;
    var ok = true;
    for (var q = 0; q < P.nParams; q++) {
      var p = params[q];
      var before = clamp && q % 2 === 0 ? P.before[q] : null;
      if (before) before.set(p);
      if (!update(p, P.grads[q], slots, q, P.lr, t)) ok = false;
      var i;
      if (before) {
        // L1 (TF Playground's rule): a weight whose sign flipped in this step is set to 0.
        for (i = 0; i < p.length; i++) if (before[i] !== 0 && before[i] * p[i] < 0) p[i] = 0;
      }
      for (i = 0; i < p.length; i++) if (!(p[i] - p[i] === 0)) ok = false;
      for (var k = 0; k < slots.length; k++) {
        var slot = slots[k][q];
        for (i = 0; i < slot.length; i++) if (!(slot[i] - slot[i] === 0)) ok = false;
      }
    }
    return ok;
  }

  // The loss of the whole training set under the engine's strict errstate: NaN if it overflows.
  function strictLoss(P, params) {
    var w = P.work;
    if (!forward(P, params, P.x, P.n, w.zs, w.as)) return NaN;
    return lossOf(P, params, w.zs[P.nLayers - 1], w.as[P.nLayers - 1], P.t, P.n);
  }

  // One epoch from the state (params, slots, step, epoch) in place; false if it overflowed.
  // P.work must hold the forward pass of the whole set at these params (full batch reuses it).
  function epoch(P, params, slots, stepCount, epochIndex) {
    if (P.fullBatch) {
      gradients(P, params, P.x, P.t, P.n, P.work);
      return step(P, params, slots, stepCount + 1) ? 1 : 0;
    }
    var order = permutation(P.seed, epochIndex, P.n);
    var w = P.batchWork;
    var nIn = P.sizes[0];
    var K = P.sizes[P.nLayers];
    var taken = 0;
    for (var start = 0; start < P.n; start += P.batchSize) {
      var m = Math.min(P.batchSize, P.n - start);
      for (var i = 0; i < m; i++) {
        var row = order[start + i];
        for (var k = 0; k < nIn; k++) w.x[i * nIn + k] = P.x[row * nIn + k];
        for (k = 0; k < K; k++) w.t[i * K + k] = P.t[row * K + k];
      }
      if (!forward(P, params, w.x, m, w.zs, w.as)) return 0;
      gradients(P, params, w.x, w.t, m, w);
      taken += 1;
      if (!step(P, params, slots, stepCount + taken)) return 0;
    }
    return taken;
  }

  // ---------------------------------------------------------------- runs

  function copyArrays(arrays) {
    return arrays.map(function (a) { return Float64Array.from(a); });
  }

  // engine/training_run.py evaluate: the loss (with the penalty) and the accuracy by the engine's
  // classify rule (y >= 0.5 per output, for 0/1 targets only), never raising on overflow.
  function evaluateCompiled(P, params, x, t, n, binary) {
    if (n === 0) return { loss: NaN, accuracy: null };
    var zs = [];
    var as = [];
    for (var l = 0; l < P.nLayers; l++) {
      zs.push(new Float64Array(n * P.sizes[l + 1]));
      as.push(new Float64Array(n * P.sizes[l + 1]));
    }
    forward(P, params, x, n, zs, as);
    var y = as[P.nLayers - 1];
    var loss = lossOf(P, params, zs[P.nLayers - 1], y, t, n);
    if (!binary) return { loss: loss, accuracy: null };
    var K = P.sizes[P.nLayers];
    var correct = 0;
    for (var i = 0; i < n; i++) {
      var right = true;
      for (var k = 0; k < K; k++) if ((y[i * K + k] >= 0.5 ? 1 : 0) !== t[i * K + k]) right = false;
      if (right) correct += 1;
    }
    return { loss: loss, accuracy: correct / n };
  }

  function record(P, history, epochNumber, params, trainLoss) {
    if (epochNumber % history.stride) return history;
    var test = evaluateCompiled(P, params, P.testX, P.testT, P.nTest, P.testBinary).loss;
    var kept = {
      stride: history.stride,
      train: history.train.concat([trainLoss]),
      test: history.test.concat([test]),
    };
    while (kept.train.length > HISTORY_POINTS) {
      kept = {
        stride: kept.stride * 2,
        train: kept.train.filter(function (v, i) { return i % 2 === 0; }),
        test: kept.test.filter(function (v, i) { return i % 2 === 0; }),
      };
    }
    return kept;
  }

  function makeRun(P, params, stepCount, epochCount, slots, history) {
    var named = {};
    P.optimizer.slots.forEach(function (name, k) { named[name] = slots[k]; });
    return {
      params: params, // [W1, b1, W2, b2, ...], W row-major n_in x n_out
      optimizer: { optimizer: P.optimizerName, step: stepCount, epoch: epochCount, slots: named },
      history: history, // {stride, train: [...], test: [...]}: losses at epochs 0, stride, ...
      epoch: epochCount,
    };
  }

  function slotsOf(P, run) {
    return P.optimizer.slots.map(function (name) { return run.optimizer.slots[name]; });
  }

  // The run at epoch 0: the problem's parameters, a fresh optimizer state, the first loss point.
  function start(problem) {
    var P = compile(problem);
    var params = copyArrays(P.initialParams);
    var slots = P.optimizer.slots.map(function () {
      return params.map(function (p) { return new Float64Array(p.length); });
    });
    var train = evaluateCompiled(P, params, P.x, P.t, P.n, P.trainBinary).loss;
    var history = record(P, { stride: 1, train: [], test: [] }, 0, params, train);
    return makeRun(P, params, 0, 0, slots, history);
  }

  // The run `epochs` epochs later, or at its last finite epoch if one overflows: then divergedAt
  // is the (1-based, counted from the run's start) epoch that did. `run` is never changed.
  function advance(problem, run, epochs) {
    var P = compile(problem);
    if (!(Number.isInteger(epochs) && epochs >= 1)) {
      fail("epochs must be a whole number >= 1, got " + String(epochs));
    }
    var params = copyArrays(run.params);
    var slots = slotsOf(P, run).map(copyArrays);
    var stepCount = run.optimizer.step;
    var epochCount = run.optimizer.epoch;
    var history = run.history;
    // Also leaves the whole set's forward pass in P.work, which a full-batch epoch reuses.
    var first = strictLoss(P, params);
    if (!(first - first === 0)) fail("the loss of the starting network overflows float64");
    for (var e = 0; e < epochs; e++) {
      var nextParams = copyArrays(params);
      var nextSlots = slots.map(copyArrays);
      var taken = epoch(P, nextParams, nextSlots, stepCount, epochCount);
      var loss = taken ? strictLoss(P, nextParams) : NaN;
      if (!(loss - loss === 0)) {
        // P.work now holds a failed pass; the next advance recomputes it from `params`.
        var last = makeRun(P, params, stepCount, epochCount, slots, history);
        return { run: last, divergedAt: epochCount + 1 };
      }
      params = nextParams;
      slots = nextSlots;
      stepCount += taken;
      epochCount += 1;
      history = record(P, history, epochCount, params, loss);
    }
    return { run: makeRun(P, params, stepCount, epochCount, slots, history), divergedAt: null };
  }

  // Loss and accuracy of `params` on raw points X (through the problem's features) and targets T.
  function evaluate(problem, params, X, T) {
    var P = compile(problem);
    var x = networkInputs(P, X, "inputs");
    var t = toMatrix(T, P.sizes[P.nLayers], "targets");
    if (t.rows !== x.rows) fail(x.rows + " inputs but " + t.rows + " targets");
    return evaluateCompiled(P, params, x.data, t.data, x.rows, allBinary(t.data));
  }

  // The training and test sets' {loss, accuracy} (as `evaluate` gives them) from the problem's
  // own compiled arrays: what a page shows each frame, without converting the data again.
  function metrics(problem, params) {
    var P = compile(problem);
    return {
      train: evaluateCompiled(P, params, P.x, P.t, P.n, P.trainBinary),
      test: evaluateCompiled(P, params, P.testX, P.testT, P.nTest, P.testBinary),
    };
  }

  // a of every layer (engine/grid.py layer_outputs) for raw points: one row-major Float64Array
  // (points x units) per layer. For heatmaps; overflow is never an error here. `reuse`, an
  // earlier result for as many points, is written over instead of allocating new arrays (a
  // 64x64 grid's outputs are about half a megabyte a frame otherwise).
  function outputs(problem, params, points, reuse) {
    var P = compile(problem);
    var x = networkInputs(P, points, "points");
    var n = x.rows;
    // z scratch per number of points (a page asks for two or three sizes, frame after frame).
    var cache = P.gridZs || (P.gridZs = {});
    if (!cache[n]) {
      if (Object.keys(cache).length >= 4) cache = P.gridZs = {};
      cache[n] = P.sizes.slice(1).map(function (units) { return new Float64Array(n * units); });
    }
    var as = [];
    for (var l = 0; l < P.nLayers; l++) {
      var size = n * P.sizes[l + 1];
      as.push(reuse && reuse[l] && reuse[l].length === size ? reuse[l] : new Float64Array(size));
    }
    forward(P, params, x.data, n, cache[n], as);
    return as;
  }

  // engine/grid.py grid_points: size x size cell centres of [lo, hi]², row-major from the top row
  // (largest x2), as a flat Float64Array of (x1, x2) pairs.
  function gridPoints(lo, hi, size) {
    var stepSize = (hi - lo) / size;
    var out = new Float64Array(2 * size * size);
    for (var r = 0; r < size; r++) {
      for (var c = 0; c < size; c++) {
        var o = 2 * (r * size + c);
        out[o] = lo + stepSize * (c + 0.5);
        out[o + 1] = lo + stepSize * (size - 1 - r + 0.5);
      }
    }
    return out;
  }

  // The parameters in the engine's JSON form (Network.to_dict, layout in_out).
  function network(problem, params) {
    var P = compile(problem);
    var layers = [];
    for (var l = 0; l < P.nLayers; l++) {
      var nIn = P.sizes[l];
      var nOut = P.sizes[l + 1];
      var W = [];
      for (var k = 0; k < nIn; k++) {
        W.push(Array.from(params[2 * l].subarray(k * nOut, (k + 1) * nOut)));
      }
      var bias = Array.from(params[2 * l + 1]);
      layers.push({ weights: W, bias: bias, activation: P.activationNames[l] });
    }
    return { layers: layers, loss: P.lossName, reduction: P.reduction, layout: "in_out" };
  }

  // The optimizer state in the engine's JSON form (OptimizerState.to_dict: slots as nested lists).
  function optimizerState(problem, run) {
    var P = compile(problem);
    var slots = {};
    Object.keys(run.optimizer.slots).forEach(function (name) {
      slots[name] = network(P, run.optimizer.slots[name]).layers.reduce(function (acc, layer) {
        return acc.concat([layer.weights, layer.bias]);
      }, []);
    });
    var o = run.optimizer;
    return { optimizer: o.optimizer, step: o.step, epoch: o.epoch, slots: slots };
  }

  // Trains a throwaway copy of the problem on its first `rows` training examples (default 40)
  // for one epoch, continuing the copy's run on each call: short calls that get the JavaScript
  // engine to optimise the hot loops for this problem's layers, activations, loss and optimizer
  // before the first frame of Play (cold, the first epoch of a full-size problem can take a few
  // tens of ms). Returns the epochs the copy has trained; the problem and its runs are untouched.
  function warmUp(problem, rows) {
    var P = compile(problem);
    if (!P.warm) {
      // A problem of its own, made by compile() like any other, so that the optimised code
      // sees objects of the same shapes as the real problem's.
      var m = Math.max(1, Math.min(P.n, rows || 40));
      var spec = P.spec;
      var copy = {};
      Object.keys(spec).forEach(function (key) { copy[key] = spec[key]; });
      copy.inputs = firstRows(spec.inputs, m, P.n);
      copy.targets = firstRows(spec.targets, m, P.n);
      copy.testInputs = copy.inputs;
      copy.testTargets = copy.targets;
      var W = compile(copy);
      P.warm = { problem: W, run: start(W), outputs: null };
    }
    var warm = P.warm;
    var result = advance(warm.problem, warm.run, 1);
    warm.run = result.divergedAt === null ? result.run : start(warm.problem);
    warm.outputs = outputs(warm.problem, warm.run.params, warm.problem.spec.inputs, warm.outputs);
    return warm.run.epoch;
  }

  // The first m of n rows, whether given as rows or as one flat array.
  function firstRows(values, m, n) {
    var flat = ArrayBuffer.isView(values) || !Array.isArray(values[0]);
    return flat ? values.slice(0, (m * values.length) / n) : values.slice(0, m);
  }

  // Gradient steps one epoch takes (the page's cap on epochs per frame uses it).
  function updatesPerEpoch(problem) {
    var P = compile(problem);
    return Math.ceil(P.n / P.batchSize);
  }

  var api = {
    HISTORY_POINTS: HISTORY_POINTS,
    ACTIVATIONS: ACTIVATIONS,
    LOSSES: LOSSES,
    REDUCTIONS: REDUCTIONS,
    OPTIMIZERS: OPTIMIZERS,
    REGULARIZATIONS: REGULARIZATIONS,
    FEATURES: FEATURES,
    compile: compile,
    start: start,
    advance: advance,
    evaluate: evaluate,
    metrics: metrics,
    outputs: outputs,
    features: features,
    gridPoints: gridPoints,
    network: network,
    optimizerState: optimizerState,
    updatesPerEpoch: updatesPerEpoch,
    warmUp: warmUp,
    permutation: permutation,
    pairwiseSum: function (values) { return pairwise(values, 0, values.length, 1); },
    power: correctlyRoundedPower,
  };

  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.BackstepTrainer = api;
})(typeof self !== "undefined" ? self : this); // self: the window, or a Web Worker's global
