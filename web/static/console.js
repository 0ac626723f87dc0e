// The dispatcher console, live: a report is placed deliberately (the form, a right-click or long-press on
// the map, or the "new report here" button of a click), the ranked patrols come from /api/recommend and are
// drawn without reloading the page (the recommended patrol first and highlighted), a patrol is assigned,
// marked arrived and closed through the API, and the active dispatches (street, time assigned, time left
// against the target) are redrawn after each step and every 15 s. A click on a patrol selects it.
// Live (server-sent events from /api/events): patrols move as their phones report, new reports join the
// list of open reports (the most urgent first) with a cue for a stray dog, dispatch steps taken anywhere
// redraw the list, and a dispatch about to miss its target is flagged.
// Texts come from the page (data-texts), in the page's language.
(function () {
  "use strict";
  var root = document.getElementById("console");
  var map = window.patrolMap;
  if (!root || !map) { return; }
  var texts = JSON.parse(root.dataset.texts);
  var layers = window.patrolLayers || {};
  var ROUTE_COLOURS = ["#e8590c", "#fab005", "#ffd8a8"];
  var form = document.getElementById("report");
  var box = document.getElementById("recommendation");
  var message = document.getElementById("message");
  var current = null;  // the recommendation shown
  var incidentId = null;  // the stored report being dispatched (chosen from the open reports), if any

  function text(key) { return texts[key] || key; }
  function minutes(seconds) { return (seconds / 60).toFixed(1) + " min"; }

  var element = window.patrolUi.element;
  var api = window.patrolUi.api(root.dataset.csrf);

  function say(kind, words) {
    message.textContent = "";
    if (words) { message.appendChild(element("p", {"class": kind}, words)); }
  }

  function localTime(iso) {
    if (!iso) { return ""; }
    var d = new Date(iso);
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  // -- the recommendation -------------------------------------------------------------------------
  function inputs() {
    return {location: document.getElementById("location").value.trim(), datum: document.getElementById("datum").value,
            category: document.getElementById("category").value};
  }

  function recommend() {
    var args = inputs();
    if (!args.location) { return; }
    say("", "");
    box.textContent = text("working");
    var query = new URLSearchParams(args).toString();
    history.replaceState(null, "", "/dispatcher?" + query);
    api("GET", "/api/recommend?" + query).then(draw).catch(function (error) {
      box.textContent = "";
      layers.recommendation.clearLayers();
      say("error", error.message);
    });
  }

  function ordered(r) {
    var first = r.candidates.filter(function (c) { return c.patrol_id === r.recommended; });
    return first.concat(r.candidates.filter(function (c) { return c.patrol_id !== r.recommended; })).slice(0, 10);
  }

  function draw(r) {
    current = r;
    box.textContent = "";
    var i = r.incident;
    var place = element("p", {id: "report-place"}, text("report_place") + ": " + i.lon.toFixed(6) + "," +
                        i.lat.toFixed(6) + (i.street ? " · " + i.street : ""));
    if (i.address) {
      place.appendChild(element("br"));
      place.appendChild(document.createTextNode(text("address_match") + ": " + i.address + " → " + (i.match_text || i.match) + " (" +
                                                text("confidence") + " " + Math.round(i.confidence * 100) + "%)"));
    }
    box.appendChild(place);
    var head = element("p", {id: "recommended-line"});
    head.appendChild(element("b", {}, text("recommended") + ": " + (r.recommended || "-")));
    head.appendChild(document.createTextNode(" (" + (r.reason_text || r.reason) + ")"));
    box.appendChild(head);
    var table = element("table", {id: "candidates"});
    var header = element("tr");
    ["patrol", "mode", "eta", "distance", "within", ""].forEach(function (k) { header.appendChild(element("th", {}, k && text(k))); });
    table.appendChild(header);
    ordered(r).forEach(function (c) {
      var tr = element("tr", {"class": "candidate" + (c.patrol_id === r.recommended ? " recommended" : ""),
                              "data-patrol": c.patrol_id});
      [c.patrol_id, text("mode_" + c.mode), minutes(c.eta_s), (c.distance_m === null ? "–" : (c.distance_m / 1000).toFixed(2) + " km"),
       c.within_target ? "✓" : "✗"].forEach(function (v) { tr.appendChild(element("td", {}, v)); });
      var cell = element("td");
      var button = element("button", {"class": "assign", "data-patrol": c.patrol_id, type: "button"}, text("assign"));
      button.addEventListener("click", function () { assign(c.patrol_id, button); });
      cell.appendChild(button);
      tr.appendChild(cell);
      table.appendChild(tr);
    });
    box.appendChild(table);
    var details = element("details");
    details.appendChild(element("summary", {}, text("excluded") + " (" + r.excluded.length + ")"));
    var list = element("ul");
    r.excluded.forEach(function (e) { list.appendChild(element("li", {}, e.patrol_id + ": " + (e.reason_text || e.reason))); });
    details.appendChild(list);
    box.appendChild(details);
    drawOnMap(r);
  }

  function drawOnMap(r) {
    var layer = layers.recommendation;
    layer.clearLayers();
    var i = r.incident;
    L.circleMarker([i.lat, i.lon], {radius: 10, color: "#000", weight: 3, fill: true, fillColor: "#ffe066",
                                    fillOpacity: 1, className: "report"}).bindTooltip(text("report_place")).addTo(layer);
    ordered(r).slice(0, 3).forEach(function (c, rank) {
      if (c.route) {
        L.geoJSON(c.route, {style: {color: ROUTE_COLOURS[rank], weight: 5 - rank}, className: "candidate-route"})
          .bindTooltip(c.patrol_id).addTo(layer);
      }
    });
    if (!map.getBounds().contains([i.lat, i.lon])) { map.panTo([i.lat, i.lon]); }
  }

  function assign(patrolId, button) {
    var args = inputs();
    button.disabled = true;
    var body = incidentId ? {incident_id: incidentId, patrol_id: patrolId}
      : {location: args.location, datum: args.datum, category: args.category, patrol_id: patrolId};
    api("POST", "/api/dispatches", body).then(function (done) {
      incidentId = null;
      say("ok", "#" + done.dispatch_id + ": " + done.patrol_id + " " + text("assigned") + ", ETA " + minutes(done.predicted_eta_s));
      keepAssignedRoute(patrolId);
      box.textContent = "";
      current = null;
      greyPatrol(patrolId);
      refreshDispatches();
    }).catch(function (error) {
      button.disabled = false;
      say("error", error.message);
    });
  }

  function keepAssignedRoute(patrolId) {
    // the chosen route stays on the map (orange), the other candidates' routes go
    var chosen = current && current.candidates.filter(function (c) { return c.patrol_id === patrolId; })[0];
    layers.recommendation.clearLayers();
    if (chosen && chosen.route) {
      L.geoJSON(chosen.route, {style: {color: "#e8590c", weight: 4, dashArray: "6 4"}, className: "assigned-route"})
        .bindTooltip(patrolId).addTo(layers.dispatches);
    }
  }

  function greyPatrol(patrolId) {
    layers.patrols.eachLayer(function (marker) {
      var name = marker.options.className || "";
      if (name.split(" ").indexOf("patrol-" + patrolId) >= 0) { marker.setStyle({color: "#868e96"}); }
    });
  }

  // -- active dispatches ---------------------------------------------------------------------------
  function refreshDispatches() {
    return api("GET", "/api/dispatches").then(function (data) {
      var list = document.getElementById("dispatch-list");
      list.textContent = "";
      document.getElementById("active-count").textContent = data.features.length;
      layers.dispatches.eachLayer(function (layer) {
        if (layer instanceof L.CircleMarker) { layers.dispatches.removeLayer(layer); }
      });
      data.features.forEach(function (feature) {
        var d = feature.properties;
        var item = element("li", {"class": "dispatch", "data-dispatch": d.id});
        item.appendChild(document.createTextNode("#" + d.id + " "));
        item.appendChild(element("b", {}, d.patrol_id));
        item.appendChild(document.createTextNode(" " + text("category_" + d.category) + (d.street ? " · " + d.street : "") +
          " (" + text(d.status) + ") · " + text("assigned_at") + " " + localTime(d.assigned_at) +
          (d.assigned_by ? " " + d.assigned_by : "") + " · ETA " + minutes(d.predicted_eta_s) + " "));
        if (d.seconds_left !== null) {
          var late = d.seconds_left < 0;
          item.appendChild(element("span", {"class": "left" + (late ? " short" : "")},
            "· " + (late ? text("late_by") : text("time_left")) + " " + Math.round(Math.abs(d.seconds_left) / 60) + " min "));
          if (d.status !== "arrived" && d.seconds_left >= 0 && d.seconds_left <= WARN_S) {
            item.classList.add("warn");
            if (!warned[d.id]) { warned[d.id] = true; cue("#" + d.id + " " + d.patrol_id + ": " + text("about_to_miss")); }
          }
        }
        var step = d.status === "arrived" ? "close" : "arrive";
        var button = element("button", {"class": step, "data-dispatch": d.id, "data-step": step, type: "button"}, text(step));
        button.addEventListener("click", function () { advance(d.id, step, button); });
        item.appendChild(button);
        list.appendChild(item);
        L.circleMarker([d.lat, d.lon], {radius: 8, color: "#000", weight: 2, fill: true, fillColor: "#ff922b",
                                        fillOpacity: 1, className: "dispatch-place dispatch-" + d.id})
          .bindTooltip("#" + d.id + " " + d.patrol_id + " " + text("category_" + d.category) + " " + (d.street || ""))
          .addTo(layers.dispatches);
      });
    }).catch(function (error) { say("error", error.message); });
  }

  function advance(id, step, button) {
    button.disabled = true;
    api("POST", "/api/dispatches/" + id + "/" + step, {}).then(function () {
      say("ok", "#" + id + ": " + text(step) + " ✓");
      refreshDispatches();
    }).catch(function (error) { button.disabled = false; say("error", error.message); });
  }

  // wire the server-rendered buttons (the same steps without reloading)
  Array.prototype.forEach.call(document.querySelectorAll("#dispatch-list button[data-step]"), function (button) {
    button.type = "button";
    button.addEventListener("click", function (event) {
      event.preventDefault();
      advance(button.dataset.dispatch, button.dataset.step, button);
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("#recommendation button.assign"), function (button) {
    button.type = "button";
    button.addEventListener("click", function (event) {
      event.preventDefault();
      api("GET", "/api/recommend?" + new URLSearchParams(inputs()).toString()).then(function (r) {
        current = r;
        assign(button.dataset.patrol, button);
      }).catch(function (error) { say("error", error.message); });
    });
  });

  // -- the map: select a patrol, place a report deliberately ----------------------------------------
  function selectPatrol(patrolId) {
    var shown = document.getElementById("selected-patrol");
    var row = document.querySelector("#patrol-table tr[data-patrol='" + patrolId + "']");
    Array.prototype.forEach.call(document.querySelectorAll("#panel tr.selected"), function (r) { r.classList.remove("selected"); });
    shown.hidden = false;
    shown.textContent = text("selected_patrol") + ": " + patrolId + (row ? " · " + Array.prototype.map.call(
      row.cells, function (c) { return c.textContent; }).slice(1).join(" · ") : "");
    [row, document.querySelector("#candidates tr[data-patrol='" + patrolId + "']")].forEach(function (r) {
      if (r) { r.classList.add("selected"); }
    });
  }

  function reportAt(latlng) {
    document.getElementById("location").value = latlng.lng.toFixed(6) + "," + latlng.lat.toFixed(6);
    document.getElementById("datum").value = "wgs84";
    map.closePopup();
    recommend();
  }

  map.on("click", function (e) {
    var target = e.originalEvent && e.originalEvent.target;
    var names = target && target.getAttribute ? (target.getAttribute("class") || "").split(" ") : [];
    var patrol = names.filter(function (n) { return n.indexOf("patrol-") === 0; })[0];
    if (patrol) { selectPatrol(patrol.slice(7)); return; }
    if (names.indexOf("report") >= 0 || names.some(function (n) { return n.indexOf("dispatch") === 0; })) { return; }
    var button = element("button", {id: "new-report-here", type: "button"}, text("new_report_here"));
    button.addEventListener("click", function () { reportAt(e.latlng); });
    L.popup().setLatLng(e.latlng).setContent(button).openOn(map);
  });
  map.on("contextmenu", function (e) { incidentId = null; reportAt(e.latlng); });
  form.addEventListener("submit", function (event) { event.preventDefault(); recommend(); });
  document.getElementById("location").addEventListener("input", function () { incidentId = null; });

  // -- live: open reports, cues, the event feed ----------------------------------------------------
  var WARN_S = 300;  // a dispatch with less than this left and no arrival is about to miss its target
  var warned = {};
  var seen = {};  // patrol id -> time (ms) of its latest position heard
  var heard = {};  // report ids already cued

  function cue(words) {
    var box = document.getElementById("cue");
    box.textContent = words;
    box.hidden = false;
    window.clearTimeout(cue.timer);
    cue.timer = window.setTimeout(function () { box.hidden = true; }, 15000);
    try {  // a short tone; browsers may refuse sound before the first click, the banner stays
      var Audio = window.AudioContext || window.webkitAudioContext;
      cue.audio = cue.audio || new Audio();
      var tone = cue.audio.createOscillator();
      var gain = cue.audio.createGain();
      tone.frequency.value = 880;
      gain.gain.value = 0.15;
      tone.connect(gain).connect(cue.audio.destination);
      tone.start();
      tone.stop(cue.audio.currentTime + 0.4);
    } catch (ignored) { /* no sound: the banner is the cue */ }
  }

  function dispatchReport(r) {
    document.getElementById("location").value = r.lon.toFixed(6) + "," + r.lat.toFixed(6);
    document.getElementById("datum").value = "wgs84";
    document.getElementById("category").value = r.category;
    recommend();
    incidentId = r.id;
  }

  function refreshOpenReports() {
    return api("GET", "/api/open-reports?hours=2").then(function (data) {
      var list = document.getElementById("open-reports");
      list.textContent = "";
      document.getElementById("open-count").textContent = data.reports.length;
      if (!data.reports.length) { list.appendChild(element("li", {}, text("no_open_reports"))); }
      data.reports.slice(0, 30).forEach(function (r) {
        var late = r.seconds_left < 0;
        var item = element("li", {"class": "open-report " + r.category + (r.seconds_left <= WARN_S ? " warn" : ""),
                                  "data-incident": r.id});
        item.appendChild(document.createTextNode("#" + r.id + " " + text("category_" + r.category) +
                                                 (r.street_name ? " · " + r.street_name : "") + " "));
        item.appendChild(element("span", {"class": "left" + (late ? " short" : "")},
          (late ? text("late_by") : text("time_left")) + " " + Math.round(Math.abs(r.seconds_left) / 60) + " min"));
        var button = element("button", {type: "button", "class": "dispatch-this", "data-incident": r.id}, text("dispatch_this"));
        button.addEventListener("click", function () { dispatchReport(r); });
        item.appendChild(button);
        list.appendChild(item);
      });
    }).catch(function (error) { say("error", error.message); });
  }

  function age(ms) {
    var seconds = Math.max(0, Math.round((Date.now() - ms) / 1000));
    return seconds < 120 ? seconds + " " + text("seconds_ago") : Math.round(seconds / 60) + " " + text("min_ago");
  }

  function movePatrol(p) {
    var moved = false;
    layers.patrols.eachLayer(function (marker) {
      var name = marker.options.className || "";
      if (name.split(" ").indexOf("patrol-" + p.patrol_id) >= 0 && marker.setLatLng) {
        marker.setLatLng([p.lat, p.lon]);
        moved = true;
      }
    });
    if (!moved) {
      L.circleMarker([p.lat, p.lon], {radius: 7, color: "#1c7ed6", weight: 2, fill: true, fillOpacity: 0.9,
                                      pane: "patrols", className: "patrol patrol-" + p.patrol_id})
        .bindTooltip(p.patrol_id).addTo(layers.patrols);
    }
    seen[p.patrol_id] = Date.parse(p.at) || Date.now();
    showAges();
  }

  function showAges() {
    Object.keys(seen).forEach(function (id) {
      var cell = document.querySelector("#patrol-table tr[data-patrol='" + id + "'] td.age");
      if (cell) { cell.textContent = age(seen[id]); }
    });
  }

  function onReport(data) {
    refreshOpenReports();
    if (heard[data.incident_id]) { return; }
    heard[data.incident_id] = true;
    cue((data.category === "stray_dog" ? text("new_stray_dog") : text("new_report")) + " #" + data.incident_id +
        " · " + text("category_" + data.category));
  }

  function listen() {
    var status = document.getElementById("live-status");
    if (!window.EventSource) { window.setInterval(function () { refreshDispatches(); refreshOpenReports(); }, 5000); return; }
    var feed = new EventSource("/api/events");
    feed.onopen = function () { status.className = "on"; status.textContent = "● " + text("live_on"); };
    feed.onerror = function () { status.className = "off"; status.textContent = text("live_off"); };
    function on(type, handle) {
      feed.addEventListener(type, function (event) { handle(JSON.parse(event.data)); });
    }
    on("position", movePatrol);
    on("incident", onReport);
    on("import", refreshOpenReports);
    on("dispatch", function () { refreshDispatches(); refreshOpenReports(); });
    window.patrolFeed = feed;
  }

  window.setInterval(refreshDispatches, 15000);
  window.setInterval(showAges, 10000);
  refreshOpenReports();
  listen();
  window.patrolConsole = {recommend: recommend, refreshDispatches: refreshDispatches, selectPatrol: selectPatrol,
                          refreshOpenReports: refreshOpenReports};
}());
