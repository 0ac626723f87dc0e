"""Street networks, routing, CRS and China datums, spatial I/O.

The bottom layer of the product: it never imports ``planner``, ``web`` or ``cli``.
"""
