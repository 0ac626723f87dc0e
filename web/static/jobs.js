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

  function api(method, url, body) {
    var options = {method: method, credentials: "same-origin", headers: {"Accept": "application/json"}};
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRFToken"] = panel.dataset.csrf;
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { throw new Error(data.error || response.statusText); }
        return data;
      });
    });
  }

  function element(tag, attributes, content) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (content !== undefined) { node.textContent = content; }
    return node;
  }

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

  api("GET", "/api/jobs?limit=10").then(function (data) {
    data.jobs.slice().reverse().forEach(function (job) {
      if (job.state === "queued" || job.state === "running") { update(job); }
    });
  }, fail);
}());
