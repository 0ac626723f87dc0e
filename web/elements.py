"""Small folium elements shared by the map builders."""

import json

import folium
from branca.element import MacroElement
from jinja2 import Template

__all__ = ["Script", "register"]


class Script(MacroElement):
    """Raw JavaScript run after everything added to the map before it."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}")

    def __init__(self, code: str):
        super().__init__()
        self._name = "Script"
        self.code = code


def register(m: folium.Map, name: str, layer) -> None:
    """Make ``layer`` reachable as ``window.patrolLayers[name]``."""
    Script(f"window.patrolLayers = window.patrolLayers || {{}}; window.patrolLayers[{json.dumps(name)}] = "
           f"{layer.get_name()};").add_to(m)
