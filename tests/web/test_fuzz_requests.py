"""Odd paths, query strings, headers, methods and bodies (reproducible from a seed), as an outsider and
as each role: never a 500, always an answer with a message."""

import pytest

from bench.fuzz_requests import fuzzed_requests
from tests.web.conftest import signed_in

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("who", ["anonymous", "admin", "dispatcher", "officer-e02"])
def test_no_odd_request_gets_a_500(app, who):
    client = app.test_client() if who == "anonymous" else signed_in(app, who)
    failures = []
    for method, path, headers, body in fuzzed_requests(seed=len(who), count=400):
        response = client.open(path, method=method, headers=headers, data=body)
        if response.status_code >= 500:
            failures.append((method, path[:120], headers, response.status_code, response.get_data(as_text=True)[:200]))
    assert failures == [], failures[:5]
