"""The pages, one blueprint per feature: the shared layout (index, assets), the dispatcher console, the
planner workspace, the officer's route map and the administrator's audit log. Views are thin: they read the request, call the planner
and hand data to the pure map builders of ``web.maps``. Text is Chinese or English (``web.i18n``).

The feature modules never import each other; what they share is in ``layout``.
"""

from web.pages import admin, console, layout, officer, workspace

__all__ = ["BLUEPRINTS"]

BLUEPRINTS = (layout.bp, console.bp, workspace.bp, officer.bp, admin.bp)
