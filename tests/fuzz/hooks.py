"""Schemathesis hooks for Koiki.

Koiki answers every error a client can act on with a stable `extensions.code`
(`VALIDATION`, `NOT_FOUND`, `FORBIDDEN`, ...), and a fault of its own with `INTERNAL`.
Schemathesis's built-in `not_a_server_error` knows only Apollo's and graphql-java's labels and
would count `VALIDATION` errors on fields as server failures, so this check states Koiki's
contract instead: a server error is an HTTP 5xx, an `INTERNAL` error, or an error without a
code at all.
"""

import schemathesis

# Codes that mean "the server failed", whatever the HTTP status.
SERVER_CODES = {"INTERNAL"}


@schemathesis.check
def koiki_no_server_error(ctx, response, case):
    """No 5xx, no INTERNAL error, and every error carries a code."""
    if response.status_code >= 500 and response.status_code != 503:
        raise AssertionError(f"HTTP {response.status_code}: {response.text[:500]}")
    try:
        payload = response.json()
    except ValueError:
        raise AssertionError(f"not JSON (HTTP {response.status_code}): {response.text[:200]}")
    if not isinstance(payload, dict):
        raise AssertionError("the response is not a JSON object")
    for error in payload.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        if code is None:
            raise AssertionError(f"an error without a code: {error}")
        if code in SERVER_CODES or response.status_code == 503:
            raise AssertionError(f"a server error: {error}")
