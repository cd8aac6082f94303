"""Client input is bounded before it reaches the index (issue 14, M2 and L7): every filter field is
validated, so a hostile filter gets a 422 naming the field, never an HTTP 500 from SQLite."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from curbside.qa.retrieval import FILTER_YEAR_MAX, FILTER_YEAR_MIN, MAX_FILTER_PUBLISHERS, Filters

pytestmark = pytest.mark.integration

HOSTILE_FILTERS = [
    ({"year_min": 10**20}, "filters.year_min"),
    ({"year_max": 10**20}, "filters.year_max"),
    ({"year_min": -(10**20)}, "filters.year_min"),
    ({"publishers": ["acr"] * 998}, "filters.publishers"),
    ({"publishers": ["x" * 1_000]}, "filters.publishers"),
    ({"kinds": ["guideline"] * 5000}, "filters.kinds"),
    ({"kinds": ["cookbook"]}, "filters.kinds"),
    ({"year_min": 2020, "year_max": 2010}, "filters"),
]


@pytest.mark.parametrize(("filters", "param"), HOSTILE_FILTERS)
@pytest.mark.parametrize("route", ["/v1/ask", "/v1/search", "/v1/chat/completions"])
def test_hostile_filters_are_422_naming_the_field(client: TestClient, route: str, filters: dict, param: str) -> None:
    body: dict = {"filters": filters}
    if route == "/v1/ask":
        body["question"] = "colchicine dose?"
    elif route == "/v1/search":
        body["query"] = "colchicine dose"
    else:
        body.update(model="curbside", messages=[{"role": "user", "content": "colchicine dose?"}])
    r = client.post(route, json=body)
    assert r.status_code == 422, r.text[:300]
    error = r.json()["error"]
    assert error["param"].startswith(param), error
    assert error["code"] == "validation_error"


def test_filters_within_bounds_still_filter(client: TestClient) -> None:
    publishers = ["american college of rheumatology"] * MAX_FILTER_PUBLISHERS
    r = client.post("/v1/search", json={"query": "gout flare", "filters": {
        "publishers": publishers, "year_min": FILTER_YEAR_MIN, "year_max": FILTER_YEAR_MAX}})
    assert r.status_code == 200, r.text[:300]
    assert all("rheumatology" in p["document"]["publisher"].lower() for p in r.json()["passages"])


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"year_min": 10**20}, "year_min"), ({"year_max": -1}, "year_max"),
    ({"publishers": ["p"] * 998}, "publishers"), ({"kinds": ["nope"]}, "kinds"),
])
def test_python_api_filters_raise_validation_error_naming_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        Filters(**kwargs)
    assert info.value.errors()[0]["loc"][0] == field
