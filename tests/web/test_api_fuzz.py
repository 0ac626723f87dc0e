"""API fuzzing (Schemathesis) from the app's own OpenAPI document: for generated valid and invalid
requests to every operation, no response is a server error and every 4xx carries a message.

(Schemathesis' pytest plugin does not run on pytest 9 yet; the operations' Hypothesis strategies
are driven directly.)"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from tests.web.conftest import signed_in

pytestmark = pytest.mark.slow
EXAMPLES = 25


STREAMS = {"GET /api/events"}  # an open event stream (up to 25 s a call): its arguments are /api/events/poll's,
# fuzzed there; the stream itself is tested in test_live_api and test_live_browser


def _operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    return [op for op in (result.ok() for result in schema.get_all_operations()) if op.label not in STREAMS]


def test_every_operation_is_fuzzed(app):
    labels = {op.label for op in _operations(app)}
    assert len(labels) >= 16 and "POST /api/dispatches" in labels and "GET /api/recommend" in labels


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_server_error_and_every_4xx_says_why(app, mode):
    cookie = signed_in(app, "admin").get_cookie("session").value
    seen, unsatisfiable = [], []
    for operation in _operations(app):

        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy(generation_mode=mode))
        def fuzz(case):
            response = case.call(cookies={"session": cookie})
            case.validate_response(response, checks=[not_a_server_error])
            if 400 <= response.status_code < 500:
                body = response.json()
                assert isinstance(body, dict) and body.get("error"), (case.method, case.formatted_path, response.status_code)
            seen.append(response.status_code)

        try:
            fuzz()
        except Unsatisfiable:  # no invalid request exists (no inputs, or any string is valid)
            assert mode == GenerationMode.NEGATIVE
            unsatisfiable.append(operation.label)
    assert len(unsatisfiable) < len(_operations(app)) / 2, unsatisfiable
    assert len(seen) >= 10
    if mode == GenerationMode.POSITIVE:
        assert any(code < 300 for code in seen)  # valid requests do get through
    else:  # unknown extra query parameters are ignored, as usual; the rest are refused with a message
        assert sum(code >= 400 for code in seen) > len(seen) / 2
