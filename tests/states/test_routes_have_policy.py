"""A new route without a policy row fails a test: every endpoint of the running app is listed in
workflow/route_policy.py with the rows of states/policy.py it asks (or none, said to be public or reading)."""

from config import TestConfig
from states.policy import POLICY
from workflow import create_app
from workflow.route_policy import ENDPOINTS


def endpoints() -> set[str]:
    return {rule.endpoint for rule in create_app(TestConfig).url_map.iter_rules()}


def test_every_endpoint_names_the_policy_rows_it_asks():
    served = endpoints()
    missing = sorted(served - ENDPOINTS.keys())
    gone = sorted(ENDPOINTS.keys() - served)
    unknown = {endpoint: [a for a in actions if a not in POLICY] for endpoint, actions in ENDPOINTS.items()
               if any(a not in POLICY for a in actions)}
    assert not missing, f"routes with no entry in workflow/route_policy.py ENDPOINTS: {missing}"
    assert not gone, f"ENDPOINTS lists endpoints the app no longer has: {gone}"
    assert not unknown, f"ENDPOINTS names actions that are no row of states/policy.py: {unknown}"


def test_every_policy_row_is_asked_by_some_route():
    asked = {action for actions in ENDPOINTS.values() for action in actions}
    assert sorted(set(POLICY) - asked) == [], "policy rows no route asks"
