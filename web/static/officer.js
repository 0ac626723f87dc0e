// The officer's phone, live: with the officer's permission the position is sent every 15 s (?every=N, 2-60 s)
// while the page is open; fixes taken without a network wait in the phone's storage and are sent in order when
// it returns. The current assignment (place, category, ETA, route) appears when the dispatcher assigns it
// (server-sent events, polling every 5 s without them), with three big buttons: accept, arrived, closed.
// Texts come from the page (data-texts), in the page's language.
(function () {
  "use strict";
  var root = document.getElementById("officer");
  if (!root) { return; }
  var patrolId = root.dataset.patrol;
  var texts = JSON.parse(root.dataset.texts);
  var api = window.patrolUi.api(root.dataset.csrf);
  var element = window.patrolUi.element;
  var map = window.patrolMap;
  var status = document.getElementById("position-status");
  var card = document.getElementById("assignment");
  var every = Math.min(60, Math.max(2, Number(new URLSearchParams(location.search).get("every")) || 15)) * 1000;
  var QUEUE = "patrol-positions-" + patrolId;
  var sending = false;
  var lastSent = null;
  var routeLayer = map ? L.layerGroup().addTo(map) : null;

  function text(key) { return texts[key] || key; }
  function hm(iso) {
    if (!iso) { return ""; }
    var d = new Date(iso);
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  // -- positions: a queue kept on the phone, sent oldest first ----------------------------------------
  function queue() {
    try { return JSON.parse(window.localStorage.getItem(QUEUE) || "[]"); } catch (ignored) { return []; }
  }
  function keep(items) { window.localStorage.setItem(QUEUE, JSON.stringify(items.slice(-2000))); }

  function show(kind, words) {
    status.className = kind;
    status.textContent = words;
  }

  function showQueue() {
    var waiting = queue().length;
    if (waiting) { show("off", text("position") + ": " + waiting + " " + text("positions_waiting")); }
    else if (lastSent) { show("on", "● " + text("position_sent") + " " + hm(lastSent.at) + " (±" + Math.round(lastSent.accuracy_m || 0) + " m)"); }
  }

  function flush() {
    if (sending) { return; }
    var items = queue();
    if (!items.length) { showQueue(); return; }
    sending = true;
    var fix = items[0];
    fetch("/api/patrols/" + encodeURIComponent(patrolId) + "/position", {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": root.dataset.csrf},
      body: JSON.stringify(fix)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        sending = false;
        if (response.status >= 500 || response.status === 401 || response.status === 403) {
          show("bad", text("position") + ": " + (data.message || data.error || response.status));
          return;  // kept: sent again later (after signing in again, or when the server is back)
        }
        keep(queue().slice(1));
        if (response.ok) { lastSent = fix; showQueue(); }
        else { show("bad", text("position_refused") + ": " + (data.message || data.error)); }
        if (queue().length) { flush(); }
      });
    }).catch(function () {  // no network: the fix waits on the phone
      sending = false;
      showQueue();
    });
  }

  var latest = null;  // the newest fix the browser gave
  var queuedAt = null;  // the time of the newest fix queued

  var me = null;  // the officer's own position on the map (a blue dot)

  function onFix(position) {
    var first = latest === null;
    latest = position;
    if (map) {
      var at = [position.coords.latitude, position.coords.longitude];
      if (me) { me.setLatLng(at); } else {
        me = L.circleMarker(at, {radius: 8, color: "#fff", weight: 3, fill: true, fillColor: "#1971c2", fillOpacity: 1,
                                 className: "my-position"}).addTo(map);
      }
    }
    if (first) { enqueue(); }
  }

  function enqueue() {  // every `every` ms: the newest fix joins the queue (not twice)
    if (!latest || latest.timestamp === queuedAt) { return; }
    queuedAt = latest.timestamp;
    var items = queue();
    items.push({lon: latest.coords.longitude, lat: latest.coords.latitude, datum: "wgs84",
                accuracy_m: latest.coords.accuracy, at: new Date(latest.timestamp || Date.now()).toISOString()});
    keep(items);
    flush();
  }

  function watch() {
    if (!navigator.geolocation) { show("bad", text("position_off")); return; }
    var options = {enableHighAccuracy: true, maximumAge: 0, timeout: 30000};
    var failed = function () { if (!latest) { show("bad", text("position_off")); } };
    navigator.geolocation.watchPosition(onFix, failed, options);
    window.setInterval(function () {
      enqueue();
      navigator.geolocation.getCurrentPosition(onFix, failed, options);  // a phone standing still reports no change
    }, every);
    window.addEventListener("online", flush);
    window.setInterval(flush, 5000);
  }

  // -- the assignment ---------------------------------------------------------------------------------
  function step(name, a) {
    var body = {};
    if (name === "close") {
      body.outcome = document.getElementById("outcome").value;
      body.note = document.getElementById("close-note").value;
    }
    Array.prototype.forEach.call(card.querySelectorAll("button"), function (b) { b.disabled = true; });
    api("POST", "/api/dispatches/" + a.dispatch_id + "/" + name, body).then(load).catch(function (error) {
      card.appendChild(element("p", {"class": "error"}, error.message));
      load();
    });
  }

  function draw(a) {
    // a redraw of the same step (the feed reconnects every 25 s) keeps what the officer chose and typed
    var kept = null, before = document.getElementById("outcome");
    if (a && before && card.dataset.dispatch === String(a.dispatch_id) && card.dataset.status === a.status) {
      kept = {outcome: before.value, note: document.getElementById("close-note").value};
    }
    card.textContent = "";
    if (routeLayer) { routeLayer.clearLayers(); }
    if (!a) { card.hidden = true; return; }
    card.hidden = false;
    card.dataset.dispatch = a.dispatch_id;
    card.dataset.status = a.status;
    card.appendChild(element("h3", {}, text("assignment") + " #" + a.dispatch_id + " · " + text("category_" + a.category)));
    var at = a.lat.toFixed(6) + "," + a.lon.toFixed(6);
    var place = element("p", {id: "assignment-place"}, text("report_place") + ": " + (a.street || at) + " ");
    place.appendChild(element("a", {"class": "nav", href: "geo:" + at + "?q=" + at}, text("navigate")));
    card.appendChild(place);
    var left = a.seconds_left;
    card.appendChild(element("p", {id: "assignment-times"},
      text("assigned_at") + " " + hm(a.assigned_at) + (a.eta_s !== null ? " · ETA " + (a.eta_s / 60).toFixed(0) + " min" : "") +
      " · " + (left < 0 ? text("late_by") : text("time_left")) + " " + Math.round(Math.abs(left) / 60) + " min · " +
      text(a.status)));
    var steps = element("div", {"class": "steps"});
    [["accept", a.status === "assigned"], ["arrive", a.status === "assigned" || a.status === "accepted"],
     ["close", a.status === "arrived"]].forEach(function (pair) {
      var button = element("button", {type: "button", "class": pair[0], "data-step": pair[0]}, text(pair[0]));
      button.disabled = !pair[1];
      button.addEventListener("click", function () { step(pair[0], a); });
      steps.appendChild(button);
    });
    if (a.status === "arrived") {
      var outcome = element("select", {id: "outcome", "aria-label": text("outcome")});
      ["resolved", "not_found", "referred"].forEach(function (o) {
        outcome.appendChild(element("option", {value: o}, text("outcome_" + o)));
      });
      card.appendChild(outcome);
      card.appendChild(element("input", {id: "close-note", maxlength: "500", placeholder: text("note")}));
      if (kept) { outcome.value = kept.outcome; document.getElementById("close-note").value = kept.note; }
    }
    card.appendChild(steps);
    if (routeLayer) {
      if (a.route) {
        L.geoJSON(a.route, {style: {color: "#c92a2a", weight: 6}, className: "assignment-route"})
          .bindTooltip(text("route_to_report")).addTo(routeLayer);
      }
      var place = L.circleMarker([a.lat, a.lon], {radius: 11, color: "#000", weight: 3, fill: true, fillColor: "#ffe066",
                                                  fillOpacity: 1, className: "assignment-place"}).addTo(routeLayer);
      if (shownDispatch !== a.dispatch_id) {  // a new assignment: show its route beside the panel (then leave the map be)
        shownDispatch = a.dispatch_id;
        var panel = document.getElementById("panel");
        var phone = window.innerWidth <= 600;
        var bounds = L.featureGroup(routeLayer.getLayers()).getBounds().extend(place.getLatLng());
        map.fitBounds(bounds, {maxZoom: 17, paddingTopLeft: [phone ? 20 : (panel ? panel.offsetWidth : 0) + 20, 20],
                               paddingBottomRight: [20, (phone && panel ? panel.offsetHeight : 0) + 20]});
      }
    }
  }
  var shownDispatch = null;

  function load() {
    return api("GET", "/api/patrols/" + encodeURIComponent(patrolId) + "/assignment").then(function (data) {
      draw(data.assignment);
    }).catch(function () { /* offline: the card stays as it was */ });
  }

  function listen() {
    if (!window.EventSource) { window.setInterval(load, 5000); return; }
    var feed = new EventSource("/api/events");
    feed.addEventListener("dispatch", load);
    feed.onopen = load;  // after a reconnect: whatever happened meanwhile
    window.patrolFeed = feed;
  }

  load();
  listen();
  watch();
  showQueue();
  window.patrolOfficer = {flush: flush, load: load, queue: queue};
}());
