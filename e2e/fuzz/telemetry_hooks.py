"""Schemathesis hooks of e2e/fuzz/schemathesis.test.ts (SCHEMATHESIS_HOOKS=telemetry_hooks).

dgen-ping's POST /telemetry stores any JSON object, so the schema alone rarely draws the names and nestings
no store can hold; each generated event may also get one: a NUL, a leading `$` or a dot in a field name
(at the top, nested, or inside a list), or nesting past the 16-level limit.
"""

import schemathesis
from hypothesis import strategies as st

UNSTORABLE_NAMES = ["$where", "$set", "$", "a.b", ".", "\x00", "key\x00name", "$a.b\x00"]


def nest(depth, leaf):
    value = leaf
    for _ in range(depth):
        value = {"n": value}
    return value


def place(body, name, where):
    hostile = {name: 1}
    if where == "top":
        return {**body, **hostile}
    if where == "nested":
        return {**body, "meta": {"inner": hostile}}
    return {**body, "items": [1, hostile]}


@schemathesis.hook.apply_to(path="/telemetry", method="POST")
def flatmap_body(context, body):
    if not isinstance(body, dict):
        return st.just(body)
    names = st.builds(place, st.just(body), st.sampled_from(UNSTORABLE_NAMES), st.sampled_from(["top", "nested", "list"]))
    deep = st.integers(min_value=15, max_value=64).map(lambda depth: {**body, "deep": nest(depth, "leaf")})
    return st.one_of(st.just(body), names, deep)
