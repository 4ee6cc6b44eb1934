/// The query page's script: runs queries against `/api/v1/query` and `/api/v1/query_range`, checks the
/// expression with `/api/v1/parse_query` while typing, draws the graph as SVG, and keeps the state in the URL.
enum QueryPageScript {
    static let text = #"""
        "use strict";
        (function () {
          const $ = (id) => document.getElementById(id);
          const exprEl = $("expr"), rangeEl = $("range"), endEl = $("end"), stepEl = $("step");
          const state = { tab: "graph", hidden: new Set(), data: null };
          const palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                           "#bcbd22", "#17becf", "#3366cc", "#dc3912", "#109618", "#990099", "#0099c6", "#dd4477"];
          const units = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

          // Durations: "1h30m" -> seconds; NaN when not a duration.
          function parseDuration(s) {
            s = (s || "").trim();
            if (s === "") return NaN;
            if (/^\d+(\.\d+)?$/.test(s)) return parseFloat(s);
            const re = /(\d+)(ms|s|m|h|d|w|y)/g;
            let total = 0, used = 0, m;
            while ((m = re.exec(s)) !== null) { total += parseInt(m[1], 10) * units[m[2]]; used += m[0].length; }
            return used === s.length ? total : NaN;
          }
          function formatDuration(sec) {
            if (sec < 1) return Math.round(sec * 1000) + "ms";
            let out = "", rest = Math.round(sec);
            for (const [u, n] of [["d", 86400], ["h", 3600], ["m", 60], ["s", 1]]) {
              if (rest >= n) { out += Math.floor(rest / n) + u; rest %= n; }
            }
            return out || "0s";
          }
          function escapeHTML(s) {
            return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
          }
          function seriesName(metric) {
            const name = metric.__name__ || "";
            const pairs = Object.keys(metric).filter((k) => k !== "__name__").sort()
              .map((k) => k + "=" + JSON.stringify(metric[k]));
            return name + "{" + pairs.join(", ") + "}";
          }
          function formatValue(v) {
            if (!isFinite(v)) return String(v);
            const a = Math.abs(v);
            if (a !== 0 && (a >= 1e15 || a < 1e-4)) return v.toExponential(4);
            return String(Math.round(v * 1e6) / 1e6);
          }
          function localInputValue(date) {
            const pad = (n) => String(n).padStart(2, "0");
            return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) + "T" +
              pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":" + pad(date.getSeconds());
          }

          // State in the URL: ?expr=…&tab=graph&range=1h&end=<unix seconds>&step=…
          function readURL() {
            const q = new URLSearchParams(location.search);
            exprEl.value = q.get("expr") || "";
            state.tab = q.get("tab") === "table" ? "table" : "graph";
            const r = q.get("range");
            if (r && !isNaN(parseDuration(r))) {
              if (![...rangeEl.options].some((o) => o.value === r)) rangeEl.add(new Option(r, r));
              rangeEl.value = r;
            }
            const e = parseFloat(q.get("end") || "");
            endEl.value = isFinite(e) ? localInputValue(new Date(e * 1000)) : "";
            stepEl.value = q.get("step") || "";
          }
          function writeURL() {
            const q = new URLSearchParams();
            q.set("expr", exprEl.value);
            q.set("tab", state.tab);
            q.set("range", rangeEl.value);
            const end = endTime(false);
            if (end !== null) q.set("end", String(end));
            if (stepEl.value.trim() !== "") q.set("step", stepEl.value.trim());
            history.replaceState(null, "", "?" + q.toString());
          }
          // The end of the range in unix seconds; null means "now".
          function endTime(orNow) {
            if (endEl.value) { const d = new Date(endEl.value); if (!isNaN(d)) return Math.floor(d.getTime() / 1000); }
            return orNow ? Date.now() / 1000 : null;
          }

          async function api(path, params) {
            const body = new URLSearchParams(params);
            const res = await fetch(path, { method: "POST", body: body,
              headers: { "Content-Type": "application/x-www-form-urlencoded" } });
            let json;
            try { json = await res.json(); } catch (e) { throw new Error("HTTP " + res.status + ": the answer is not JSON"); }
            if (json.status !== "success") {
              const err = new Error(json.error || ("HTTP " + res.status));
              err.type = json.errorType;
              throw err;
            }
            return json;
          }

          // Parse errors carry "line:col:"; show the line with a caret under that column.
          function showParseError(message) {
            const box = $("parse-error");
            if (!message) { box.hidden = true; box.textContent = ""; return; }
            const m = /(\d+):(\d+): parse error/.exec(message);
            let text = message;
            if (m) {
              const line = exprEl.value.split("\n")[parseInt(m[1], 10) - 1];
              if (line !== undefined) text += "\n\n" + line + "\n" + " ".repeat(Math.max(0, parseInt(m[2], 10) - 1)) + "^";
            }
            box.textContent = text;
            box.hidden = false;
          }
          let checkTimer = null;
          function scheduleCheck() {
            clearTimeout(checkTimer);
            checkTimer = setTimeout(async () => {
              const expr = exprEl.value;
              if (expr.trim() === "") { showParseError(null); return; }
              try { await api("/api/v1/parse_query", { query: expr }); showParseError(null); }
              catch (e) { if (e.type === "bad_data" && exprEl.value === expr) showParseError(e.message); }
            }, 300);
          }

          function showMessages(json, error) {
            const box = $("messages");
            box.innerHTML = "";
            const add = (cls, text) => { const d = document.createElement("div"); d.className = cls; d.textContent = text; box.appendChild(d); };
            if (error) add("error", error);
            for (const w of (json && json.warnings) || []) add("warning", "Warning: " + w);
            for (const i of (json && json.infos) || []) add("info", "Info: " + i);
          }

          async function run() {
            const expr = exprEl.value.trim();
            writeURL();
            if (expr === "") return;
            const started = performance.now();
            $("stats").textContent = "Running…";
            try {
              let json;
              const end = endTime(true);
              if (state.tab === "graph") {
                const range = parseDuration(rangeEl.value) || 3600;
                let step = parseDuration(stepEl.value);
                if (!(step > 0)) step = Math.max(1, Math.round(range / 250));
                json = await api("/api/v1/query_range", { query: expr, start: String(end - range), end: String(end), step: String(step) });
                state.data = { start: end - range, end: end, step: step, result: json.data.result };
                state.hidden.clear();
                drawGraph();
              } else {
                json = await api("/api/v1/query", { query: expr, time: String(end) });
                drawTable(json.data);
              }
              const ms = Math.round(performance.now() - started);
              const n = Array.isArray(json.data.result) && json.data.resultType !== "scalar" && json.data.resultType !== "string"
                ? json.data.result.length : 1;
              $("stats").textContent = "Load time: " + ms + " ms · Result series: " + n +
                (state.tab === "graph" ? " · Resolution: " + formatDuration(state.data.step) : "");
              showMessages(json, null);
              showParseError(null);
            } catch (e) {
              $("stats").textContent = "";
              showMessages(null, "Error executing query: " + e.message);
              if (e.type === "bad_data") showParseError(e.message); else showParseError(null);
            }
          }

          function drawTable(data) {
            const body = $("table").tBodies[0];
            body.innerHTML = "";
            const row = (name, value) => {
              const tr = body.insertRow();
              tr.insertCell().textContent = name;
              const td = tr.insertCell(); td.className = "value"; td.textContent = value;
            };
            if (data.resultType === "scalar" || data.resultType === "string") {
              row("scalar" === data.resultType ? "scalar" : "string", data.result[1]);
            } else if (data.resultType === "vector") {
              for (const s of data.result) row(seriesName(s.metric), s.value[1]);
            } else {
              for (const s of data.result) row(seriesName(s.metric), s.values.map((p) => p[1] + " @" + p[0]).join("\n"));
            }
            if (body.rows.length === 0) {
              const td = body.insertRow().insertCell(); td.colSpan = 2; td.className = "empty"; td.textContent = "Empty query result";
            }
          }

          // Tick values: 1, 2 or 5 times a power of ten, about `count` of them.
          function niceTicks(min, max, count) {
            if (min === max) { min -= 1; max += 1; }
            const raw = (max - min) / count, mag = Math.pow(10, Math.floor(Math.log10(raw)));
            const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw);
            const ticks = [];
            for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
            return { ticks: ticks, min: Math.min(min, ticks[0]), max: Math.max(max, ticks[ticks.length - 1]) };
          }
          function timeTicks(start, end) {
            const steps = [1, 5, 10, 30, 60, 300, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400];
            const step = steps.find((s) => (end - start) / s <= 8) || 14 * 86400;
            const ticks = [];
            for (let t = Math.ceil(start / step) * step; t <= end; t += step) ticks.push(t);
            return { ticks: ticks, step: step };
          }
          function formatTime(t, step) {
            const d = new Date(t * 1000), pad = (n) => String(n).padStart(2, "0");
            const hm = pad(d.getHours()) + ":" + pad(d.getMinutes()) + (step < 60 ? ":" + pad(d.getSeconds()) : "");
            return step >= 86400 ? (d.getMonth() + 1) + "/" + d.getDate() : hm;
          }

          const margin = { left: 70, right: 16, top: 12, bottom: 28 };
          let geometry = null;

          function drawGraph() {
            const chart = $("chart"), legend = $("legend"), data = state.data;
            legend.innerHTML = "";
            if (!data) { chart.innerHTML = ""; return; }
            const series = data.result.map((s, i) => ({
              name: seriesName(s.metric), color: palette[i % palette.length],
              points: s.values.map((p) => [p[0], parseFloat(p[1])]),
            }));
            if (series.length === 0) { chart.innerHTML = '<div class="empty">Empty query result</div>'; geometry = null; return; }
            const w = chart.clientWidth || 800, h = chart.clientHeight || 420;
            const plotW = w - margin.left - margin.right, plotH = h - margin.top - margin.bottom;
            let lo = Infinity, hi = -Infinity;
            series.forEach((s, i) => {
              if (state.hidden.has(i)) return;
              for (const p of s.points) if (isFinite(p[1])) { lo = Math.min(lo, p[1]); hi = Math.max(hi, p[1]); }
            });
            if (!isFinite(lo)) { lo = 0; hi = 1; }
            const y = niceTicks(lo, hi, 6), x = timeTicks(data.start, data.end);
            const sx = (t) => margin.left + (t - data.start) / Math.max(1e-9, data.end - data.start) * plotW;
            const sy = (v) => margin.top + (y.max - v) / Math.max(1e-12, y.max - y.min) * plotH;
            let svg = '<svg viewBox="0 0 ' + w + " " + h + '" preserveAspectRatio="none">';
            svg += '<g class="axis">';
            for (const v of y.ticks) {
              svg += '<line class="grid" x1="' + margin.left + '" x2="' + (w - margin.right) + '" y1="' + sy(v) + '" y2="' + sy(v) + '"/>';
              svg += '<text x="' + (margin.left - 6) + '" y="' + (sy(v) + 4) + '" text-anchor="end">' + escapeHTML(formatValue(v)) + "</text>";
            }
            for (const t of x.ticks) {
              svg += '<line class="grid" x1="' + sx(t) + '" x2="' + sx(t) + '" y1="' + margin.top + '" y2="' + (h - margin.bottom) + '"/>';
              svg += '<text x="' + sx(t) + '" y="' + (h - 8) + '" text-anchor="middle">' + escapeHTML(formatTime(t, x.step)) + "</text>";
            }
            svg += "</g>";
            series.forEach((s, i) => {
              if (state.hidden.has(i)) return;
              // A gap longer than the step breaks the line, as a missing sample should.
              let d = "", prev = null;
              for (const p of s.points) {
                if (!isFinite(p[1])) { prev = null; continue; }
                const cmd = prev !== null && p[0] - prev <= data.step * 1.0001 ? "L" : "M";
                d += cmd + sx(p[0]).toFixed(1) + "," + sy(p[1]).toFixed(1);
                prev = p[0];
              }
              if (s.points.length === 1 || d.indexOf("L") < 0) {
                for (const p of s.points) if (isFinite(p[1])) svg += '<circle r="2" cx="' + sx(p[0]) + '" cy="' + sy(p[1]) + '" fill="' + s.color + '"/>';
              }
              svg += '<path d="' + d + '" fill="none" stroke="' + s.color + '" stroke-width="1.5"/>';
            });
            svg += '<line class="hover-line" id="hover-line" y1="' + margin.top + '" y2="' + (h - margin.bottom) + '" x1="-10" x2="-10"/>';
            svg += "</svg>";
            chart.innerHTML = svg;
            geometry = { series: series, sx: sx, w: w, plotW: plotW };
            series.forEach((s, i) => {
              const li = document.createElement("li");
              li.innerHTML = '<span class="swatch" style="background:' + s.color + '"></span>';
              li.appendChild(document.createTextNode(s.name));
              if (state.hidden.has(i)) li.className = "off";
              li.addEventListener("click", (ev) => {
                if (ev.shiftKey || ev.ctrlKey || ev.metaKey) { state.hidden.has(i) ? state.hidden.delete(i) : state.hidden.add(i); }
                else if (state.hidden.size === series.length - 1 && !state.hidden.has(i)) { state.hidden.clear(); }
                else { state.hidden = new Set(series.map((_, j) => j).filter((j) => j !== i)); }
                drawGraph();
              });
              legend.appendChild(li);
            });
          }

          // Hover: the values of every shown series at the step nearest the pointer.
          function hover(ev) {
            const tip = $("tooltip"), line = document.getElementById("hover-line");
            if (!geometry || !state.data || !line) { tip.hidden = true; return; }
            const rect = $("chart").getBoundingClientRect();
            const px = (ev.clientX - rect.left) * (geometry.w / rect.width);
            const d = state.data;
            const t = d.start + Math.round(((px - margin.left) / geometry.plotW * (d.end - d.start)) / d.step) * d.step;
            if (t < d.start || t > d.end + 1e-9) { tip.hidden = true; line.setAttribute("x1", -10); line.setAttribute("x2", -10); return; }
            const x = geometry.sx(t);
            line.setAttribute("x1", x); line.setAttribute("x2", x);
            let html = "<div>" + escapeHTML(new Date(t * 1000).toISOString()) + "</div>", rows = 0;
            geometry.series.forEach((s, i) => {
              if (state.hidden.has(i) || rows >= 20) return;
              const p = s.points.find((q) => Math.abs(q[0] - t) < d.step / 2);
              if (!p) return;
              rows++;
              html += '<div><span class="swatch" style="background:' + s.color + '"></span>' + escapeHTML(s.name) + ": <b>" + escapeHTML(formatValue(p[1])) + "</b></div>";
            });
            tip.innerHTML = html;
            tip.hidden = false;
            tip.style.left = Math.min(ev.clientX + 14, window.innerWidth - tip.offsetWidth - 8) + "px";
            tip.style.top = (ev.clientY + 14) + "px";
          }

          function selectTab(tab) {
            state.tab = tab;
            for (const b of document.querySelectorAll(".tabs button")) b.setAttribute("aria-selected", String(b.dataset.tab === tab));
            $("graph-view").hidden = tab !== "graph";
            $("table-view").hidden = tab !== "table";
          }

          $("query-form").addEventListener("submit", (ev) => { ev.preventDefault(); run(); });
          exprEl.addEventListener("keydown", (ev) => {
            if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); run(); }
          });
          exprEl.addEventListener("input", () => {
            exprEl.style.height = "auto";
            exprEl.style.height = exprEl.scrollHeight + 2 + "px";
            scheduleCheck();
          });
          for (const b of document.querySelectorAll(".tabs button")) b.addEventListener("click", () => { selectTab(b.dataset.tab); run(); });
          rangeEl.addEventListener("change", run);
          endEl.addEventListener("change", run);
          stepEl.addEventListener("change", run);
          $("now").addEventListener("click", () => { endEl.value = ""; run(); });
          $("chart").addEventListener("mousemove", hover);
          $("chart").addEventListener("mouseleave", () => { $("tooltip").hidden = true; });
          window.addEventListener("resize", () => { if (state.tab === "graph") drawGraph(); });
          window.addEventListener("popstate", () => { readURL(); selectTab(state.tab); run(); });

          readURL();
          selectTab(state.tab);
          if (exprEl.value.trim() !== "") run();
          exprEl.focus();
        })();

        """#
}
