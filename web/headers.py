"""Security headers on every response: a Content-Security-Policy that allows only this host (and the
chosen tile server's images, when online tiles are configured), no framing, no MIME sniffing, no
referrer to other hosts.

The pages still need inline scripts and styles (folium writes the map as inline JavaScript), so
``'unsafe-inline'`` stays for those; every source of code, style, data and frames is this host only.
"""

from flask import current_app

__all__ = ["content_security_policy", "security_headers"]


def content_security_policy(tiles: str = "none") -> str:
    """The CSP for this app; ``tiles`` (``PATROL_TILES``) adds that provider's image hosts."""
    from web.tiles import PROVIDERS

    images = ["'self'", "data:", "blob:"]
    if tiles in PROVIDERS:
        from urllib.parse import urlsplit

        for template, _ in PROVIDERS[tiles]["layers"]:
            host = urlsplit(template.replace("{s}", "x")).netloc
            images.append("https://*." + host.split(".", 1)[1])  # the provider's numbered subdomains
    return "; ".join([
        "default-src 'self'", "script-src 'self' 'unsafe-inline'", "style-src 'self' 'unsafe-inline'",
        f"img-src {' '.join(dict.fromkeys(images))}", "font-src 'self' data:", "connect-src 'self'",
        "frame-ancestors 'none'", "base-uri 'self'", "form-action 'self'", "object-src 'none'"])


def security_headers(response):
    """Add the security headers (``after_request``)."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(current_app.config.get("TILES", "none")))
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if current_app.config.get("HTTPS"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response
