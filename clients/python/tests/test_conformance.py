"""Run the shared wire-conformance cases (protocol/conformance/*.jsonl) against a live hookd.

Each non-blank line of each file is one case ``{"name", "request", "expect"}``
and becomes one test, with the case name as its id. The runner follows the
spec: send ``request`` and the sentinel, collect the lines before the
sentinel's response (:meth:`hookrpc.HookRPC.raw_exchange`), then check them
with the spec's SUBSET MATCH rules (implemented below).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, List, Optional

import pytest

from hookrpc import HookRPC

if TYPE_CHECKING:
    from conftest import Daemon

REPO_ROOT = Path(__file__).resolve().parents[3]
CONFORMANCE_DIR = REPO_ROOT / "protocol" / "conformance"


# --------------------------------------------------------------------------- matcher

def _is_number(value: Any) -> bool:
    """JSON numbers only: Python's bool is an int subclass but true/false are not numbers."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _describe(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 300 else text[:300] + "..."


def subset_mismatch(expected: Any, actual: Any, path: str = "$", top: bool = True) -> Optional[str]:
    """Why ``actual`` does not SUBSET-MATCH ``expected``, or None when it matches.

    * object: every key of expected is present in actual with a matching value
      (extra keys in actual are allowed);
    * array at top level (a batch response): same length, elements matched
      unordered, each expected element to a distinct actual element;
    * nested arrays: same length, elementwise in order;
    * numbers: numeric equality (1 == 1.0); other scalars: equality
      (true is not 1, null only matches null).
    """
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"{path}: expected an object, got {_describe(actual)}"
        for key, value in expected.items():
            if key not in actual:
                return f"{path}: missing key {key!r} in {_describe(actual)}"
            why = subset_mismatch(value, actual[key], f"{path}.{key}", top=False)
            if why is not None:
                return why
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return f"{path}: expected an array, got {_describe(actual)}"
        if len(expected) != len(actual):
            return (f"{path}: expected an array of {len(expected)} elements, got "
                    f"{len(actual)}: {_describe(actual)}")
        if not top:
            for i, (e, a) in enumerate(zip(expected, actual)):
                why = subset_mismatch(e, a, f"{path}[{i}]", top=False)
                if why is not None:
                    return why
            return None
        return _unordered_mismatch(expected, actual, path)
    if _is_number(expected):
        if _is_number(actual) and expected == actual:
            return None
        return f"{path}: expected {_describe(expected)}, got {_describe(actual)}"
    if type(expected) is type(actual) and expected == actual:
        return None
    return f"{path}: expected {_describe(expected)}, got {_describe(actual)}"


def _unordered_mismatch(expected: List[Any], actual: List[Any], path: str) -> Optional[str]:
    """Match every expected element to a distinct actual element (bipartite matching)."""
    fits = [[j for j, a in enumerate(actual) if subset_mismatch(e, a, top=False) is None]
            for e in expected]
    owner: List[Optional[int]] = [None] * len(actual)

    def assign(i: int, seen: List[bool]) -> bool:
        for j in fits[i]:
            if not seen[j]:
                seen[j] = True
                current = owner[j]
                if current is None or assign(current, seen):
                    owner[j] = i
                    return True
        return False

    for i in range(len(expected)):
        if not assign(i, [False] * len(actual)):
            return (f"{path}: no distinct element of {_describe(actual)} matches expected "
                    f"element {_describe(expected[i])}")
    return None


# ----------------------------------------------------------------------- collection

def _load_cases() -> List[Any]:
    """One pytest param per case line found at collection time."""
    params: List[Any] = []
    for file in sorted(CONFORMANCE_DIR.glob("*.jsonl")):
        with open(file, encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                where = f"{file.relative_to(REPO_ROOT)}:{lineno}"
                try:
                    case = json.loads(line)
                    name = case["name"]
                    request = case["request"]
                    expect = case["expect"]
                    if not isinstance(name, str) or not isinstance(request, str):
                        raise ValueError("'name' and 'request' must be strings")
                except (ValueError, KeyError, TypeError) as e:
                    params.append(pytest.param(where, None, None, f"malformed case: {e}",
                                               id=f"malformed {where}"))
                    continue
                params.append(pytest.param(where, request, expect, None, id=name))
    return params


CASES = _load_cases()


def test_conformance_cases_exist() -> None:
    """Fail loudly when there is nothing to check (better than a silent green run)."""
    assert CASES, f"no conformance cases found: {CONFORMANCE_DIR}/*.jsonl is empty or missing"


@pytest.mark.parametrize("where,request_line,expect,problem", CASES)
def test_conformance(hookd: "Daemon", where: str, request_line: Optional[str], expect: Any,
                     problem: Optional[str]) -> None:
    if problem is not None:
        pytest.fail(f"{where}: {problem}")
    assert request_line is not None
    with HookRPC(hookd.socket_path, timeout=10.0) as rpc:
        lines = rpc.raw_exchange(request_line)
    if expect is None:
        assert lines == [], f"{where}: expected no response, got {len(lines)} line(s): {lines!r}"
        return
    assert len(lines) == 1, f"{where}: expected exactly one response line, got {len(lines)}: {lines!r}"
    why = subset_mismatch(expect, lines[0])
    assert why is None, f"{where}: {why}"


# ------------------------------------------------------------- matcher self-tests

@pytest.mark.parametrize("expected,actual,ok", [
    ({"a": 1}, {"a": 1.0, "b": 2}, True),
    ({"a": 1}, {"b": 1}, False),
    ({"a": {"b": [1, 2]}}, {"a": {"b": [1, 2], "c": 0}}, True),
    ({"a": [1, 2]}, {"a": [2, 1]}, False),          # nested arrays are ordered
    ([{"id": 1}, {"id": 2}], [{"id": 2}, {"id": 1}], True),  # top-level arrays are not
    ([{"id": 1}, {"id": 1}], [{"id": 1}, {"id": 2}], False),  # distinct elements
    ([{"id": None}], [{"id": None, "x": 1}], True),
    ([{}], [], False),
    ({"a": True}, {"a": 1}, False),                  # true is not a number
    ({"a": 1}, {"a": True}, False),
    ({"a": None}, {"a": 0}, False),
    ({"a": "1"}, {"a": 1}, False),
    ({"a": {}}, {"a": []}, False),
    ({"a": -0.5}, {"a": -0.5}, True),
])
def test_subset_matcher(expected: Any, actual: Any, ok: bool) -> None:
    assert (subset_mismatch(expected, actual) is None) is ok
