"""A `patrol serve` child process on loopback and signed-in HTTP sessions to it, for the HTTP benchmarks."""

import subprocess
import sys
import time

__all__ = ["serve_bench_city", "signed_in"]


def serve_bench_city(port: int, threads: int | None = None) -> subprocess.Popen:
    """Start `patrol serve` on 127.0.0.1:``port`` for the benchmark's city (``threads`` or the default)."""
    from bench.common import bench_city_name

    command = [sys.executable, "-c", "from cli.main import main; main()", "serve", "--host", "127.0.0.1",
               "--port", str(port), "--city", bench_city_name()]
    if threads is not None:
        command += ["--threads", str(threads)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def signed_in(base: str, username: str, password: str, *, wait_s: float = 60.0):
    """A requests session signed in as ``username`` (waits up to ``wait_s`` for the server), with its CSRF header
    set."""
    import requests

    session = requests.Session()
    for _ in range(int(wait_s * 10)):
        try:
            page = session.get(f"{base}/login", timeout=2).text
            break
        except requests.ConnectionError:
            time.sleep(0.1)
    else:
        raise RuntimeError("the server did not start")
    token = page.split("name=csrf_token value='")[1].split("'")[0]
    answer = session.post(f"{base}/login", data={"username": username, "password": password, "csrf_token": token},
                          allow_redirects=False)
    if answer.status_code != 302:
        raise RuntimeError(f"{username} could not sign in: {answer.status_code}")
    session.headers["X-CSRFToken"] = session.get(f"{base}/api/csrf", timeout=10).json()["csrf_token"]
    return session
