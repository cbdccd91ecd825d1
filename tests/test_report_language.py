"""A report in Bahasa Indonesia (``write_report(..., lang="id")``, ``--lang id``): every text
of it comes from the catalogue, so no English sentence is left; numbers in the Indonesian
format; it goes into its own folder beside the English report (issue 15, part 2)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytest.importorskip("babel", reason="the Indonesian report needs the lang extra (pip install 'kerjasama[lang]')")

from sim.i18n import catalogue_path, placeholders  # noqa: E402
from sim.report import write_report, write_reports  # noqa: E402
from tests.test_report import make_arms  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# English words that no Indonesian sentence of a report contains (names and file names aside)
ENGLISH = re.compile(r"\b(the|and|of|with|against|than|which|where|when|between|every|each|runs?)\b", re.I)


def _real_labels(folder: Path) -> Path:
    """The test folder with the labels of experiments/partnership_forms.toml (in the catalogue)."""
    manifest = json.loads((folder / "manifest.json").read_text())
    exp = manifest["experiment"]
    exp["description"] = "Autarky vs each partnership form vs all forms, under background shocks and a severe drought"
    labels = {"autarky": "No cooperation", "formal": "Formal agreements", "informal": "Informal working groups"}
    for arm in exp["arms"]:
        arm["label"] = labels[arm["name"]]
    conditions = {"base": "Background shocks only", "drought": "Severe drought in district 3, year 15"}
    for condition in exp["conditions"]:
        condition["label"] = conditions[condition["name"]]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def english_fragments(markdown: str) -> list[str]:
    """Texts of the catalogue left in English in ``markdown``: any piece of three words or more
    of a translated English template (between its placeholders), and English function words in
    the prose (not in code, file names, or the experiment's own names)."""
    from babel.messages.pofile import read_po

    with open(catalogue_path("id"), "rb") as handle:
        catalogue = read_po(handle)
    text = re.sub(r"`[^`]*`|\([^)]*\.(png|toml|md)\)|\b[\w./-]+_[\w./-]+\b", " ", markdown)
    found = []
    for message in catalogue:
        if not message.id or not message.string or isinstance(message.id, tuple):
            continue
        for piece in re.split(r"\{[^}]*\}", message.id):
            piece = piece.strip(" .,;:()[]")
            if len(piece.split()) >= 3 and piece in text and piece not in message.string:
                found.append(piece)
    prose = [line for line in text.splitlines() if not line.startswith("![")]
    found += [m.group(0) for line in prose for m in ENGLISH.finditer(line)]
    return found


def test_the_indonesian_report_has_no_english_sentence_left(tmp_path):
    folder = _real_labels(make_arms(tmp_path / "arms"))
    written = write_report(folder, lang="id")
    out = folder / "id"
    assert out / "report.md" in written and out / "brief.md" in written and out / "brief.html" in written
    assert all(p.is_relative_to(out) for p in written), "an Indonesian report writes only into id/"
    md = (out / "report.md").read_text(encoding="utf-8")
    assert english_fragments(md) == []
    assert md.startswith((out / "brief.md").read_text(encoding="utf-8"))
    assert '<html lang="id">' in (out / "report.html").read_text(encoding="utf-8")
    # Indonesian numbers: decimal comma, "%" after the number, intervals split by a semicolon
    assert re.search(r"\d,\d+% \[−?\d+,\d+; −?\d+,\d+\]", md)
    for name in re.findall(r"\]\((figures/[^)]+)\)", md):  # its own figures, beside it
        assert (out / name).exists()


def test_the_check_finds_an_english_sentence(tmp_path):
    """The check above fails on a report with an untranslated sentence (seen, not assumed)."""
    folder = _real_labels(make_arms(tmp_path / "arms"))
    write_report(folder, lang="id")
    md = (folder / "id" / "report.md").read_text(encoding="utf-8")
    english = (folder / "id" / "report.md").parent.parent / "report.md"
    assert not english.exists()
    assert english_fragments(md + "\n\nThe largest gain in mean consumption comes with Formal agreements.\n")


def test_english_and_indonesian_reports_side_by_side(tmp_path):
    folder = _real_labels(make_arms(tmp_path / "arms"))
    write_reports(folder, langs=("en", "id"))
    en = (folder / "report.md").read_text(encoding="utf-8")
    assert en.startswith("# Brief:") and (folder / "id" / "report.md").read_text(encoding="utf-8").startswith(
        "# Ringkasan:"
    )
    assert (folder / "estimates.csv").exists() and not (folder / "id" / "estimates.csv").exists()


@pytest.mark.parametrize("path", ["results/partnership_forms/id/report.md", "results/partnership_forms/id/brief.md"])
def test_the_committed_indonesian_report_has_no_english_sentence_left(path):
    assert english_fragments((ROOT / path).read_text(encoding="utf-8")) == []


def test_placeholders_survive_translation():
    from babel.messages.pofile import read_po

    with open(catalogue_path("id"), "rb") as handle:
        catalogue = read_po(handle)
    for message in catalogue:
        if message.id and message.string and not isinstance(message.id, tuple):
            assert placeholders(message.string) == placeholders(message.id), message.id
