"""Helpers for tests that run ``patrol serve`` as a real process and talk to it over loopback."""

import os
import socket
import subprocess
import sys
import time

import requests

from tests.web.conftest import PASSWORD

__all__ = ["free_port", "session", "start_server"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(instance, port: int, **env) -> tuple[subprocess.Popen, str]:
    """``patrol serve`` on 127.0.0.1:port with this instance folder (and extra environment); waits until it answers."""
    environment = os.environ | {"PATROL_INSTANCE_DIR": str(instance)} | env
    process = subprocess.Popen([sys.executable, "-c", "from cli.main import main; main()", "serve", "--port", str(port)],
                               env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if requests.get(f"{base}/login", timeout=1).status_code == 200:
                return process, base
        except requests.ConnectionError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("the server did not start")


def session(base: str, username: str = "admin") -> tuple[requests.Session, str]:
    """A signed-in session (X-CSRFToken header set for the API) and the form CSRF token."""
    client = requests.Session()
    page = client.get(f"{base}/login").text
    token = page.split("name=csrf_token value='")[1].split("'")[0]
    response = client.post(f"{base}/login", data={"username": username, "password": PASSWORD, "csrf_token": token},
                           allow_redirects=False)
    assert response.status_code == 302, response.text[:300]
    client.headers["X-CSRFToken"] = client.get(f"{base}/api/csrf").json()["csrf_token"]
    return client, token
