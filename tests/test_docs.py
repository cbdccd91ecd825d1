"""The docs stay true to the code.

* ``docs/parameters.md`` is generated from the scenario schema (``sim/scenario/schema.py``)
  and must equal what the generator writes now: ``python -m tests.test_docs --write``
  regenerates it.
* Every pointer into the code that the docs give exists: each ``sim/...`` path, each
  ``sim.module.Name``, each ``module.function`` or ``Class.method`` of a module of ``sim/``,
  and each test that docs/ODD.md names as the check of a pattern.
"""

from __future__ import annotations

import fnmatch
import importlib
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PARAMETERS_PAGE = ROOT / "docs" / "parameters.md"
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
POINTED = [
    ROOT / "README.md",
    *(ROOT / "docs" / f"{name}.md" for name in ("ODD", "tutorial", "experiments", "validation", "robustness")),
]

HEADER = """\
# Scenario parameters

Every key of a scenario file, generated from `sim/scenario/schema.py` (do not edit this page:
`python -m tests.test_docs --write` regenerates it, and `tests/test_docs.py` keeps it equal to
the schema). Money is in poverty-line units (a file in another currency divides by its
`economy.poverty_line`); `*` is the name of a form or a service, a scheduled shock's position,
or a domain of a mandate. `scenarios/default.toml` holds the same defaults, with comments.
"""
CLASSIC_HEADER = """
## Classic games

The keys of a classic game's scenario (`model = "spatial_game"`, `scenarios/classic/`; see
[`validation.md`](validation.md)), declared in `sim/classic/scenario.py`.

"""

# short names the docs use for modules and classes of sim/ (``decisions.review``, ``Village.decide``)
NAMES = {
    **{m: f"sim.{m}" for m in (
        "agents", "behaviour", "compile_cache", "controls", "decisions", "economy", "enforcement", "enterprise", "forms",
        "gains", "households", "landscape", "learning", "lifecycle", "membership", "metrics", "outputs",
        "plots", "shocks", "state", "ties", "twin", "village_map", "year",
    )},
    **{m: f"sim.domains.{m}" for m in ("agriculture", "services", "infrastructure")},
    "Village": "sim.agents.Village",
    "Partnership": "sim.agents.Partnership",
    "VillageModel": "sim.model.VillageModel",
    "Environment": "sim.shocks.Environment",
    "Year": "sim.year.Year",
    "Shocks": "sim.shocks.Shocks",
    "VillageState": "sim.state.VillageState",
}  # fmt: skip
# names of other packages the docs use (``mesa.DataCollector``), not pointers into sim/
OTHERS = ("mesa", "numpy", "np", "pd", "scipy", "solara", "SALib", "datacollector", "ema_workbench")
# the classic games' summary keys (``classic.cooperator_fraction_mean``), made per game
CLASSIC_SUMMARY = "classic."
FILE_NAME = re.compile(r".*\.(py|png|json|csv|md|toml|parquet|html)$")


def parameters_page() -> str:
    """docs/parameters.md as the schema makes it now."""
    from sim.classic import PARAMETERS as CLASSIC
    from sim.scenario.schema import markdown_table

    return HEADER + "\n## Village scenarios\n\n" + markdown_table() + CLASSIC_HEADER + markdown_table(CLASSIC)


def test_the_parameter_reference_is_the_schema():
    assert PARAMETERS_PAGE.read_text(encoding="utf-8") == parameters_page(), (
        "docs/parameters.md differs from the schema: regenerate it with `python -m tests.test_docs --write`"
    )


def test_the_parameter_reference_lists_every_key():
    from sim.scenario.schema import PARAMETERS

    text = PARAMETERS_PAGE.read_text(encoding="utf-8")
    for path in PARAMETERS:
        assert f"| `{path}` |" in text, path


def _code_spans(text: str) -> list[str]:
    return re.findall(r"`([^`\n]+)`", text)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_sim_path_the_docs_name_exists(doc):
    text = doc.read_text(encoding="utf-8")
    paths = set(re.findall(r"(?<![\w.])(?:\.\./)?(sim/(?:[\w]+/)*(?:\w+\.py|))(?![\w/])", text))
    missing = sorted(p for p in paths if "__pycache__" not in p and not (ROOT / p).exists())
    assert not missing, f"{doc.name} names paths that do not exist: {missing}"


def _declared_key(dotted: str) -> bool:
    """Is ``dotted`` a scenario key (of the villages or a classic game), a table of keys or a
    summary key (``infrastructure.served``), rather than a pointer into the code?"""
    from sim import load_scenario, outputs
    from sim.classic import PARAMETERS as CLASSIC
    from sim.scenario.schema import PARAMETERS

    if dotted.startswith(CLASSIC_SUMMARY):
        return True
    keys = [
        *PARAMETERS,
        *CLASSIC,
        *outputs.scenario_summary_keys(load_scenario("default").params),
        *outputs.PATTERN_MEASURES,
    ]
    return any(
        fnmatch.fnmatchcase(key, dotted) or fnmatch.fnmatchcase(dotted, key) or key.startswith(dotted + ".")
        for key in keys
    )


def _exists(dotted: str) -> bool:
    """Does ``sim.x.y.Name.attr`` name a module, or something in one (a dataclass field counts)?"""
    parts = dotted.split(".")
    for k in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:k]))
        except ModuleNotFoundError:
            continue
        for part in parts[k:]:
            if not hasattr(obj, part):
                return part in getattr(obj, "__dataclass_fields__", {})
            obj = getattr(obj, part)
        return True
    return False


@pytest.fixture(scope="module")
def a_model():
    from sim import VillageModel

    return VillageModel("default", rng=1, n_villages=20, steps=1)


@pytest.mark.parametrize("doc", POINTED, ids=lambda p: p.name)
def test_every_name_the_docs_point_to_exists(doc, a_model):
    """``decisions.review``, ``Village.decide``, ``sim.agents.Village``, ``VillageModel.twin()``,
    ``model.table`` ... exist; a dotted name that is neither one of these, a scenario or summary
    key, a file name nor another package's (``mesa.Agent``) is a stale pointer (``kernel.REASONS``)."""
    missing = []
    for span in _code_spans(doc.read_text(encoding="utf-8")):
        name = re.sub(r"\(.*\)$", "", span.strip())
        if not re.fullmatch(r"[A-Za-z_]\w*(\.\w+)+", name) or FILE_NAME.match(name):
            continue
        first, _, rest = name.partition(".")
        if first in OTHERS or _declared_key(name):
            continue
        if first == "model":
            found = hasattr(a_model, rest.split(".")[0])
        elif first == "sim":
            found = _exists(name)
        else:
            found = first in NAMES and _exists(f"{NAMES[first]}.{rest}")
        if not found:
            missing.append(name)
    assert not missing, f"{doc.name} points to names the code does not have: {sorted(set(missing))}"


def test_every_test_the_odd_names_exists():
    """The tests docs/ODD.md names as the checks of its patterns (``tests/x.py::test``, ``::test``)."""
    text = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    missing = []
    for line in text.splitlines():
        current = None
        for span in _code_spans(line):
            if "::" not in span:
                continue
            file, _, name = span.partition("::")
            current = file or current
            assert current, f"a test named without its file: {span}"
            source = ROOT / current
            if not source.exists() or not re.search(rf"^def {re.escape(name)}\(", source.read_text(), re.M):
                missing.append(f"{current}::{name}")
    assert not missing, f"docs/ODD.md names tests that do not exist: {missing}"


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m tests.test_docs --write   (regenerates docs/parameters.md from the schema)")
    PARAMETERS_PAGE.write_text(parameters_page(), encoding="utf-8")
    print(f"wrote {PARAMETERS_PAGE.relative_to(ROOT)}")
