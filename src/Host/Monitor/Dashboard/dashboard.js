// The FederatedHe monitor's page: no library, no CDN. It renders the state the monitor pushes over server-sent events.
"use strict";

(function () {
  const token = new URLSearchParams(location.search).get("token");
  const withToken = (path) => token ? `${path}?token=${encodeURIComponent(token)}` : path;
  const svgNs = "http://www.w3.org/2000/svg";
  const palette = ["#2f5fb3", "#1f8a4c", "#8e44ad", "#d35400", "#16a085", "#7f8c8d", "#c0392b", "#2c3e50"];
  const $ = (id) => document.getElementById(id);

  function text(value) { return document.createTextNode(value == null ? "–" : String(value)); }
  function cell(row, value, className) {
    const td = document.createElement("td");
    td.appendChild(text(value));
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }
  function fillRows(tbody, items, render, emptyText, columns) {
    tbody.replaceChildren();
    if (items.length === 0) {
      const row = tbody.insertRow();
      const td = cell(row, emptyText, "empty");
      td.colSpan = columns;
      return;
    }
    for (const item of items) render(tbody.insertRow(), item);
  }
  const percent = (v) => v == null ? "–" : (100 * v).toFixed(2) + " %";
  const bytes = (v) => v == null ? "–" : v >= 1 << 20 ? (v / (1 << 20)).toFixed(1) + " MiB" : v >= 1024 ? (v / 1024).toFixed(1) + " KiB" : v + " B";

  function svg(name, attributes, parent) {
    const element = document.createElementNS(svgNs, name);
    for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
    if (parent) parent.appendChild(element);
    return element;
  }

  // A line chart over rounds: each series a polyline with a circle per point; each struck fault a dashed vertical line.
  function lineChart(container, series, faults, format) {
    const width = 560, height = 200, left = 58, right = 10, top = 10, bottom = 22;
    const all = series.flatMap((s) => s.points);
    const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img" });
    const xs = all.map((p) => p[0]).concat(faults.map((f) => f.round));
    const xMin = Math.min(1, ...xs), xMax = Math.max(xMin + 1, ...xs);
    const ys = all.map((p) => p[1]);
    let yMin = ys.length ? Math.min(...ys) : 0, yMax = ys.length ? Math.max(...ys) : 1;
    if (yMax - yMin < 1e-9) { yMin -= 0.5 * (Math.abs(yMin) || 1) * 0.1; yMax += 0.5 * (Math.abs(yMax) || 1) * 0.1; }
    const x = (v) => left + (v - xMin) / (xMax - xMin) * (width - left - right);
    const y = (v) => top + (1 - (v - yMin) / (yMax - yMin)) * (height - top - bottom);
    svg("line", { x1: left, y1: height - bottom, x2: width - right, y2: height - bottom, class: "axis" }, root);
    svg("line", { x1: left, y1: top, x2: left, y2: height - bottom, class: "axis" }, root);
    for (const v of [yMin, (yMin + yMax) / 2, yMax]) {
      svg("text", { x: left - 4, y: y(v) + 3, "text-anchor": "end" }, root).textContent = format(v);
    }
    const step = Math.max(1, Math.ceil((xMax - xMin) / 10));
    for (let r = Math.ceil(xMin); r <= xMax; r += step) {
      svg("text", { x: x(r), y: height - 6, "text-anchor": "middle" }, root).textContent = String(r);
    }
    for (const fault of faults) {
      svg("line", { x1: x(fault.round), y1: top, x2: x(fault.round), y2: height - bottom, class: "fault-marker" }, root)
        .appendChild(svg("title", {})).textContent = fault.label;
      svg("text", { x: x(fault.round) + 3, y: top + 9, class: "fault-label" }, root).textContent = "⚡ " + fault.short;
    }
    series.forEach((s, i) => {
      const color = s.color || palette[i % palette.length];
      if (s.points.length > 1) {
        svg("polyline", { points: s.points.map((p) => `${x(p[0])},${y(p[1])}`).join(" "), fill: "none", stroke: color,
          "stroke-width": s.width || 1.5, "stroke-dasharray": s.dash || "" }, root);
      }
      for (const p of s.points) {
        svg("circle", { cx: x(p[0]), cy: y(p[1]), r: s.width ? 3 : 2, fill: color, class: "point", "data-series": s.name }, root)
          .appendChild(svg("title", {})).textContent = `${s.name}, round ${p[0]}: ${format(p[1])}`;
      }
    });
    const legend = document.createElement("div");
    legend.className = "legend";
    series.forEach((s, i) => {
      const item = document.createElement("span");
      const swatch = document.createElement("i");
      swatch.style.background = s.color || palette[i % palette.length];
      item.append(swatch, s.name);
      legend.appendChild(item);
    });
    container.replaceChildren(root, legend);
  }

  function struckFaults(state) {
    return state.faults.filter((f) => f.struckAt).map((f) => ({ round: f.round, label: f.description, short: `${f.kind} ${f.target}` }));
  }

  function render(state) {
    $("experiment").textContent = state.experiment ? `· ${state.experiment}` : "";
    $("round-counter").textContent = state.plannedRounds ? `round ${state.round} / ${state.plannedRounds}` : `round ${state.round}`;
    $("round-counter").dataset.round = state.round;
    $("phase").textContent = state.phase + (state.attempt > 1 ? ` (attempt ${state.attempt})` : "");
    $("outcome").textContent = state.outcome ? (state.outcome.succeeded ? "✔ " : "✘ ") + state.outcome.status : "";

    fillRows($("members").tBodies[0], state.members, (row, m) => {
      row.dataset.role = m.role;
      cell(row, m.hospitalId || (m.role === "hospital" ? "hospital (unregistered)" : m.role));
      cell(row, m.role);
      cell(row, m.address, "address");
      cell(row, m.health, "health-" + m.health);
    }, "no members yet", 4);

    const current = state.current;
    $("current-title").textContent = `round ${current.round}, attempt ${current.attempt}`;
    const hospitals = [...new Set([...current.participants, ...Object.keys(current.updates), ...Object.keys(current.evaluations)])].sort();
    fillRows($("current").tBodies[0], hospitals, (row, id) => {
      cell(row, id);
      const asked = current.participants.includes(id);
      cell(row, asked ? "yes" : "no", asked ? "yes" : "no");
      const update = current.updates[id];
      cell(row, update != null ? bytes(update) : "waiting", update != null ? "yes" : "no");
      const got = current.aggregateRecipients.includes(id);
      cell(row, got ? "sent" : "–", got ? "yes" : "no");
      const evaluation = current.evaluations[id];
      cell(row, evaluation ? percent(evaluation.accuracy) : "waiting", evaluation ? "yes" : "no");
    }, "no round in progress", 5);

    const rounds = state.rounds.filter((r) => r.round > 0);
    const faults = struckFaults(state);
    const ids = [...new Set(rounds.flatMap((r) => Object.keys(r.hospitals)))].sort();
    const perHospital = (pick) => ids.map((id, i) => ({ name: id, color: palette[(i + 1) % palette.length], dash: "3 2",
      points: rounds.filter((r) => r.hospitals[id]).map((r) => [r.round, pick(r.hospitals[id])]) }));
    lineChart($("accuracy-chart"), [
      { name: "pooled", color: "#1d2433", width: 2.5, points: rounds.filter((r) => r.accuracy != null).map((r) => [r.round, r.accuracy]) },
      { name: "worst hospital", color: "#c0392b", width: 2, points: rounds.filter((r) => r.worstAccuracy != null).map((r) => [r.round, r.worstAccuracy]) },
      ...perHospital((h) => h.accuracy),
    ], faults, percent);
    lineChart($("loss-chart"), [
      { name: "pooled", color: "#1d2433", width: 2.5, points: rounds.filter((r) => r.logLoss != null).map((r) => [r.round, r.logLoss]) },
      ...perHospital((h) => h.logLoss),
    ], faults, (v) => v.toFixed(3));
    lineChart($("he-chart"), [
      { name: "aggregation (sum)", points: rounds.map((r) => [r.round, r.aggregationMs]) },
      { name: "encryption (mean)", points: rounds.map((r) => [r.round, r.encryptionMs]) },
      { name: "decryption (mean)", points: rounds.map((r) => [r.round, r.decryptionMs]) },
      { name: "training (mean)", points: rounds.map((r) => [r.round, r.trainingMs]) },
    ], faults, (v) => v.toFixed(0));
    lineChart($("bytes-chart"), [
      { name: "received", points: rounds.map((r) => [r.round, r.ciphertextBytesReceived]) },
      { name: "sent", points: rounds.map((r) => [r.round, r.ciphertextBytesSent]) },
    ], faults, bytes);

    fillRows($("rounds").tBodies[0], state.rounds.slice().reverse(), (row, r) => {
      row.dataset.round = r.round;
      cell(row, r.round);
      cell(row, percent(r.accuracy));
      cell(row, r.worstHospital ? `${r.worstHospital} ${percent(r.worstAccuracy)}` : "–");
      cell(row, r.contributors);
      cell(row, r.retries, r.retries > 0 ? "health-unreachable" : "");
      cell(row, r.dropouts.length ? r.dropouts.join(", ") : "0", r.dropouts.length ? "health-gone" : "");
      cell(row, r.roundMs.toFixed(0));
    }, "no round concluded yet", 7);

    const list = $("faults");
    list.replaceChildren();
    if (state.faults.length === 0) {
      const li = document.createElement("li");
      li.className = "empty";
      li.textContent = "no fault scheduled";
      list.appendChild(li);
    }
    for (const f of state.faults) {
      const li = document.createElement("li");
      li.className = f.struckAt ? "struck" : "pending";
      li.textContent = f.struckAt
        ? `⚡ struck ${new Date(f.struckAt).toLocaleTimeString()}: ${f.description}`
        : `pending: ${f.description}`;
      list.appendChild(li);
    }

    const decisions = $("decisions");
    decisions.replaceChildren();
    for (const d of state.decisions.slice().reverse()) {
      const li = document.createElement("li");
      li.textContent = `round ${d.round}: ${d.text}`;
      decisions.appendChild(li);
    }
  }

  async function loadRuns() {
    try {
      const response = await fetch(withToken("/api/runs"));
      if (!response.ok) return;
      const runs = await response.json();
      fillRows($("runs").tBodies[0], runs, (row, r) => {
        cell(row, r.name);
        cell(row, r.rounds);
        cell(row, percent(r.finalAccuracy));
        cell(row, r.nodes);
        cell(row, new Date(r.modified).toLocaleString());
      }, "no past runs", 5);
    } catch (e) {
      // The monitor is gone; the stream's state shows it.
    }
  }

  let finished = false;
  const stream = new EventSource(withToken("/api/stream"));
  stream.addEventListener("open", () => { $("connection").textContent = "live"; $("connection").className = "connection live"; });
  stream.addEventListener("error", () => { $("connection").textContent = "reconnecting…"; $("connection").className = "connection"; });
  stream.addEventListener("state", (event) => {
    const state = JSON.parse(event.data);
    render(state);
    if (state.outcome && !finished) { finished = true; loadRuns(); }
  });
  loadRuns();
  setInterval(loadRuns, 30000);
})();
