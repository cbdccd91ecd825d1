"""Languages of Kerjasama's outputs: English (the templates themselves) and Bahasa Indonesia.

This is the one place languages live. A :class:`Language` translates a text (``gettext``,
``ngettext``), writes numbers, percentages and money the way its locale does (``decimal``,
``percent_text``, ``money``) and names forms, domains, measures and units (``label``,
``measure``). ``language(code)`` gives one; ``LANGUAGES`` lists the codes.

* **English** is the language the code is written in: every msgid *is* the English text,
  so English needs no catalogue and no Babel, and gives exactly the strings and number
  formats the outputs had before languages existed (``sim.sweep.analysis.fmt``: a
  typographic minus, "n/a" for a missing value, no digit grouping).
* **Bahasa Indonesia** (``id``) needs the optional extra ``pip install 'kerjasama[lang]'``
  (Babel): its texts come from the gettext catalogue ``sim/locale/id/LC_MESSAGES/kerjasama.po``,
  read at run time with Babel's ``read_po`` (no compiled ``.mo`` file to keep in step), and its
  numbers and money from Babel's locale data for ``id`` (CLDR): "5,9", "1.234,5", "5,9%",
  "Rp1,5 juta", "Rp1.500.000".

Marking texts. A module keeps its texts as English templates with named placeholders
(``"{arm} raises {measure} by {amount}"``), each wrapped in ``N_`` (which returns it
unchanged), and translates them where it shows them: ``lang.gettext(TEXT[key]).format(...)``.
Whole sentences only, never sentences assembled from fragments, so a translation may reorder
every part. Names that are not in Python source are extracted from where they are declared:
the output registry (``sim/outputs.py``: measure labels and units), the scenario schema
(``sim/scenario/schema.py``: domains, forms, services, the explorer's control labels and
meanings) and the ``label``/``description`` values of ``scenarios/*.toml`` and
``experiments/*.toml`` (form, service and arm labels).

Updating the catalogues (``make catalogues``): ``python -m sim.i18n extract`` writes the
template ``sim/locale/kerjasama.pot`` from the sources; ``python -m sim.i18n update`` merges it
into each language's ``.po`` (new texts arrive untranslated, texts no longer used are dropped);
then translate the new entries. ``tests/test_i18n.py`` fails while any extracted text lacks a
translation.
"""

from __future__ import annotations

import ast
import io
import math
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from sim.scenario import ScenarioError

LANGUAGES = ("en", "id")
NAMES = {"en": "English", "id": "Bahasa Indonesia"}
DOMAIN = "kerjasama"  # the catalogues' gettext domain
PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
LOCALE_DIR = PACKAGE / "locale"
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
EXTRA = "pip install 'kerjasama[lang]'"
MINUS = "\u2212"  # the typographic minus every language here writes before a negative number

# What extraction reads: the keywords that mark a text in Python source (N_(text), and
# lang.ngettext(singular, plural, n)), and which extractor reads which file.
KEYWORDS: dict[str, Any] = {"N_": None, "ngettext": (1, 2)}
METHOD_MAP = [
    ("sim/outputs.py", "sim.i18n:extract_registry"),
    ("sim/scenario/schema.py", "sim.i18n:extract_registry"),
    ("sim/**.py", "python"),
    ("scenarios/*.toml", "sim.i18n:extract_toml"),
    ("experiments/*.toml", "sim.i18n:extract_toml"),
]
SOURCES = ("sim", "scenarios", "experiments")  # the top-level folders extraction walks
TOML_KEYS = ("label", "description", "currency")  # the texts of scenario and experiment files that outputs show

# ISO 4217 code, optionally with a multiplier word: "IDR", "IDR million" (a file's money in millions)
_CURRENCY = re.compile(r"^\s*([A-Z]{3})(?:\s+(thousand|million|billion))?\s*$")
_MULTIPLIERS = {None: 1, "thousand": 10**3, "million": 10**6, "billion": 10**9}
_EN_COMPACT = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (10**3, "thousand"))


def is_currency(name: str | None) -> bool:
    """Is a scenario's ``economy.currency`` money that :meth:`Language.money` can write (an ISO
    4217 code, optionally with a multiplier: "IDR million"), not a unit of account such as
    "poverty-line units"?"""
    return _CURRENCY.match(name or "") is not None


def N_(text: str) -> str:
    """A text marked for extraction into the catalogues; returns it unchanged (translate it
    where it is shown, with :meth:`Language.gettext`)."""
    return text


def placeholders(text: str) -> set[str]:
    """The named placeholders of a template: ``{"arm", "measure"}`` for "{arm} raises {measure}"."""
    return {m.group(1) for m in re.finditer(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)[^{}]*\}", text)}


# ----------------------------------------------------------------------------- a language


@dataclass(frozen=True)
class Language:
    """One output language. ``code``: "en" or "id"; ``messages``: msgid -> translation
    (empty for English: the msgids are English); ``plurals``: singular msgid -> its plural
    forms; ``locale``: Babel's locale (None for English, which needs no Babel)."""

    code: str
    messages: dict[str, str] = field(default_factory=dict, repr=False)
    plurals: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    locale: Any = field(default=None, repr=False)

    @property
    def name(self) -> str:
        """The language's own name ("Bahasa Indonesia")."""
        return NAMES[self.code]

    # --- texts
    def gettext(self, msgid: str) -> str:
        """The translation of an English template (the template itself when there is none)."""
        return self.messages.get(msgid) or msgid

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The form of a template for a count ``n`` ("1 replicate", "5 replicates"); Indonesian
        has one form for every count."""
        forms = self.plurals.get(singular)
        if forms and self.locale is not None:
            index = min(_plural_index(self.locale, n), len(forms) - 1)
            if forms[index]:
                return forms[index]
        return singular if n == 1 else plural

    # --- numbers
    def decimal(self, value: float | None, decimals: int) -> str:
        """A number with ``decimals`` decimals, a typographic minus, "n/a" (translated) when
        missing: English "-1234.5" as "−1234.5" (``sim.sweep.analysis.fmt``), Indonesian "−1.234,5"."""
        if self.locale is None:
            from sim.sweep.analysis import fmt

            return fmt(value, decimals)
        if value is None or not math.isfinite(value):
            return self.gettext("n/a")
        from babel.numbers import format_decimal

        text = f"{abs(value):.{decimals}f}"  # Python's rounding, as English; Babel places the symbols
        pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
        shown = format_decimal(Decimal(text), format=pattern, locale=self.locale, decimal_quantization=False)
        return (MINUS if value < 0 and float(text) != 0 else "") + shown

    def localize(self, number_text: str) -> str:
        """A number already written the English way ("1234.5", "−0.25", "12,345") in this
        locale's symbols ("1.234,5"); other text is returned as it is."""
        if self.locale is None or not re.fullmatch(r"[\u2212+-]?[\d,]*\.?\d+", number_text.strip()):
            return number_text
        symbols = self.locale.number_symbols["latn"]
        swap = {".": symbols["decimal"], ",": symbols["group"]}
        return "".join(swap.get(c, c) for c in number_text)

    def percent_text(self, number_text: str) -> str:
        """A number already written (``decimal``) as a percentage: English "5.9 %" (the space
        the English reports always had), Indonesian "5,9%" (Babel's ``id`` percent pattern,
        ``#,##0%``)."""
        if self.locale is None:
            return f"{number_text} %"
        pattern = self.locale.percent_formats[None]
        sign = self.locale.number_symbols["latn"]["percentSign"]
        return f"{pattern.prefix[0]}{number_text}{pattern.suffix[0]}".replace("%", sign)

    def money(self, value: float | None, currency: str, compact: bool = True) -> str:
        """An amount ``value`` in ``currency``, a scenario's ``economy.currency``: an ISO 4217
        code, optionally with a multiplier ("IDR million": ``value`` is in millions of rupiah).
        Indonesian by Babel's ``id`` data: compact "Rp1,5 juta" (the currency pattern around the
        long compact number), full "Rp1.500.000"; English (no Babel) "IDR 1.5 million" and
        "IDR 1,500,000". Any other unit ("poverty-line units") is the number and the unit's name."""
        if value is None or not math.isfinite(value):
            return self.gettext("n/a")
        found = _CURRENCY.match(currency or "")
        if not found:
            from sim.sweep.analysis import decimals

            return f"{self.decimal(value, decimals(value))} {self.gettext(currency)}".strip()
        code, amount = found.group(1), value * _MULTIPLIERS[found.group(2)]
        if self.locale is None:
            return _english_money(amount, code, compact)
        from babel.numbers import format_compact_decimal, format_currency, get_currency_symbol

        if not compact:
            return format_currency(amount, code, locale=self.locale)
        number = format_compact_decimal(abs(amount), format_type="long", locale=self.locale, fraction_digits=1)
        pattern = self.locale.currency_formats["standard"]
        symbol = get_currency_symbol(code, locale=self.locale)
        text = f"{pattern.prefix[0]}{number}{pattern.suffix[0]}".replace("¤", symbol)
        return (MINUS if amount < 0 else "") + text.replace("\xa0", " ")

    # --- names
    def label(self, kind: str, name: str) -> str:
        """A name in this language. ``kind`` says what ``name`` is:

        * ``"domain"``, ``"form"``, ``"service"``, ``"reason"``, ``"shock"``, ``"rule"``: an
          identifier of the schema ("long_term"), shown as words ("long term", "jangka panjang");
        * ``"measure"``: a summary key or per-step column of the output registry
          ("cooperation.partnerships.formal"): its label, with the form, service, domain or
          reason in it translated too;
        * ``"unit"``, ``"text"``: an English text declared elsewhere (a measure's unit, a form's
          or an arm's label from a scenario or experiment file) -> its translation."""
        if kind == "measure":
            return self.measure(name)[0]
        if kind in ("unit", "text"):
            return self.gettext(name)
        return self.gettext(name.replace("_", " "))

    def measure(self, key: str) -> tuple[str, str]:
        """A measure's label and unit in this language (a summary key or per-step column;
        ``KeyError`` when the output registry does not know it)."""
        from sim import outputs

        found = _declaration(key)
        if found is None:
            raise KeyError(key)
        declared, names = found
        shown = {k: self.label(k, v) for k, v in names.items()}
        label = self.gettext(declared.label).format(**shown)
        if self.locale is None:  # exactly the registry's label (its placeholders filled with spaced names)
            label = outputs.measure_info(key).label
        return label, self.gettext(declared.unit)


def _plural_index(locale: Any, n: int) -> int:
    """Which of a catalogue's plural forms a count takes (Babel's plural rule of the locale)."""
    from babel.messages.plurals import get_plural

    rule = get_plural(locale)
    return int(eval(rule.plural_expr, {"n": n})) if rule.num_plurals > 1 else 0  # noqa: S307 (Babel's own rule)


def _english_money(amount: float, code: str, compact: bool) -> str:
    """English money without Babel: "IDR 1.5 million" (compact) or "IDR 1,500,000"."""
    sign = MINUS if amount < 0 else ""
    if compact:
        for size, word in _EN_COMPACT:
            if abs(amount) >= size:
                return f"{sign}{code} {abs(amount) / size:.1f} {word}".replace(".0 ", " ")
    return f"{sign}{code} {abs(amount):,.0f}"


def _declaration(key: str):
    """A registry measure's declaration (its label and unit still templates) and the names
    that fill them ({"form": "long_term"}), for a summary key or per-step column."""
    from sim import outputs

    for m in (*outputs.MEASURES, *outputs.SHOCK_COLUMNS):
        name = next((n for n in ("form", "service", "domain", "reason") if "{" + n + "}" in f"{m.key}{m.column}"), None)
        if name is None:
            if key in (m.key, m.column):
                return m, {}
            continue
        for pattern in (m.key, m.column):
            if pattern is None:
                continue
            head, tail = pattern.split("{" + name + "}")
            if key.startswith(head) and key.endswith(tail) and len(key) > len(head) + len(tail):
                return m, {name: key[len(head) : len(key) - len(tail)]}
    return None


# ----------------------------------------------------------------------------- loading


def language(code: str) -> Language:
    """The language ``code`` ("en" or "id"). An unknown code, or "id" without Babel, raises
    :class:`ScenarioError` with one line saying what to do."""
    if code not in LANGUAGES:
        raise ScenarioError(f"--lang {code}: unknown language; the languages are: {', '.join(LANGUAGES)}")
    return _load(code)


@cache
def _load(code: str) -> Language:
    if code == "en":
        return Language("en")
    try:
        from babel import Locale
        from babel.messages.pofile import read_po
    except ImportError:
        raise ScenarioError(f"--lang {code}: {NAMES[code]} needs the optional extra Babel: {EXTRA}") from None
    with open(catalogue_path(code), "rb") as f:
        catalogue = read_po(f, locale=code, domain=DOMAIN)
    messages: dict[str, str] = {}
    plurals: dict[str, tuple[str, ...]] = {}
    for message in catalogue:
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, tuple | list):
            plurals[message.id[0]] = tuple(message.string)
        elif message.string:
            messages[message.id] = message.string
    return Language(code, messages, plurals, Locale.parse(code))


def catalogue_path(code: str) -> Path:
    """Where the catalogue of a language lives."""
    return LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


# ----------------------------------------------------------------------------- extraction


def extract_registry(fileobj, keywords, comment_tags, options) -> Iterator[tuple]:
    """Babel extractor for ``sim/outputs.py`` and ``sim/scenario/schema.py``: the texts they
    declare as data (measure labels and units; domains, forms, services, shock kinds, rules,
    endings; the explorer's control labels, units and meanings), plus any ``N_`` text."""
    from babel.messages.extract import extract_python

    yield from extract_python(fileobj, keywords, comment_tags, options)
    source = Path(getattr(fileobj, "name", ""))
    if source.name == "outputs.py":
        yield from _registry_texts()
    else:
        yield from _schema_texts()


def _registry_texts() -> Iterator[tuple]:
    from sim import outputs

    for m in (*outputs.MEASURES, *outputs.SHOCK_COLUMNS):
        yield 0, None, m.label, ["a measure's label (sim/outputs.py)"]
        yield 0, None, m.unit, ["a measure's unit (sim/outputs.py)"]


def _schema_texts() -> Iterator[tuple]:
    from sim.scenario import schema

    names = [*schema.DOMAINS, *schema.FORMS, *schema.SERVICES, *schema.SHOCK_KINDS, *schema.RULES]
    names += [*_reasons(), *(choice for p in schema.PARAMETERS.values() for choice in p.choices or ())]
    for name in dict.fromkeys(str(n) for n in names):
        yield 0, None, name.replace("_", " "), ["a name of the schema (sim/scenario/schema.py)"]
    for p in schema.PARAMETERS.values():
        if p.label or p.path in _explorer_paths():
            yield 0, None, p.short_label, [f"label of {p.path} (sim/scenario/schema.py)"]
            yield 0, None, p.meaning, [f"meaning of {p.path}"]
            yield 0, None, p.unit, [f"unit of {p.path}"]
        if p.path in ("forms.*.label", "services.*.label"):
            for text in p.default.values():
                yield 0, None, text, [f"{p.path} in the default scenario"]
    for note in _page_notes():
        yield 0, None, note, ["what the explorer adds to a key's meaning (sim/controls.py, PAGE_NOTES)"]


def _reasons() -> tuple[str, ...]:
    from sim.membership import REASONS

    return REASONS


def _explorer_paths() -> set[str]:
    """The schema keys the explorer offers as controls (``sim.controls.CONTROLLED``), read
    from its source (importing it would import the model)."""
    tree = ast.parse((PACKAGE / "controls.py").read_text(encoding="utf-8"))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.fullmatch(r"[a-z_]+(\.[a-z_*]+)+", node.value)
    }


def _page_notes() -> list[str]:
    """What the explorer adds to a key's meaning (``sim.controls.PAGE_NOTES``), read from its source."""
    tree = ast.parse((PACKAGE / "controls.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(getattr(n, "id", "") == "PAGE_NOTES" for n in node.targets):
            return [v.value for v in node.value.values if isinstance(v, ast.Constant)]
    return []


def extract_toml(fileobj, keywords, comment_tags, options) -> Iterator[tuple]:
    """Babel extractor for scenario and experiment files: every ``label`` and ``description``."""
    import tomllib

    data = tomllib.loads(fileobj.read().decode("utf-8"))

    def walk(node: Any) -> Iterator[tuple]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in TOML_KEYS and isinstance(value, str) and value.strip():
                    yield 0, None, value, [f"{key} in a scenario or experiment file"]
                else:
                    yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    yield from walk(data)


def extract():
    """The template catalogue (a Babel ``Catalog``) of every text extracted from the sources."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    template = Catalog(project="Kerjasama", domain=DOMAIN, charset="utf-8", fuzzy=False)

    def only_sources(path: str) -> bool:
        parts = Path(path).relative_to(ROOT).parts
        return bool(parts) and parts[0] in SOURCES and not any(p.startswith((".", "_")) for p in parts)

    found = extract_from_dir(
        str(ROOT), METHOD_MAP, keywords=KEYWORDS, comment_tags=("i18n:",), directory_filter=only_sources,
        strip_comment_tags=True,
    )  # fmt: skip
    for filename, lineno, message, comments, context in found:
        if message and (message if isinstance(message, str) else message[0]).strip():
            template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def write_template() -> Path:
    """Write ``sim/locale/kerjasama.pot`` from the sources."""
    from babel.messages.pofile import write_po

    out = io.BytesIO()
    write_po(out, extract(), width=100, omit_header=False, sort_output=False, include_lineno=False)
    _write_if_changed(TEMPLATE, out.getvalue())
    return TEMPLATE


def _write_if_changed(path: Path, content: bytes) -> None:
    """Write a catalogue unless only its creation or revision date would change (no noise in diffs)."""

    def dateless(data: bytes) -> bytes:
        return re.sub(rb'(?m)^"(POT-Creation|PO-Revision)-Date: .*\n', b"", data)

    if path.exists() and dateless(path.read_bytes()) == dateless(content):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def update_catalogues() -> list[Path]:
    """Merge the template into each language's catalogue: new texts untranslated (no fuzzy
    guesses), texts no longer extracted dropped, translations kept."""
    from babel.messages.pofile import read_po, write_po

    with open(TEMPLATE, "rb") as f:
        template = read_po(f)
    written = []
    for code in LANGUAGES[1:]:
        path = catalogue_path(code)
        if path.exists():
            with open(path, "rb") as f:
                catalogue = read_po(f, locale=code, domain=DOMAIN)
        else:
            from babel.messages.catalog import Catalog

            catalogue = Catalog(locale=code, domain=DOMAIN, project="Kerjasama")
            path.parent.mkdir(parents=True, exist_ok=True)
        catalogue.update(template, no_fuzzy_matching=True)
        catalogue.obsolete.clear()
        out = io.BytesIO()
        write_po(out, catalogue, width=100, include_lineno=False, ignore_obsolete=True)
        _write_if_changed(path, out.getvalue())
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.i18n extract|update``: refresh the template, or merge it into the catalogues."""
    args = sys.argv[1:] if argv is None else argv
    if args == ["extract"]:
        print(f"Wrote {write_template().relative_to(ROOT)}")
        return 0
    if args == ["update"]:
        for path in update_catalogues():
            print(f"Updated {path.relative_to(ROOT)}")
        return 0
    print("usage: python -m sim.i18n extract|update", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
