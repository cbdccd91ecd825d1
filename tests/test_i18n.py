"""The languages of the outputs (sim/i18n.py): complete catalogues, placeholders kept, locale formats.

The catalogue test extracts the texts from the sources as ``make catalogues`` does (every
``N_`` text of sim/, including every sentence and label of sim/report/wording.py, the output
registry, the schema's names and the scenario and experiment files' labels), so a text added
anywhere fails it until the Indonesian catalogue translates it.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from sim import i18n
from sim.scenario import ScenarioError

babel = pytest.importorskip("babel")
from babel.messages.pofile import read_po  # noqa: E402


@pytest.fixture(scope="module")
def template():
    return i18n.extract()


@pytest.fixture(scope="module")
def catalogue():
    with open(i18n.catalogue_path("id"), "rb") as f:
        return read_po(f, locale="id", domain=i18n.DOMAIN)


def _text(message_id) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


def missing_translations(template, catalogue) -> list[str]:
    """The extracted texts the catalogue does not translate (absent, empty or fuzzy)."""
    missing = []
    for message in template:
        if not message.id:
            continue
        found = catalogue.get(message.id, context=message.context)
        strings = [] if found is None else ([found.string] if isinstance(found.string, str) else list(found.string))
        if found is None or found.fuzzy or not all(s.strip() for s in strings) or not strings:
            missing.append(_text(message.id))
    return missing


def test_every_extracted_text_is_translated(template, catalogue):
    missing = missing_translations(template, catalogue)
    assert not missing, f"{len(missing)} text(s) without an Indonesian translation (make catalogues): {missing[:10]}"


def test_the_check_fails_on_a_missing_or_fuzzy_translation(template, catalogue):
    from babel.messages.catalog import Catalog

    first = next(m for m in template if m.id)
    short = Catalog(locale="id")
    for message in catalogue:
        if message.id and message.id != first.id:
            short.add(message.id, message.string, context=message.context)
    assert missing_translations(template, short) == [_text(first.id)]
    short.add(first.id, "terjemahan", flags=["fuzzy"])
    assert missing_translations(template, short) == [_text(first.id)]


def test_extraction_reads_every_sentence_and_label_of_the_report(template):
    from sim.report import wording

    ids = {_text(m.id) for m in template if m.id}
    declared = [*wording.SENTENCES.values(), *wording.LABELS.values()]
    assert [t for t in declared if t.strip() and t not in ids] == []


def test_extraction_reads_the_registry_and_the_schema(template):
    from sim import outputs

    ids = {_text(m.id) for m in template if m.id}
    for m in outputs.MEASURES:
        assert m.label in ids and m.unit in ids
    assert {"agriculture", "long term", "Formal agreement (MoU / contract)", "Drought severity"} <= ids


def test_translations_keep_the_placeholders(catalogue):
    wrong = []
    for message in catalogue:
        if not message.id or not message.string:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        expected = set().union(*(i18n.placeholders(i) for i in ids))
        wrong += [(ids[0], s) for s in strings if i18n.placeholders(s) != expected]
    assert wrong == []


def test_translations_have_no_english_words_left(catalogue):
    """A few English words that a translation must not keep (names and units aside)."""
    english = {" the ", " and ", " of ", " with ", " villages", " partnership ", " which "}
    left = [
        m.string for m in catalogue if m.id and isinstance(m.string, str) and any(w in f" {m.string} " for w in english)
    ]
    assert left == []


def test_english_numbers_are_those_of_the_reports():
    en = i18n.language("en")
    assert en.locale is None and en.gettext("n/a") == "n/a"
    assert en.decimal(-1234.5, 1) == "\u22121234.5"
    assert en.decimal(-0.01, 1) == "0.0"
    assert en.decimal(float("nan"), 2) == "n/a"
    assert en.percent_text(en.decimal(5.94, 1)) == "5.9 %"
    assert en.money(1.5, "IDR million") == "IDR 1.5 million"
    assert en.money(1.5, "IDR million", compact=False) == "IDR 1,500,000"
    assert en.money(2.25, "poverty-line units") == "2.25 poverty-line units"
    assert en.ngettext("{count} replicate", "{count} replicates", 1) == "{count} replicate"
    assert en.ngettext("{count} replicate", "{count} replicates", 3) == "{count} replicates"


def test_indonesian_numbers_follow_the_locale():
    id_ = i18n.language("id")
    assert id_.decimal(5.94, 1) == "5,9"
    assert id_.decimal(-1234.5, 1) == "\u22121.234,5"
    assert id_.decimal(-0.01, 1) == "0,0"
    assert id_.decimal(None, 1) == "tidak ada"
    assert id_.percent_text(id_.decimal(5.94, 1)) == "5,9%"  # CLDR id: #,##0%
    assert id_.money(1.5, "IDR million") == "Rp1,5 juta"
    assert id_.money(1.5, "IDR million", compact=False) == "Rp1.500.000"
    assert id_.money(2500, "IDR million") == "Rp2,5 miliar"
    assert id_.localize("12,345.5") == "12.345,5" and id_.localize("yes") == "yes"
    assert id_.ngettext("{count} replicate", "{count} replicates", 3) in ("{count} replicates", "{count} ulangan")


def test_names_are_translated_from_the_registry_and_the_schema():
    en, id_ = i18n.language("en"), i18n.language("id")
    assert en.label("measure", "cooperation.partnerships.long_term") == "partnerships of form long term"
    assert en.measure("welfare.mean_consumption") == ("mean consumption", "poverty lines per household")
    label = id_.label("measure", "cooperation.partnerships.long_term")
    assert "jangka panjang" in label and "{" not in label
    assert id_.label("domain", "agriculture") == "pertanian"
    assert id_.label("text", "No cooperation") != "No cooperation"


def test_an_unknown_language_is_one_line():
    with pytest.raises(ScenarioError) as error:
        i18n.language("fr")
    assert "\n" not in str(error.value) and "en, id" in str(error.value)


def test_indonesian_without_babel_names_the_extra():
    code = (
        "import sys; sys.modules['babel'] = None\n"
        "from sim import i18n\n"
        "try:\n    i18n.language('id')\nexcept Exception as e:\n    print(type(e).__name__, e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.startswith("ScenarioError") and "pip install 'kerjasama[lang]'" in out
    english = (
        "import sys; sys.modules['babel'] = None\nfrom sim import i18n\nprint(i18n.language('en').decimal(2.5, 1))"
    )
    assert subprocess.run([sys.executable, "-c", english], capture_output=True, text=True).stdout == "2.5\n"


def test_the_run_summary_in_indonesian_with_money_in_the_scenario_s_currency(capsys):
    from sim import cli, outputs

    summary = {key: 0.5 for key in outputs.summary_keys(outputs.STANDARD_FORMS, ())}
    summary.update(scenario="indonesia_kerjasama_antar_desa", seed=1, steps=10, n_villages=30)
    summary["resilience.recovery_steps"] = None
    cli.print_summary(summary, burn_in=5, lang=i18n.language("id"), currency=("IDR million", 30.0))
    text = capsys.readouterr().out
    assert "rata-rata konsumsi 0,500 garis kemiskinan (Rp15 juta per rumah tangga)" in text
    assert "jangka panjang 0,5" in text and "pemulihan tidak pulih" in text and "setelah masa pemanasan 5" in text
    cli.print_summary(summary, burn_in=5, currency=("IDR million", 30.0))
    assert "mean consumption 0.500 poverty lines (IDR 15 million per household)" in capsys.readouterr().out


def test_run_figures_in_indonesian(tmp_path):
    from sim import plots
    from sim.model import VillageModel

    model = VillageModel("default", rng=3, n_villages=30, steps=22)
    model.run()
    figure = plots.cooperation_figure(model.timeseries(), "default", [], i18n.language("id"))
    texts = [t.get_text() for ax in figure.axes for t in ax.get_legend().get_texts()]
    assert "pertanian" in texts and "jangka panjang" in texts and figure.axes[0].get_xlabel() == "langkah (tahun)"
    import matplotlib.pyplot as plt

    plt.close(figure)  # drawn only to be read here: later tests count the open figures
    written = plots.run_figures(model, model.summary(), tmp_path, i18n.language("id"))
    assert {p.name for p in written} >= {"welfare.png", "cooperation.png", "map.png"}
