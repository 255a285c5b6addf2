// The HTML report's script (core/report/html_report.cc embeds it): draws the page
// from the JSON report in #mprun-data. Untrusted text (test names, messages,
// output) only ever goes into the DOM as text nodes or attribute values,
// never through innerHTML, so markup in it shows as the characters it is.
"use strict";
// A block, not a function around it all: in strict mode its declarations
// stay out of the page's globals.
{
  const started = performance.now();
  const SVG = "http://www.w3.org/2000/svg";  // a namespace name, never fetched
  const OUTCOMES = ["passed", "failed", "crashed", "timed_out", "skipped", "not_run"];
  const BAD = {failed: 1, crashed: 1, timed_out: 1};
  const searchable = [];  // [element, lower-case text, is a timeline bar]
  let data, tests;

  function el(tag, attrs, kids) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    for (const c of kids || []) if (c !== null && c !== undefined) e.append(c);
    return e;
  }
  function svg(tag, attrs, title) {
    const e = document.createElementNS(SVG, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (title) {
      const t = document.createElementNS(SVG, "title");
      t.textContent = title;
      e.append(t);
    }
    return e;
  }
  function ms(v) {
    v = Number(v) || 0;
    return v >= 1000 ? (v / 1000).toFixed(2) + " s" : v.toFixed(v < 10 ? 2 : 1) + " ms";
  }
  function section(id, title, kids) {
    const s = el("section", {id: id}, [el("h2", {}, [title])].concat(kids));
    document.getElementById("main").append(s);
    return s;
  }
  function quoted(arg) {
    return /^[\w@%+=:,.\/-]+$/.test(arg) ? arg : "'" + arg.replace(/'/g, "'\\''") + "'";
  }

  function header() {
    const status = document.getElementById("status");
    const words = {0: "passed", 1: "tests failed", 2: "usage or setup error", 130: "interrupted"};
    if (!data.complete) {
      status.textContent = "Incomplete: written while the run was going (a killed run ends here)";
      status.className = "st-other";
    } else {
      const st = data.exit_status;
      status.textContent = "Exit status " + st + (words[st] ? ": " + words[st] : "");
      status.className = st === 0 ? "st-ok" : st === 1 ? "st-bad" : "st-other";
    }
    status.setAttribute("data-exit-status", data.complete ? String(data.exit_status) : "");
    const rows = [["mprun", data.mprun_version], ["wall time", ms(data.wall_seconds * 1000)],
                  ["workers", data.processes]];
    if (data.command_line) rows.push(["command line", data.command_line.map(quoted).join(" ")]);
    if (data.host_cpus) rows.push(["host CPUs", data.host_cpus + " online, " +
                                   (data.usable_cpus || "?") + " usable"]);
    if (data.pinning) rows.push(["pinning", data.pinning]);
    if (data.iterations > 1) rows.push(["repetitions", data.iterations]);
    if (data.shard) rows.push(["shard", data.shard.index + " of " + data.shard.total]);
    if (data.interrupted) rows.push(["interrupted", "yes"]);
    for (const e of data.errors || []) rows.push(["error", e]);
    for (const w of data.warnings || []) rows.push(["warning", w]);
    const meta = document.getElementById("meta");
    for (const [k, v] of rows) meta.append(el("dt", {}, [k]), el("dd", {}, [String(v)]));
  }

  function summary() {
    const s = data.summary || {};
    const box = document.getElementById("summary");
    const add = (key, label) => box.append(el("div", {
      class: "count o-" + key, "data-outcome": key, "data-count": String(s[key] || 0)
    }, [el("b", {}, [String(s[key] || 0)]), label]));
    add("total", "tests");
    for (const o of OUTCOMES) add(o, o.replace("_", " "));
    add("flaky", "flaky");
  }

  // What the timeline spans: its lanes, the work and the longest test on
  // them, when the last test ended, and the bound no schedule can beat.
  function timeSpan(shown, starts) {
    let lanes = data.processes || 0, total = 0, longest = 0, end = 0;
    for (const t of shown) {
      lanes = Math.max(lanes, t.worker + 1);
      // --repeat-each: the row holds the median of every run of the test.
      total += t.duration_ms * (t.repeat ? t.repeat.runs : 1);
      longest = Math.max(longest, t.repeat ? t.repeat.max_ms : t.duration_ms);
      end = Math.max(end, t.start_ms + t.duration_ms);
    }
    for (const w of starts) { lanes = Math.max(lanes, w.worker + 1); end = Math.max(end, w.at_ms); }
    // No schedule can beat this: all the work spread evenly, or the longest test.
    const bound = lanes ? Math.max(total / lanes, longest) : 0;
    end = Math.max(end, bound, 0.001);
    return {lanes: lanes, total: total, longest: longest, end: end, bound: bound};
  }

  // Where things go on the timeline's picture: x of a time, y of a lane.
  function geometry(span) {
    const W = 1200, left = 44, laneH = 16, gap = 4, top = 26;
    const H = top + span.lanes * (laneH + gap) + 8, scale = (W - left - 12) / span.end;
    return {W: W, H: H, left: left, laneH: laneH, top: top, scale: scale,
            x: at => left + at * scale, y: lane => top + lane * (laneH + gap)};
  }

  // The time axis, and one group per lane (worker slot) with its label.
  function drawLanes(root, geo, span) {
    for (let i = 0; i <= 5; ++i) {
      const x = geo.x(span.end * i / 5);
      root.append(svg("line", {class: "axis", x1: x, x2: x, y1: geo.top - 6, y2: geo.H - 4}));
      const label = svg("text", {x: x, y: 10, "text-anchor": i === 5 ? "end" : "middle"});
      label.textContent = ms(span.end * i / 5);
      root.append(label);
    }
    const g = [];
    for (let l = 0; l < span.lanes; ++l) {
      const y = geo.y(l);
      g.push(svg("g", {"data-lane": l, class: "lane"}));
      g[l].append(svg("rect", {class: "lane-bg", x: geo.left, y: y, width: span.end * geo.scale,
                               height: geo.laneH}));
      const label = svg("text", {x: 4, y: y + 12});
      label.textContent = "w" + l;
      g[l].append(label);
      root.append(g[l]);
    }
    return g;
  }

  // A bar per test on its worker's lane; returns each lane's busy time.
  function drawBars(g, geo, shown) {
    const busy = g.map(() => 0);
    for (const t of shown) {
      busy[t.worker] += t.duration_ms;
      const bar = svg("rect", {
        class: "bar", "data-outcome": t.outcome, x: geo.x(t.start_ms),
        y: geo.y(t.worker), width: Math.max(0.4, t.duration_ms * geo.scale),
        height: geo.laneH
      }, t.name + " — " + t.outcome + ", " + ms(t.duration_ms));
      g[t.worker].append(bar);
      searchable.push([bar, t.name.toLowerCase(), true]);
    }
    return busy;
  }

  // Restarts (▼ above a lane), steals (▲ below it), the quiet phase (shaded).
  function drawMarks(root, g, geo, span, marks) {
    const seen = {};
    for (const w of marks.starts) {
      if (!seen[w.worker]) { seen[w.worker] = 1; continue; }  // its first start is no restart
      const x = geo.x(w.at_ms), y = geo.y(w.worker);
      g[w.worker].append(svg("path", {
        class: "restart", "data-restart-lane": w.worker,
        d: "M" + (x - 4) + "," + (y - 4) + "h8l-4,6z"
      }, "worker " + w.worker + " restarted at " + ms(w.at_ms)));
    }
    for (const s of marks.steals) {
      if (s.worker >= span.lanes) continue;
      const x = geo.x(s.at_ms), y = geo.y(s.worker) + geo.laneH;
      g[s.worker].append(svg("path", {
        class: "steal", "data-steal-lane": s.worker, d: "M" + (x - 3) + "," + (y + 4) + "h6l-3,-5z"
      }, "worker " + s.worker + " stole work (" + s.steals + "×) by " + ms(s.at_ms)));
    }
    for (const q of marks.quiet) {
      // Serial and exclusive tests: one at a time, nothing else running.
      const x = geo.x(q.at_ms);
      root.append(svg("rect", {
        id: "quiet-phase", class: "quiet-phase", x: x, y: geo.top - 4,
        width: Math.max(1, geo.x(span.end) - x), height: geo.H - geo.top
      }, "quiet phase from " + ms(q.at_ms) + ": serial and exclusive tests, one at a time"));
    }
  }

  function timelineCaption(shown, span, busy, quiet) {
    const {lanes, total, longest, end, bound} = span;
    return el("p", {class: "quiet"}, [
      shown.length + " tests on " + lanes + " workers. Lower bound max(total " + ms(total) +
      " / " + lanes + ", longest " + ms(longest) + ") = " + ms(bound) + " (dashed line); the last " +
      "test ended at " + ms(end) + (bound > 0 ? " = " + (end / bound).toFixed(2) + "× the bound" : "") +
      ". Grey is idle; ▼ marks a worker restarted, ▲ a steal" +
      (quiet.length ? "; shaded: the quiet phase (serial and exclusive tests)" : "") + ". Busy: " +
      busy.map((b, l) => "w" + l + " " + Math.round(100 * b / end) + "%").join(", ") + "."]);
  }

  function timeline() {
    // One repetition is drawn: the times of later ones start again at 0.
    const shown = tests.filter(t => (t.iteration || 1) === 1 && t.worker >= 0 &&
                                    t.outcome !== "not_run");
    const marks = {
      starts: (data.worker_starts || []).filter(w => (w.iteration || 1) === 1),
      steals: (data.steals || []).filter(s => (s.iteration || 1) === 1),
      quiet: (data.quiet_phase || []).filter(q => (q.iteration || 1) === 1)
    };
    const span = timeSpan(shown, marks.starts), geo = geometry(span);
    const root = svg("svg", {id: "timeline-svg", width: geo.W, height: geo.H,
                             viewBox: "0 0 " + geo.W + " " + geo.H});
    const g = drawLanes(root, geo, span);
    const busy = drawBars(g, geo, shown);
    drawMarks(root, g, geo, span, marks);
    const bx = geo.x(span.bound);
    root.append(svg("line", {id: "lower-bound", class: "lower-bound", x1: bx, x2: bx,
                             y1: geo.top - 8, y2: geo.H - 2}, "lower bound " + ms(span.bound)));
    const legend = el("div", {class: "legend"}, OUTCOMES.slice(0, 5).map(o =>
        el("span", {}, [el("i", {class: "badge o-" + o}), o.replace("_", " ")])));
    section("timeline", "Timeline", [legend, el("div", {class: "scroll"}, [root]),
                                     timelineCaption(shown, span, busy, marks.quiet)]);
  }

  function details(t) {
    const facts = [ms(t.duration_ms)];
    if (t.signal) facts.push(t.signal);
    if (t.worker >= 0) facts.push("worker " + t.worker);
    if (t.attempts > 1) facts.push(t.attempts + " attempts");
    if ((data.iterations || 1) > 1) facts.push("repetition " + t.iteration);
    const d = el("details", {class: "test", "data-outcome": t.outcome, "data-name": t.name}, [
      el("summary", {}, [el("span", {class: "badge o-" + t.outcome}, [t.outcome.replace("_", " ")]),
                         " ", el("span", {class: "name"}, [t.name]), " ",
                         el("span", {class: "quiet"}, [facts.join(" · ")])])]);
    if (t.binary) d.append(el("div", {class: "quiet"}, [t.binary]));
    if (t.message) d.append(el("h4", {}, ["Message"]), el("pre", {class: "message"}, [t.message]));
    if (t.output) d.append(el("h4", {}, ["Output"]), el("pre", {class: "output"}, [t.output]));
    searchable.push([d, (t.name + "\n" + (t.message || "") + "\n" + (t.output || "")).toLowerCase()]);
    return d;
  }

  function problems() {
    const bad = tests.filter(t => BAD[t.outcome]);
    const kids = bad.length ? bad.map(details) : [el("p", {}, ["None."])];
    section("failures", "Failed, crashed and timed out (" + bad.length + ")", kids);
    const notRun = tests.filter(t => t.outcome === "not_run");
    if (notRun.length) section("not-run", "Not run (" + notRun.length + ")", notRun.map(details));
  }

  function table(id, title, head, rows) {
    const body = rows.map(r => {
      const tr = el("tr", {class: "test", "data-name": r.test.name},
                    r.cells.map((c, i) => el("td", {class: i && typeof c === "number" ? "num" : ""},
                                             [typeof c === "number" ? ms(c) : c])));
      searchable.push([tr, r.test.name.toLowerCase()]);
      return tr;
    });
    section(id, title, [el("table", {}, [el("tr", {}, head.map(h => el("th", {}, [h])))].concat(body))]);
  }

  function slowest() {
    const top = tests.slice().sort((a, b) => b.duration_ms - a.duration_ms).slice(0, 20);
    table("slowest", "Slowest tests", ["test", "duration", "outcome", "worker"],
          top.map(t => ({test: t, cells: [t.name, t.duration_ms, t.outcome, String(t.worker)]})));
  }

  function flaky() {
    const f = tests.filter(t => t.flaky);
    if (!f.length) return;
    table("flaky", "Flaky: failed, then passed on a retry (" + f.length + ")",
          ["test", "attempts", "duration of the last"],
          f.map(t => ({test: t, cells: [t.name, String(t.attempts), t.duration_ms]})));
  }

  // Durations on one small plot: the history (grey), the noise band around
  // its median (blue), this run's value or repeated samples (red/green).
  function plot(history, now, median, band, faster) {
    const W = 240, H = 48, p = 5, n = history.length + now.length;
    const all = history.concat(now, [median - band, median + band]);
    const lo = Math.min.apply(null, all), hi = Math.max.apply(null, all) || 1;
    const y = v => H - p - (v - lo) / ((hi - lo) || 1) * (H - 2 * p);
    const x = i => p + i * (W - 2 * p) / Math.max(n - 1, 1);
    const s = svg("svg", {class: "plot", width: W, height: H});
    if (band > 0) s.append(svg("rect", {class: "band", x: 0, width: W, y: y(median + band),
                                        height: Math.max(1, y(median - band) - y(median + band))}));
    s.append(svg("line", {class: "median", x1: 0, x2: W, y1: y(median), y2: y(median)}));
    history.forEach((v, i) => s.append(svg("circle", {class: "hist", cx: x(i), cy: y(v), r: 2.5},
                                           ms(v))));
    now.forEach((v, i) => s.append(svg("circle", {class: "now" + (faster ? " faster" : ""),
                                                  cx: x(history.length + i), cy: y(v), r: 3.5},
                                           "this run: " + ms(v))));
    return s;
  }

  function perf() {
    const byKey = {};
    for (const t of tests) byKey[t.binary + "\n" + t.name + "\n" + t.iteration] = t;
    const rows = [];
    for (const rep of data.perf || []) {
      for (const m of rep.moved || []) {
        const t = byKey[m.binary + "\n" + m.name + "\n" + rep.iteration] || {};
        const now = t.repeat ? t.repeat.samples_ms : [m.duration_ms];
        const band = Math.max(3 * m.history_sigma_ms, (rep.min_relative_pct || 10) / 100 *
                              m.history_median_ms, 0.1);
        const tr = el("tr", {class: "test", "data-name": m.name, "data-move": m.move}, [
          el("td", {class: "name"}, [m.name]), el("td", {}, [m.move + (m.fails ? " (fails the run)" : "")]),
          el("td", {class: "num"}, [(m.change_pct > 0 ? "+" : "") + m.change_pct.toFixed(1) + "%"]),
          el("td", {class: "num"}, [ms(m.duration_ms)]),
          el("td", {class: "num"}, [ms(m.history_median_ms) + " ± " + ms(band)]),
          el("td", {}, [plot(m.history_ms || [], now, m.history_median_ms, band, m.move === "faster")])]);
        searchable.push([tr, m.name.toLowerCase()]);
        rows.push(tr);
      }
    }
    if (!data.perf) return;
    const head = ["test", "move", "change", "now", "history median ± noise", "history, then this run"];
    section("perf", "Durations that moved beyond the noise (" + rows.length + ")", [rows.length ?
        el("table", {}, [el("tr", {}, head.map(h => el("th", {}, [h])))].concat(rows)) :
        el("p", {}, ["None moved."])]);
  }

  function repeats() {
    // With --repeat-each: the tests whose runs spread the most.
    const r = tests.filter(t => t.repeat && t.repeat.runs > 1);
    if (!r.length) return;
    // In milliseconds: a relative spread ranks microsecond tests first.
    const spread = t => t.repeat.max_ms - t.repeat.min_ms;
    r.sort((a, b) => spread(b) - spread(a));
    const rows = r.slice(0, 20).map(t => {
      const tr = el("tr", {class: "test", "data-name": t.name}, [
        el("td", {class: "name"}, [t.name]), el("td", {class: "num"}, [String(t.repeat.runs)]),
        el("td", {class: "num"}, [ms(t.repeat.median_ms)]),
        el("td", {class: "num"}, [ms(t.repeat.min_ms) + " – " + ms(t.repeat.max_ms)]),
        el("td", {}, [plot([], t.repeat.samples_ms, t.repeat.median_ms, 0, false)])]);
      searchable.push([tr, t.name.toLowerCase()]);
      return tr;
    });
    const head = ["test", "runs", "median", "min – max", "every run"];
    section("repeat", "Repeated runs: the widest spread (" + r.length + " tests repeated)",
            [el("table", {}, [el("tr", {}, head.map(h => el("th", {}, [h])))].concat(rows))]);
  }

  function allTests() {
    // Drawn when first opened: thousands of rows nobody asked for would
    // slow every page down.
    const box = el("details", {id: "all-tests"}, [el("summary", {}, ["All " + tests.length + " tests"])]);
    box.addEventListener("toggle", () => {
      if (!box.open || box.dataset.drawn) return;
      box.dataset.drawn = "1";
      const t = el("table");
      for (const x of tests) {
        const tr = el("tr", {class: "test", "data-name": x.name, "data-outcome": x.outcome}, [
          el("td", {class: "name"}, [x.name]), el("td", {}, [x.outcome]),
          el("td", {class: "num"}, [ms(x.duration_ms)]), el("td", {class: "num"}, [String(x.worker)])]);
        searchable.push([tr, x.name.toLowerCase()]);
        t.append(tr);
      }
      box.append(t);
      filter();
    });
    section("all", "All tests", [box]);
  }

  function filter() {
    const q = document.getElementById("search").value.toLowerCase();
    let n = 0;
    for (const [e, text, bar] of searchable) {
      const hit = !q || text.includes(q);
      if (bar) e.classList.toggle("dim", !hit); else e.hidden = !hit;
      n += hit && !bar;
    }
    document.getElementById("matches").textContent = q ? n + " rows match" : "";
  }

  function main() {
    try {
      data = JSON.parse(document.getElementById("mprun-data").textContent);
      tests = data.tests || [];
      header();
      summary();
      timeline();
      problems();
      flaky();
      perf();
      repeats();
      slowest();
      allTests();
      document.getElementById("search").addEventListener("input", filter);
      document.body.setAttribute("data-render-ms", (performance.now() - started).toFixed(1));
      document.body.setAttribute("data-loaded-ms", performance.now().toFixed(1));
      document.body.setAttribute("data-rendered", "1");
    } catch (e) {
      const status = document.getElementById("status");
      status.textContent = "This page could not draw its report: " + e;
      status.className = "st-bad";
      document.body.setAttribute("data-render-error", String(e));
    }
  }

  main();
}
