"""Small folium elements shared by the map builders, and one correction to branca.

branca wraps every rendered piece of a map (each marker's script, each tooltip, our panel's HTML) in an
``Element`` that compiles it as a Jinja template and renders it again. That costs a Jinja compile per map
element (a quarter of a page's server time) and, worse, runs any ``{{ ... }}`` that reached the text from
data (an address typed by a dispatcher, a street name) as template code on the server. Text given to an
``Element`` is therefore kept verbatim (``verbatim_elements``, installed on import); the class templates of
folium and branca are untouched.
"""

import json

import branca.element
import folium
from branca.element import MacroElement
from jinja2 import Template

__all__ = ["Script", "register", "verbatim_elements"]


class _Verbatim:
    """A stand-in for a compiled template: renders its text as it is."""

    def __init__(self, text: str):
        self.text = text

    def render(self, *args, **kwargs) -> str:
        return self.text


def verbatim_elements() -> None:
    """Make ``branca.element.Element(text)`` keep ``text`` verbatim instead of compiling it as Jinja."""
    element = branca.element.Element
    if getattr(element.__init__, "verbatim", False):
        return
    original = element.__init__

    def keep_verbatim(self, template=None, template_name=None):
        original(self, None, template_name)
        if template is not None:
            self._template_str = template
            self._template = _Verbatim(template)

    keep_verbatim.verbatim = True
    element.__init__ = keep_verbatim


verbatim_elements()


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
