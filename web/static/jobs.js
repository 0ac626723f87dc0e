// Background jobs on the planner workspace: start one, follow its progress bar (polling /api/jobs/ID each
// second), and show its result when it is done, without reloading the page. Texts come from the page
// (data-texts), in the page's language.
(function () {
  "use strict";
  var panel = document.getElementById("jobs");
  if (!panel) { return; }
  var texts = JSON.parse(panel.dataset.texts);
  var list = document.getElementById("job-list");
  var following = {};

  function text(key) { return texts[key] || key; }

  var api = window.patrolUi.api(panel.dataset.csrf);
  var element = window.patrolUi.element;

  function row(job) {
    var item = document.getElementById("job-" + job.job_id);
    if (!item) {
      item = element("li", {id: "job-" + job.job_id, "class": "job", "data-kind": job.kind});
      item.appendChild(element("span", {"class": "job-title"}, text("job_" + job.kind)));
      item.appendChild(document.createTextNode(" "));
      item.appendChild(element("progress", {max: "100", value: "0"}));
      item.appendChild(element("span", {"class": "job-state"}));
      var cancel = element("button", {"class": "job-cancel", type: "button"}, text("cancel"));
      cancel.addEventListener("click", function () {
        api("POST", "/api/jobs/" + job.job_id + "/cancel", {}).then(update, fail);
      });
      item.appendChild(cancel);
      item.appendChild(element("div", {"class": "job-result"}));
      list.insertBefore(item, list.firstChild);
    }
    return item;
  }

  function update(job) {
    var item = row(job);
    item.dataset.state = job.state;
    item.querySelector("progress").value = job.progress;
    var state = " " + text("job_" + job.state) + " " + Math.round(job.progress) + "%";
    if (job.state === "running" && job.step) { state += " · " + job.step; }
    if (job.state === "failed" && job.error) { state += " · " + job.error; }
    item.querySelector(".job-state").textContent = state;
    item.querySelector(".job-cancel").hidden = !(job.state === "queued" || job.state === "running");
    if (job.state === "queued" || job.state === "running") {
      follow(job.job_id);
    } else if (job.state === "done" && job.result && !item.dataset.shown) {
      item.dataset.shown = "1";
      show(job, item.querySelector(".job-result"));
    }
    return job;
  }

  function follow(id) {
    if (following[id]) { return; }
    following[id] = setTimeout(function () {
      delete following[id];
      api("GET", "/api/jobs/" + id).then(update, fail);
    }, 1000);
  }

  function drawStandby(points, mode) {
    if (!window.patrolMap || !window.L) { return; }
    window.patrolLayers = window.patrolLayers || {};
    var layer = window.patrolLayers["standby-" + mode];
    if (layer) { layer.clearLayers(); } else {
      layer = window.L.layerGroup().addTo(window.patrolMap);
      window.patrolLayers["standby-" + mode] = layer;
    }
    points.forEach(function (p) {
      var icon = window.L.divIcon({className: "standby-job", iconSize: [14, 14],
        html: "<div style='width:14px;height:14px;box-sizing:border-box;border:2px solid #000;background:#ffd43b'></div>"});
      window.L.marker([p.lat, p.lon], {icon: icon, title: text("job_standby") + " " + mode}).addTo(layer);
    });
  }

  // The 168-hour strip of a coverage check: a row per weekday, a cell per hour, coloured by the share of
  // street km within target with the on-duty patrols; the cell shows the worst case (min); failing hours named.
  function drawStrip(r, holder) {
    if (!holder || !r || !r.hours) { return; }
    holder.textContent = "";
    holder.appendChild(element("h3", {}, text("hour_strip")));
    var table = element("table", {"class": "strip", id: "strip-table"});
    var head = element("tr");
    head.appendChild(element("th"));
    for (var h = 0; h < 24; h += 1) { head.appendChild(element("th", {}, String(h))); }
    table.appendChild(head);
    var days = text("weekdays").split(",");
    var rows = {};
    r.hours.forEach(function (row) { (rows[row.weekday] = rows[row.weekday] || []).push(row); });
    Object.keys(rows).forEach(function (day) {
      var tr = element("tr");
      tr.appendChild(element("th", {}, days[day] || day));
      rows[day].forEach(function (row) {
        var share = row.covered_km_share;
        var colour = share >= 0.999 ? "#2b8a3e" : share >= 0.95 ? "#94d82d" : share >= 0.8 ? "#fab005" : "#e03131";
        var worst = row.worst_case_s === null ? "-" : String(Math.round(row.worst_case_s / 60));
        var cell = element("td", {style: "background:" + colour, "data-hour": row.hour, "data-weekday": row.weekday,
          title: days[row.weekday] + " " + row.hour + ":00 · " + text("patrols_on_duty") + " " + row.patrols_on_duty +
            " · " + text("worst") + " " + worst + " min · " + text("covered_share") + " " +
            Math.round(share * 1000) / 10 + "% · " + text("backup_share") + " " + Math.round(row.backup_km_share * 1000) / 10 +
            "%" + (row.reports_share === null ? "" : " · " + text("reports_share") + " " + Math.round(row.reports_share * 100) + "%")},
          worst);
        tr.appendChild(cell);
      });
      table.appendChild(tr);
    });
    holder.appendChild(table);
    var failing = r.failing_hours || [];
    var note = element("p", {id: "strip-failing"});
    if (!failing.length) {
      note.textContent = text("all_hours_covered");
    } else {
      var first = r.hours.filter(function (row) { return row.uncovered_km > 0; })[0];
      note.textContent = text("failing_hours") + ": " + failing.map(function (h) { return h + ":00"; }).join(", ") +
        " · " + text("uncovered_streets") + ": " + first.uncovered_streets.map(function (s) {
          return s.street + " " + s.km + " km"; }).join(", ");
    }
    holder.appendChild(note);
  }

  // A staffing recommendation per hour: a column of patrols by mode, the simulated share beneath, the roster.
  function drawStaffing(r, holder, fileUrl) {
    if (!holder || !r || !r.hours) { return; }
    holder.textContent = "";
    holder.appendChild(element("h3", {}, text("staffing_title") + " (" + Math.round(r.target * 100) + "%, ×" + r.scale + ")"));
    var most = Math.max.apply(null, r.hours.map(function (row) { return row.patrols; }).concat([1]));
    var colours = {car: "#1c7ed6", ebike: "#f08c00", foot: "#2f9e44"};
    var table = element("table", {"class": "staffing", id: "staffing-table"});
    var bars = element("tr"), counts = element("tr"), shares = element("tr"), hours = element("tr");
    bars.appendChild(element("th"));
    counts.appendChild(element("th", {}, text("patrols")));
    shares.appendChild(element("th", {}, text("simulated_share")));
    hours.appendChild(element("th"));
    r.hours.forEach(function (row) {
      var cell = element("td", {"class": "bar", title: row.hour + ":00 · " + row.patrol_ids.join(" ")});
      ["car", "ebike", "foot"].forEach(function (mode) {
        var n = row.patrols_by_mode[mode] || 0;
        if (n) {
          cell.appendChild(element("div", {style: "height:" + Math.round(60 * n / most) + "px;background:" + colours[mode],
            title: text("mode_" + mode) + " " + n}));
        }
      });
      bars.appendChild(cell);
      counts.appendChild(element("td", {"data-hour": row.hour}, String(row.patrols)));
      var share = row.simulated_share;
      shares.appendChild(element("td", {"class": row.meets_target ? "ok" : "short"},
        share === null ? "-" : String(Math.round(share * 100))));
      hours.appendChild(element("th", {}, String(row.hour)));
    });
    [bars, counts, shares, hours].forEach(function (tr) { table.appendChild(tr); });
    holder.appendChild(table);
    var legend = element("p", {"class": "legend"});
    ["car", "ebike", "foot"].forEach(function (mode) {
      legend.appendChild(element("span", {style: "color:" + colours[mode]}, "■ "));
      legend.appendChild(document.createTextNode(text("mode_" + mode) + "  "));
    });
    legend.appendChild(document.createTextNode(" · " + text("simulated_share") + " " +
      Math.round((r.simulation.share || 0) * 1000) / 10 + "%"));
    holder.appendChild(legend);
    if (fileUrl) {
      holder.appendChild(element("a", {href: fileUrl, "class": "job-download", id: "staffing-download"},
        text("download") + " " + text("roster_xlsx")));
    }
  }

  function show(job, box) {
    var r = job.result;
    if (job.kind === "standby") {
      drawStandby(r.points || [], r.mode);
      box.textContent = (r.count !== undefined ? r.count : (r.points || []).length) + " " + text("points_on_map") +
        " (" + r.mode + ", " + r.status + ")";
    } else if (job.kind === "zones_generate") {
      box.appendChild(element("a", {href: "/planner?version=" + r.version + "&compare=" + panel.dataset.version},
        text("open_version") + " v" + r.version));
    } else if (job.kind === "routes_plan") {
      box.textContent = (r.routes || []).length + " " + text("routes_planned") + " (v" + r.version + ")";
    } else if (job.kind === "simulate") {
      box.textContent = text("within_target_share") + ": " +
        (r.within_target_share === null ? "-" : Math.round(r.within_target_share * 1000) / 10 + "%") +
        " (" + r.reports + ")";
      box.appendChild(element("img", {src: "/api/jobs/" + job.job_id + "/file", alt: "chart",
        style: "display:block;max-width:100%"}));
    } else if (job.kind === "hourly_check") {
      drawStrip(r, document.getElementById("hourly-strip"));
      box.textContent = r.all_hours_covered ? text("all_hours_covered") :
        text("failing_hours") + ": " + r.failing_hours.length;
    } else if (job.kind === "staffing") {
      drawStaffing(r, document.getElementById("staffing-chart"), "/api/jobs/" + job.job_id + "/file");
      box.textContent = text("simulated_share") + " " + Math.round((r.simulation.share || 0) * 1000) / 10 + "%";
    } else if (job.kind === "lists_xlsx") {
      box.appendChild(element("a", {href: "/api/jobs/" + job.job_id + "/file", "class": "job-download"},
        text("download") + " " + job.file + " (" + r.rows + " " + text("rows") + ")"));
    }
  }

  function fail(error) {
    var note = element("li", {"class": "error"}, text("error") + ": " + error.message);
    list.insertBefore(note, list.firstChild);
  }

  Array.prototype.forEach.call(panel.querySelectorAll("form.job-start"), function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var params = {};
      new FormData(form).forEach(function (value, name) { params[name] = value; });
      api("POST", "/api/jobs", {kind: form.dataset.kind, params: params}).then(update, fail);
    });
  });

  var strip = document.getElementById("hourly-strip");
  if (strip && strip.dataset.result && strip.dataset.result !== "null") { drawStrip(JSON.parse(strip.dataset.result), strip); }
  var chart = document.getElementById("staffing-chart");
  if (chart && chart.dataset.result && chart.dataset.result !== "null") {
    var kept = JSON.parse(chart.dataset.result);
    drawStaffing(kept.result, chart, "/api/jobs/" + kept.job_id + "/file");
  }

  api("GET", "/api/jobs?limit=10").then(function (data) {
    data.jobs.slice().reverse().forEach(function (job) {
      if (job.state === "queued" || job.state === "running") { update(job); }
    });
  }, fail);
}());
