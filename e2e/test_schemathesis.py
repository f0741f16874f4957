"""SPEC §12: Schemathesis against the live server, from the server's own `/api/schema/`.

Every operation of the schema is fuzzed with all of Schemathesis's checks (no 5xx, responses and
status codes and content types as documented, auth enforced, …): once signed in as an admin-role
user (who may do everything, so every code path is reachable) and once as a `user`-role user.

Bounded and reproducible: a fixed seed, derandomized generation, `MAX_EXAMPLES` per operation in
the fuzzing phase (the examples and coverage phases add their own, schema-derived cases).

The fuzzer may delete, deactivate, demote or re-password any user it can reach, including the one it
signs in as; so before every case the identity is restored (re-created if need be) and a fresh token
minted. Throttle counters and idempotency keys are reset too: each case is judged on its own, not on being the 1001st
request of the minute (throttling has its own tests).
"""

import os

import pytest
import schemathesis
from django.core.cache import cache
from schemathesis.config import SchemathesisConfig

from e2e.conftest import LIVE_DB
from factory.models import IdempotencyRecord

# Overridable for a deeper exploratory run, e.g. `E2E_FUZZ_SEED=7 E2E_FUZZ_EXAMPLES=100 pytest e2e`.
MAX_EXAMPLES = int(os.environ.get("E2E_FUZZ_EXAMPLES", "20"))
SEED = int(os.environ.get("E2E_FUZZ_SEED", "20260412"))


def _config() -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                # No `.hypothesis/` directory: every run starts from the same seed, nothing replayed.
                "database": "none",
                # The Authorization header is the identity's real token on every case (the test
                # replaces it), so a case generated as "negative" only through that header would
                # be judged on a header the server never saw. 401s have their own tests
                # (accounts/tests/test_auth.py).
                "with-security-parameters": False,
            },
            "checks": {
                # Every check runs. This one expects schema-valid requests to succeed; SPEC §3 answers
                # 400 to input that breaks a rule a schema cannot state (an unknown id, a taken email,
                # a weak password, date_from after date_to), so 400 counts as a proper answer here.
                "positive_data_acceptance": {
                    "expected-statuses": [
                        "2xx",
                        "3xx",
                        "400",
                        "401",
                        "403",
                        "404",
                        "409",
                        "429",
                        "5xx",
                    ]
                },
            },
        }
    )


@pytest.fixture(params=["admin", "user"])
def fuzz_identity(request, seeded, admin_identity, user_identity):
    return {"admin": admin_identity, "user": user_identity}[request.param]


@pytest.fixture
def api_schema(live_server, fuzz_identity):
    # The schema is built on the first request: seconds on a busy machine (two xdist workers and
    # their servers on two cores), past requests' default 10 s read timeout.
    return schemathesis.openapi.from_url(
        f"{live_server.url}/api/schema/", config=_config(), timeout=60
    )


schema = schemathesis.pytest.from_fixture("api_schema")


@LIVE_DB
@schema.parametrize()
def test_api_conforms_to_its_schema(case, fuzz_identity):
    headers = fuzz_identity.bearer()
    cache.clear()
    # Idempotency keys are per user across endpoints (orders, production, purchase-order
    # receipts): a key the fuzzer used on another operation would make this case a 422.
    IdempotencyRecord.objects.all().delete()
    case.call_and_validate(headers=headers, timeout=30)
