"""The ``patrol`` command line: the public, scriptable interface (``--json`` on every command)."""
