"""Client addresses behind reverse proxies: trust exactly TRUSTED_PROXIES hops of X-Forwarded-*.

Without it every request carries the proxy's address, and per-address rate limits become site-wide; trusting
more hops than there are proxies lets a client write its own address. The default 0 ignores the headers.
The count is read per request (wrapping once at start-up with a fixed count would ignore a test's or an
operator's change of configuration in a running app object).
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


class TrustedProxies:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.plain = app.wsgi_app
        self._fixed: dict[int, ProxyFix] = {}

    def __call__(self, environ, start_response):
        hops = int(self.app.config.get("TRUSTED_PROXIES") or 0)
        if hops <= 0:
            return self.plain(environ, start_response)
        fixed = self._fixed.get(hops)
        if fixed is None:
            fixed = self._fixed[hops] = ProxyFix(self.plain, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
        return fixed(environ, start_response)


def install_trusted_proxies(app: Flask) -> None:
    app.wsgi_app = TrustedProxies(app)
