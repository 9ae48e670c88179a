// lrsched's interactive page (present/html.py writes it): inflate the exact float64 values,
// reduce the visible window as the PNG path does (plot.reduce_points), draw it with uPlot.
"use strict";
(function () {
  const P = JSON.parse(document.getElementById("lrsched-data").textContent);
  const BUCKETS_PER_PIXEL = 2;  // as plot.BUCKETS_PER_PIXEL

  // Inflate base64(deflate(byte-shuffled little-endian float64)) into a Float64Array.
  async function unpack(text, count) {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    const shuffled = new Uint8Array(await new Response(stream).arrayBuffer());
    const buffer = new ArrayBuffer(count * 8);
    const out = new Uint8Array(buffer);
    for (let b = 0; b < 8; b++) {
      const offset = b * count;
      for (let i = 0; i < count; i++) out[i * 8 + b] = shuffled[offset + i];
    }
    if (new Uint8Array(new Float64Array([1]).buffer)[7] !== 0x3f) {  // a big-endian machine
      const view = new DataView(buffer);
      const values = new Float64Array(count);
      for (let i = 0; i < count; i++) values[i] = view.getFloat64(i * 8, true);
      return values;
    }
    return new Float64Array(buffer);
  }

  // Python's repr of a float: the shortest digits that read back to the same float64
  // (toExponential() without an argument gives them), written as Python writes them.
  function pyRepr(x) {
    if (Number.isNaN(x)) return "nan";
    if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
    if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
    const [mantissa, exp] = x.toExponential().split("e");
    const e = parseInt(exp, 10);
    const sign = mantissa[0] === "-" ? "-" : "";
    const digits = mantissa.replace("-", "").replace(".", "");
    if (e < -4 || e >= 16) {
      const m = digits.length > 1 ? digits[0] + "." + digits.slice(1) : digits;
      return sign + m + "e" + (e < 0 ? "-" : "+") + String(Math.abs(e)).padStart(2, "0");
    }
    if (e < 0) return sign + "0." + "0".repeat(-e - 1) + digits;
    if (digits.length <= e + 1) return sign + digits + "0".repeat(e + 1 - digits.length) + ".0";
    return sign + digits.slice(0, e + 1) + "." + digits.slice(e + 1);
  }

  // plot.reduce_points over the window [lo, hi]: windows of at most 4 * columns points are kept
  // whole; longer ones are cut into buckets of ceil(count / columns) steps, each keeping its
  // first, lowest, highest and last point (x order, no duplicates). NaN (hidden) is skipped.
  function reduce(y, lo, hi, columns) {
    const count = hi - lo + 1;
    const index = [];
    if (count <= 4 * columns) {
      for (let t = lo; t <= hi; t++) index.push(t);
      return index;
    }
    const size = Math.ceil(count / columns);
    for (let start = lo; start <= hi; start += size) {
      const end = Math.min(start + size - 1, hi);
      let low = -1, high = -1;
      for (let t = start; t <= end; t++) {
        const v = y[t];
        if (Number.isNaN(v)) continue;
        if (low < 0 || v < y[low]) low = t;
        if (high < 0 || v > y[high]) high = t;
      }
      const kept = low < 0 ? [start, end] : [start, low, high, end].sort((a, b) => a - b);
      for (const t of kept) if (index[index.length - 1] !== t) index.push(t);
    }
    return index;
  }

  function drawable(values) {  // NaN where a point cannot be drawn (<= 0 on a log axis)
    if (!P.logY) return values;
    return values.map(v => (v > 0 ? v : NaN));
  }

  // The aligned data uPlot draws for [lo, hi]: one x (the union of every series' kept steps),
  // each series null where it kept no point (its line joins its own points: spanGaps).
  function windowData(ys, lo, hi, columns) {
    const kept = ys.map(y => reduce(y, lo, Math.min(hi, y.length - 1), columns));
    const xs = Array.from(new Set(kept.flat())).sort((a, b) => a - b);
    const where = new Map(xs.map((x, i) => [x, i]));
    const columnsOut = ys.map((y, s) => {
      const column = new Array(xs.length).fill(null);
      for (const t of kept[s]) column[where.get(t)] = Number.isNaN(y[t]) ? null : y[t];
      return column;
    });
    return [xs, ...columnsOut];
  }

  function yRange(data, shown) {
    let lo = Infinity, hi = -Infinity;
    data.slice(1).forEach((column, s) => {
      if (!shown[s]) return;
      for (const v of column) if (v !== null) { if (v < lo) lo = v; if (v > hi) hi = v; }
    });
    if (!Number.isFinite(lo)) return P.logY ? [1e-3, 1] : [0, 1];
    if (P.logY) {
      const margin = Math.pow(10, 0.04 * (Math.log10(hi) - Math.log10(lo)) || 0.3);
      return [lo / margin, hi * margin];
    }
    const low = Math.min(lo, 0), high = Math.max(hi, 0), pad = 0.05 * (high - low || 1);
    return [lo > 0 ? 0 : lo - 0.6 * pad, hi > 0 ? high + pad : pad];
  }

  function summaryTable(series) {
    const table = document.getElementById("summary");
    const head = table.createTHead().insertRow();
    for (const name of ["schedule", ...P.fields]) head.appendChild(document.createElement("th")).textContent = name;
    const body = table.createTBody();
    for (const s of series) {
      const row = body.insertRow();
      row.insertCell().textContent = s.label;
      for (const cell of s.summary) row.insertCell().textContent = cell === null ? "-" : String(cell);
    }
  }

  // Tick labels of the step axis: 250, 1.5k, 2M (as the PNG's EngFormatter), whole steps only.
  function stepLabel(v) {
    if (v == null) return "";
    const a = Math.abs(v);
    if (a >= 1e6) return +(v / 1e6).toPrecision(6) + "M";
    if (a >= 1e4) return +(v / 1e3).toPrecision(6) + "k";
    return Number.isInteger(v) ? String(v) : "";
  }

  function stepText(t) {
    const unit = P.unit === "step" ? "step" : "epoch";
    let text = unit + " " + t;
    if (P.perEpoch) text = "step " + t + " · epoch " + pyRepr(t / P.perEpoch);
    return text;
  }

  async function main() {
    document.getElementById("title").textContent = P.title;
    const exact = await Promise.all(P.series.map(s => unpack(s.values, s.count)));
    const ys = exact.map(drawable);
    const n = Math.max(...exact.map(v => v.length));
    const chart = document.getElementById("chart");
    const width = () => Math.max(chart.clientWidth || 900, 320);
    const columns = () => Math.max(16, Math.floor(width() * BUCKETS_PER_PIXEL));
    const full = [0, Math.max(n - 1, 1)];
    const start = P.xlim || full;
    const readout = document.getElementById("readout");
    const fixedY = P.ylim;

    // The x scale follows the data (auto): a window [lo, hi] is drawn as the steps
    // floor(lo) .. ceil(hi), and setData then sets the scale to them, which fires setScale once
    // more: the window drawn last is remembered, and the same window is not reduced twice.
    let drawn = null;
    function refresh(u, lo, hi, force) {
      if (!force && drawn && drawn[0] === lo && drawn[1] === hi) return;
      drawn = [lo, hi];
      const data = windowData(ys, Math.max(0, Math.floor(lo)), Math.min(n - 1, Math.ceil(hi)), columns());
      u.setData(data);
      const [bottom, top] = yRange(data, u.series.slice(1).map(s => s.show));
      const [low, high] = fixedY || [null, null];   // --ylim: a side left out follows the data
      u.setScale("y", {min: low ?? bottom, max: high ?? top});
    }

    function showReadout(u) {
      const left = u.cursor.left;
      if (left == null || left < 0) { readout.innerHTML = "&nbsp;"; return; }
      const t = Math.min(n - 1, Math.max(0, Math.round(u.posToVal(left, "x"))));
      readout.textContent = "";
      readout.appendChild(document.createElement("b")).textContent = stepText(t);
      P.series.forEach((s, i) => {
        if (!u.series[i + 1].show) return;
        const item = readout.appendChild(document.createElement("span"));
        item.className = "value";
        item.style.borderColor = s.color;
        item.dataset.series = String(i);
        item.textContent = s.label + ": " + (t < exact[i].length ? pyRepr(exact[i][t]) : "-");
      });
      readout.dataset.step = String(t);
    }

    let panning = null;
    const options = {
      width: width(),
      height: 480,
      scales: {
        x: {time: false},
        y: {auto: false, distr: P.logY ? 3 : 1, min: 0, max: 1},
      },
      axes: [{label: P.unit, space: 70, values: (u, splits) => splits.map(stepLabel)}, {label: "learning rate", size: 70}],
      legend: {live: false},
      cursor: {
        drag: {x: true, y: false, setScale: true},
        bind: {
          mousedown: (u, target, handler) => e => {
            if (!e.shiftKey) return handler(e);
            panning = {x: e.clientX, min: u.scales.x.min, max: u.scales.x.max};
            return null;
          },
          dblclick: u => () => { u.setScale("x", {min: full[0], max: full[1]}); return null; },
        },
      },
      series: [{label: P.unit},
        ...P.series.map(s => ({
          label: s.label, stroke: s.color, width: 1.5, spanGaps: true,
          points: {show: false},
          ...(s.jumps ? {paths: uPlot.paths.stepped({align: 1})} : {}),  // lr(t) holds until t + 1
        }))],
      hooks: {
        setScale: [(u, key) => { if (key === "x") refresh(u, u.scales.x.min, u.scales.x.max); }],
        setCursor: [showReadout],
        setSeries: [u => { refresh(u, u.scales.x.min, u.scales.x.max, true); showReadout(u); }],
      },
    };
    const u = new uPlot(options, windowData(ys, start[0], start[1], columns()), chart);
    refresh(u, start[0], start[1], true);
    u.setScale("x", {min: start[0], max: start[1]});

    window.addEventListener("mousemove", e => {
      if (!panning) return;
      const per = (panning.max - panning.min) / u.bbox.width * devicePixelRatio;
      let shift = -(e.clientX - panning.x) * per;
      shift = Math.max(full[0] - panning.min, Math.min(full[1] - panning.max, shift));
      u.setScale("x", {min: panning.min + shift, max: panning.max + shift});
    });
    window.addEventListener("mouseup", () => { panning = null; });
    u.over.addEventListener("wheel", e => {
      e.preventDefault();
      const {min, max} = u.scales.x;
      const at = u.posToVal(e.offsetX, "x");
      const factor = e.deltaY < 0 ? 0.75 : 1 / 0.75;
      const span = Math.max((max - min) * factor, Math.min(10, full[1] - full[0]));
      let lo = at - (at - min) / (max - min) * span, hi = lo + span;
      if (lo < full[0]) { hi += full[0] - lo; lo = full[0]; }
      if (hi > full[1]) { lo = Math.max(full[0], lo - (hi - full[1])); hi = full[1]; }
      u.setScale("x", {min: lo, max: hi});
    }, {passive: false});
    window.addEventListener("resize", () => u.setSize({width: width(), height: 480}));

    summaryTable(P.series);
    window.lrsched = {plot: u, values: exact, pyRepr, reduce, refresh: (lo, hi) => u.setScale("x", {min: lo, max: hi})};
    document.body.dataset.ready = "true";
  }

  main().catch(error => {
    document.getElementById("readout").textContent = "lrsched: the page could not be drawn: " + error;
    throw error;
  });
})();
