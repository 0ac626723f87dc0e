"""Live updates for open pages: server-sent events over the WSGI server (no other host, no extra service).

One ``EventHub`` per process reads the store's feed (``planner.events``) four times a second, or at once
when this process wrote something, and hands the new events to every open stream; so many consoles and
phones cost one small query per tick, and several server processes see the same events (the store is the
bus). A stream lasts ``STREAM_S`` seconds and the browser's EventSource reconnects with the last event id,
so no thread is held for ever and nothing is lost between two streams.
"""

import json
import threading
import time
from collections import deque

from flask import Blueprint, Response, abort, jsonify, request
from flask_login import current_user

from planner.events import Cursor, events_after, latest_cursor
from web.auth import own_patrol_only, roles_required
from web.resources import get_resources

__all__ = ["EventHub", "bp", "hub", "wake"]

bp = Blueprint("live", __name__, url_prefix="/api")

POLL_S = 0.25  # the store is read this often for other processes' writes
STREAM_S = 25.0  # one stream's life; the browser reconnects (retry 1 s) with Last-Event-ID
HEARTBEAT_S = 5.0  # a comment line keeps proxies and phones from closing an idle stream, and finds closed ones
KEPT = 5000  # events kept in memory for streams that fall behind
_OVERLAP = 64  # ids re-read below the cursor: a transaction that committed after a later id's is not missed


class EventHub:
    """The process's reader of the live feed of one city: a thread, a window of recent events, a condition."""

    def __init__(self, store, city: str):
        self.store, self.city = store, city
        self._events: deque = deque(maxlen=KEPT)  # (sequence, Event)
        self._seen: deque = deque(maxlen=4 * KEPT)  # (source, id) recently delivered
        self._seen_set: set = set()
        self._sequence = 0
        self._cursor: Cursor | None = None
        self._changed = threading.Condition()
        self._woken = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.errors = 0

    def start(self) -> None:
        """Start the reader thread (once)."""
        with self._start_lock:
            if self._thread is None:
                self._cursor = latest_cursor(self.store, self.city)
                self._thread = threading.Thread(target=self._run, name="patrol-events", daemon=True)
                self._thread.start()

    def wake(self) -> None:
        """Read the store now (this process just wrote an event)."""
        self._woken.set()

    def sequence(self) -> int:
        """The sequence number of the newest event in memory (a stream starts after it)."""
        self.start()
        with self._changed:
            return self._sequence

    def _run(self) -> None:
        while True:
            self._woken.wait(POLL_S)
            self._woken.clear()
            try:
                self._read()
            except Exception:
                self.errors += 1
                time.sleep(1.0)

    def _read(self) -> None:
        fresh = [e for e in events_after(self.store, self.city, self._cursor, overlap=_OVERLAP)
                 if (e.source, e.source_id) not in self._seen_set]
        if not fresh:
            return
        with self._changed:
            for event in fresh:
                self._cursor = self._cursor.after(event)
                key = (event.source, event.source_id)
                if len(self._seen) == self._seen.maxlen:
                    self._seen_set.discard(self._seen[0])
                self._seen.append(key)
                self._seen_set.add(key)
                self._sequence += 1
                self._events.append((self._sequence, event))
            self._changed.notify_all()

    def after(self, sequence: int, timeout: float) -> tuple[int, list]:
        """Events after ``sequence`` (waiting up to ``timeout`` s for one): (the newest sequence, events)."""
        self.start()
        with self._changed:
            if self._sequence <= sequence:
                self._changed.wait(timeout)
            events = [e for s, e in self._events if s > sequence]
            return self._sequence, events


_HUB_LOCK = threading.Lock()


def hub() -> EventHub:
    """This process's event hub for the app's city."""
    res = get_resources()
    if res.event_hub is None:
        with _HUB_LOCK:
            if res.event_hub is None:
                res.event_hub = EventHub(res.store, res.city.slug)
    return res.event_hub


def wake() -> None:
    """Tell this process's hub that an event was just stored (streams hear it without waiting for a tick)."""
    hub().wake()


def _visible(role: str, patrol_id: str | None):
    """Which events a user sees: an officer only their own patrol's positions and dispatches."""
    if role != "officer":
        return lambda event: True
    return lambda event: event.patrol_id is not None and event.patrol_id == patrol_id


def _message(event, cursor: Cursor) -> str:
    return f"id: {cursor}\nevent: {event.type}\ndata: {json.dumps(event.data, ensure_ascii=False)}\n\n"


def _start_cursor() -> Cursor | None:
    text = request.headers.get("Last-Event-ID") or request.args.get("after")
    return Cursor.parse(text) if text else None


@bp.get("/events")
@roles_required("dispatcher", "planner", "officer", api=True)
def events():
    """Server-sent events: ``position``, ``dispatch``, ``incident``, ``import``, ``zones`` (JSON data); an
    officer receives only their own patrol's. Resumes after ``Last-Event-ID`` (or ``?after=AUDIT-POSITION``);
    ``?max_s=`` shortens the stream (0: only what is stored after the cursor)."""
    try:
        life = min(max(float(request.args.get("max_s", STREAM_S)), 0.0), STREAM_S)
    except ValueError:
        abort(400, f"max_s must be a number of seconds (0-{STREAM_S:.0f}); got {request.args.get('max_s')!r}")
    events_hub = hub()
    visible = _visible(current_user.role, current_user.patrol_id)
    start = _start_cursor()
    sequence = events_hub.sequence()
    backlog = events_after(events_hub.store, events_hub.city, start, limit=500) if start else []
    cursor = start or latest_cursor(events_hub.store, events_hub.city)

    def stream():
        nonlocal cursor, sequence
        yield f"retry: 1000\nid: {cursor}\n: live feed of {events_hub.city}\n\n"
        sent = set()
        for event in backlog:
            cursor = cursor.after(event)
            sent.add((event.source, event.source_id))
            if visible(event):
                yield _message(event, cursor)
        deadline = time.monotonic() + life
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            sequence, fresh = events_hub.after(sequence, min(HEARTBEAT_S, max(deadline - time.monotonic(), 0.05)))
            fresh = [e for e in fresh if (e.source, e.source_id) not in sent]
            for event in fresh:
                cursor = cursor.after(event)
                if visible(event):
                    yield _message(event, cursor)
                    quiet_since = time.monotonic()
            if time.monotonic() - quiet_since >= HEARTBEAT_S:
                yield f"id: {cursor}\n: still here\n\n"
                quiet_since = time.monotonic()

    return Response(stream(), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@bp.get("/events/poll")
@roles_required("dispatcher", "planner", "officer", api=True)
def events_poll():
    """The same feed for clients without EventSource: ``?after=AUDIT-POSITION`` -> ``{"cursor", "events"}``
    (at most 500; without ``after``, no events and the cursor to start from)."""
    store, city = get_resources().store, get_resources().city.slug
    start = _start_cursor()
    if start is None:
        return jsonify(cursor=str(latest_cursor(store, city)), events=[])
    visible = _visible(current_user.role, current_user.patrol_id)
    cursor, out = start, []
    for event in events_after(store, city, start, limit=500):
        cursor = cursor.after(event)
        if visible(event):
            out.append({"type": event.type, "data": event.data})
    return jsonify(cursor=str(cursor), events=out)


@bp.get("/patrols/<patrol_id>/assignment")
@roles_required("officer", "dispatcher", api=True)
def assignment(patrol_id: str):
    """The patrol's open dispatch (``{"assignment": null}`` when none): place, category, street, times, the
    ETA and route from the patrol's latest position (GeoJSON, WGS-84; seconds, metres)."""
    from planner.assignment import current_assignment

    own_patrol_only(patrol_id, "assignment")
    res = get_resources()
    return jsonify(assignment=current_assignment(res.store, res.city, patrol_id))


@bp.get("/open-reports")
@roles_required("dispatcher", "planner", api=True)
def open_reports():
    """Reports not yet assigned from the last ``hours`` (default 2, at most 72), the most urgent first:
    ``seconds_left`` against the category's target (negative: late)."""
    from planner.incidents import recent_open_reports

    try:
        hours = float(request.args.get("hours", "2"))
    except ValueError:
        hours = -1
    if not 0 < hours <= 72:
        abort(400, f"hours must be a number of hours between 0 and 72; got {request.args.get('hours')!r}")
    res = get_resources()
    return jsonify(reports=recent_open_reports(res.store, res.city, hours=hours, limit=200))
