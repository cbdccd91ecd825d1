"""The schema (sim/scenario/schema.py): every key of scenarios/default.toml declared once, with
the file's default, a unit that agrees with the file's comment, and ranges that validation reads."""

from __future__ import annotations

import dataclasses
import re
import tomllib

import pytest

from sim import ScenarioError, load_scenario
from sim.scenario import schema
from sim.scenario.files import SCENARIO_DIR
from sim.scenario.schema import (
    LIST_TABLES,
    MAP_TABLES,
    OPEN_TABLES,
    PARAMETERS,
    default_tree,
    markdown_table,
    parameter,
)

DEFAULT_FILE = SCENARIO_DIR / "default.toml"


def _file_tree() -> dict:
    return tomllib.loads(DEFAULT_FILE.read_text())


def _declared_paths(tree: dict, prefix: str = "") -> list[str]:
    """The schema paths a tree's keys stand for, in file order ("forms.formal.fine" -> "forms.*.fine")."""
    paths: list[str] = []
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if path in MAP_TABLES:
            paths.append(path + ".*")
        elif path in LIST_TABLES:
            paths += [p for entry in value for p in _declared_paths(entry, path + ".*.")]
        elif isinstance(value, dict) and path in OPEN_TABLES:
            for name, entry in value.items():
                paths += _declared_paths(entry, f"{path}.*.") if isinstance(entry, dict) else [f"{path}.{name}"]
        elif isinstance(value, dict):
            paths += _declared_paths(value, path + ".")
        else:
            paths.append(path)
    return list(dict.fromkeys(paths))


def _file_default(tree: dict, path: str):
    """The default file's value of a schema path (a dict of entries for a ``*`` path)."""
    head, _, tail = path.partition(".*.") if ".*." in path else (path.removesuffix(".*"), "*", "")
    node = tree
    for part in head.split("."):
        node = node[part]
    if tail == "" and path.endswith(".*"):
        return dict(node)
    if "*" not in path:
        return node
    entries = enumerate(node) if isinstance(node, list) else node.items()
    return {str(name): entry[tail] for name, entry in entries if isinstance(entry, dict)}


def test_every_key_of_the_default_file_is_declared_once_in_file_order():
    assert len(PARAMETERS) == len(schema._DECLARED), "a path is declared twice"
    assert _declared_paths(_file_tree()) == list(PARAMETERS)


@pytest.mark.parametrize("path", list(PARAMETERS))
def test_declared_default_equals_the_default_file(path):
    p = PARAMETERS[path]
    expected = _file_default(_file_tree(), path)
    declared = {k: p.file_value(v) for k, v in p.default.items()} if p.is_open else p.file_value(p.default)
    assert declared == expected
    values = declared.values() if p.is_open else [declared]
    assert all(type(v) is p.kind for v in values), f"{path}: every value is a {p.kind.__name__}"


def test_default_tree_reads_as_the_default_file():
    tree, file = default_tree(), _file_tree()
    assert tree == file
    assert repr(tree) == repr(file)  # same order, same types
    tree["forms"]["formal"]["domains"].append("x")
    assert default_tree() == file  # a fresh copy each time


def _comments() -> dict[str, str]:
    """The comment beside each key of the default file (with its continuation lines), by schema path."""
    comments: dict[str, str] = {}
    section, last = "", None
    for line in DEFAULT_FILE.read_text().splitlines():
        header = re.match(r"^\[\[?([\w.]+)\]\]?", line)
        if header:
            section, last = header.group(1), None
            continue
        key = re.match(r"^(\w+)\s*=\s*.*?\s#\s?(.*)$", line)
        if key:
            concrete = f"{section}.{key.group(1)}" if section else key.group(1)
            declared = parameter(concrete if section != "shocks.scheduled" else f"shocks.scheduled.0.{key.group(1)}")
            last = declared.path if declared else None
            if last and last not in comments:
                comments[last] = key.group(2)
            else:
                last = None
        elif re.match(r"^\s+#", line) and last:
            comments[last] += " " + line.strip(" #")
        else:
            last = None
    return comments


def test_units_agree_with_the_comments_of_the_default_file():
    comments = _comments()
    assert len(comments) > 90
    for path, comment in comments.items():
        p = PARAMETERS[path]
        if p.kind in (bool, str, list):
            continue  # text, names, yes/no: the comment says what, not a unit
        words = re.findall(r"[a-z^]+", p.unit.lower())
        missing = [w for w in words if w not in comment.lower()]
        assert not missing, f"{path}: unit {p.unit!r} has {missing} that its comment {comment!r} does not say"


def test_money_is_what_the_comments_call_money():
    for path, comment in _comments().items():
        if path in ("economy.poverty_line", "economy.currency"):
            continue  # the unit of money itself
        assert PARAMETERS[path].money == ("money" in comment), path


@pytest.mark.parametrize("path", list(PARAMETERS))
def test_every_declaration_is_complete_and_consistent(path):
    p = PARAMETERS[path]
    assert p.unit and p.meaning and "\n" not in p.meaning
    if p.kind in (int, float):
        assert p.lo is not None, f"{path}: a number needs an allowed range"
        values = p.default.values() if p.is_open else [p.default]
        assert all(p.lo <= v and (p.hi is None or v <= p.hi) for v in values), f"{path}: default out of its range"
    else:
        assert p.lo is None and p.hi is None and p.sweep is None
    if p.sweep is not None:
        low, high = p.sweep
        assert p.lo <= low < high and (p.hi is None or high <= p.hi), f"{path}: sweep range outside the valid range"
    if p.money:
        assert p.kind is float and "money" in p.unit


def test_parameter_resolves_concrete_paths_to_their_declaration():
    assert parameter("forms.formal.enforcement") is PARAMETERS["forms.*.enforcement"]
    assert parameter("forms.guild.setup_cost") is PARAMETERS["forms.*.setup_cost"]
    assert parameter("services.fire.decay_km") is PARAMETERS["services.*.decay_km"]
    assert parameter("shocks.scheduled.2.intensity") is PARAMETERS["shocks.scheduled.*.intensity"]
    assert parameter("policy.mandate.services") is PARAMETERS["policy.mandate.*"]
    assert parameter("behaviour.temperature") is PARAMETERS["behaviour.temperature"]
    assert parameter("behaviour.nonsense") is None
    assert PARAMETERS["forms.*.enforcement"].default["formal"] == 0.8
    assert PARAMETERS["landscape.n_villages"].sweep_range() == (10, 500)
    assert PARAMETERS["economy.save_rate"].sweep_range() == (0.0, 1.0)  # no sweep: the valid range
    assert PARAMETERS["landscape.area_km"].sweep_range() is None  # unbounded above


def test_validation_reads_the_schema(monkeypatch):
    narrow = dataclasses.replace(PARAMETERS["behaviour.error_rate"], hi=0.01)
    monkeypatch.setitem(PARAMETERS, "behaviour.error_rate", narrow)
    with pytest.raises(
        ScenarioError, match=r"behaviour\.error_rate: 0\.02 is out of range; allowed: a number in \[0, 0\.01\]"
    ):
        load_scenario("default")
    money = dataclasses.replace(PARAMETERS["forms.*.fine"], money=True)
    monkeypatch.setitem(PARAMETERS, "forms.*.fine", money)
    monkeypatch.setitem(PARAMETERS, "behaviour.error_rate", dataclasses.replace(narrow, hi=0.5))
    assert load_scenario("default", {"economy.poverty_line": 2.0, "forms.formal.fine": 3.0}).get(
        "forms.formal.fine"
    ) == pytest.approx(1.5)


def test_a_declaration_without_a_default_entry_names_its_kind():
    with pytest.raises(TypeError, match="give kind="):
        schema.Parameter("forms.*.x", {}, "1", "m")
    with pytest.raises(TypeError, match="kind must be one of"):
        schema.Parameter("x", 1j, "1", "m")


def test_the_markdown_table_covers_every_key():
    table = markdown_table()
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == list(PARAMETERS)
    assert all(row.count(" | ") == 4 for row in rows), "five cells per row (pipes in text escaped)"
    assert (
        "| `forms.*.enforcement` | formal: 0.8; informal: 0.0; long_term: 0.0; temporary: 0.3 | probability | [0, 1] |"
        in table
    )
    assert "| `run.steps` | 50 | steps | [1, 100,000] | horizon of a run |" in table
    stub = {"x": schema.Parameter("x", 2, "m", "a | b", 0, 5)}
    assert markdown_table(stub).splitlines()[-1] == "| `x` | 2 | m | [0, 5] | a \\| b |"
