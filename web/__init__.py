"""Flask app, blueprints for dispatchers, planners and officers, JSON API and map builders.

Imports ``geo`` and ``planner``; never ``cli``.
"""
