"""Incidents, congestion points, patrols, dispatch, zones, coverage, routes, simulation, store.

Imports ``geo`` only; never ``web`` or ``cli``.
"""
