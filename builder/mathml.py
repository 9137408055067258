"""TeX formulas (``$…$``, ``$$…$$``) → MathML, at build time.

Browsers draw MathML themselves (MathML Core), so a page with formulas needs no
script and nothing from a CDN. latex2mathml does the conversion; its own serialiser is
not used, because it unescapes the whole document after writing it, so that
``\\text{<script>}`` would come out as a real ``<script>`` element. Instead the
element tree it builds is written here: only MathML presentation elements and
attributes, every text and attribute value escaped, and a formula that asks for
anything else (``\\href``, ``\\style``, ``\\class``, macro definitions) refused.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape
from xml.etree.ElementTree import Element

from latex2mathml import commands, exceptions

MATHML_NAMESPACE = "http://www.w3.org/1998/Math/MathML"

_ELEMENTS = frozenset(
    """math mrow mi mn mo ms mtext mspace msub msup msubsup munder mover munderover
    mfrac msqrt mroot mstyle merror mpadded mphantom menclose mtable mtr mtd
    mlabeledtr mmultiscripts mprescripts none""".split()  # noqa: SIM905 (a list to read)
)
"""MathML presentation elements: the only ones a formula may produce (no ``annotation``,
``maction`` or ``semantics``, which the W3C's MathML safe list says need sanitising)."""

_ATTRIBUTES = frozenset(
    """mathvariant mathcolor mathbackground mathsize displaystyle scriptlevel stretchy
    fence form separator accent accentunder largeop movablelimits symmetric lspace
    rspace minsize maxsize width height depth voffset linebreak linethickness
    columnalign columnlines columnspacing rowalign rowlines rowspacing frame
    framespacing equalrows equalcolumns notation bevelled numalign denomalign align
    rowspan columnspan open close separators side""".split()  # noqa: SIM905
)
"""Presentation attributes kept; others latex2mathml may write (``border-color``) are
dropped, being no MathML."""

_REFUSED_ATTRIBUTES = {"href": r"\href", "style": r"\style", "class": r"\class", "id": r"\cssId"}
"""Attributes that would make a formula a link, restyle the page or take an id of it."""

_MACRO_DEFINITIONS = (commands.DEF, commands.NEWCOMMAND, r"\renewcommand", commands.NEWENVIRONMENT)
_ENVIRONMENTS = frozenset(name.removeprefix("\\") for name in commands.MATRICES)
_COMMAND = re.compile(r"\\(?:[A-Za-z]+|.)")
_BEGIN = re.compile(r"\\begin\s*\{([^{}]*)\}")
_UNKNOWN_COMMAND = re.compile(r"\\[A-Za-z]+")
_TEXT_ESCAPE = re.compile(r"\\([$%&#_{}])")
_CHARACTER_REFERENCE = re.compile(r"&#x([0-9A-Fa-f]{1,6});")
"""How latex2mathml writes a symbol into a text (``&#x02264;`` for ``\\le``)."""

_LIBRARY_ERRORS: dict[type[Exception], tuple[str, str]] = {
    exceptions.NumeratorNotFoundError: (
        "a fraction has no numerator",
        r"write \frac{numerator}{denominator}",
    ),
    exceptions.DenominatorNotFoundError: (
        "a fraction has no denominator",
        r"write \frac{numerator}{denominator}",
    ),
    exceptions.ExtraLeftOrMissingRightError: (
        r"a \left has no matching \right",
        r"close every \left( with a \right) (\right. closes with nothing shown)",
    ),
    exceptions.MissingSuperScriptOrSubscriptError: (
        "'^' or '_' has nothing after it",
        "write x^{2} or x_{i}",
    ),
    exceptions.DoubleSubscriptsError: (
        "a double subscript (x_a_b)",
        "group it: x_{a_b} or x_{ab}",
    ),
    exceptions.DoubleSuperscriptsError: (
        "a double superscript (x^a^b)",
        "group it: x^{a^b} or x^{ab}",
    ),
    exceptions.NoAvailableTokensError: (
        "the formula ends before a command has all its arguments",
        r"give each command its arguments in braces: \frac{a}{b}, \sqrt{x}",
    ),
    exceptions.MissingEndError: (
        r"a \begin{…} has no matching \end{…}",
        r"end each environment with the same name: \begin{matrix} … \end{matrix}",
    ),
    exceptions.LimitsMustFollowMathOperatorError: (
        r"\limits must follow an operator",
        r"write \sum\limits_{i=1}^{n}",
    ),
}


class MathError(ValueError):
    """A formula that cannot be turned into MathML; says why and how to fix it."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def alt_text(tex: str) -> str:
    """The TeX source on one line: what screen readers and search see of the formula."""
    return " ".join(tex.split())


@lru_cache(maxsize=4096)
def tex_to_mathml(tex: str, display: bool) -> str:
    """The ``<math>`` element for ``tex``; raises :class:`MathError` for a mistake.

    >>> tex_to_mathml("x^2", False)
    '<math xmlns="http://www.w3.org/1998/Math/MathML" dir="ltr" alttext="x^2"><mrow><msup><mi>x</mi><mn>2</mn></msup></mrow></math>'
    """
    source = tex.strip()
    if not source:
        raise MathError("the formula is empty", "write the formula between the dollar signs")
    _check_source(source)
    # Loaded at the first formula: its symbol tables take 30 ms, most courses have none.
    from latex2mathml.converter import Converter

    try:
        tree = Converter(display="block" if display else "inline").convert_to_element(source)
        children = "".join(_serialise(child) for child in tree)
    except RecursionError:
        raise MathError(
            "the formula is nested too deeply", "split it into several formulas"
        ) from None
    except MathError:
        raise
    except Exception as error:  # latex2mathml raises bare exceptions for any mistake
        message, hint = _LIBRARY_ERRORS.get(
            type(error), ("the formula cannot be read", "check it against a LaTeX reference")
        )
        raise MathError(message, hint) from None
    # The root is written here: its attributes are ours alone. Math reads left to right
    # in every language, so the formula keeps its direction inside right-to-left text.
    block = ' display="block"' if display else ""
    return (
        f'<math xmlns="{MATHML_NAMESPACE}"{block} dir="ltr" '
        f'alttext="{escape(alt_text(source))}">{children}</math>'
    )


def _check_source(source: str) -> None:
    """Mistakes latex2mathml passes over silently: braces, environments, macros."""
    depth = 0
    for match in re.finditer(r"\\.|[{}]", source, re.DOTALL):
        if match.group(0) == "{":
            depth += 1
        elif match.group(0) == "}":
            depth -= 1
            if depth < 0:
                raise MathError(
                    "a '}' closes no '{'", r"remove it, or write \} for a brace shown as is"
                )
    if depth > 0:
        raise MathError(
            "a '{' is never closed", r"add the missing '}', or write \{ for a brace shown as is"
        )
    for command in _COMMAND.findall(source):
        if command in _MACRO_DEFINITIONS:
            raise MathError(
                f"{command} defines a macro, which lessons cannot use",
                "write the formula out in full",
            )
    for name in _BEGIN.findall(source):
        if name.strip() not in _ENVIRONMENTS:
            raise MathError(
                f"unknown environment '{name}'",
                "use one of " + ", ".join(sorted(_ENVIRONMENTS)),
            )


def _serialise(element: Element) -> str:
    tag = element.tag
    if tag not in _ELEMENTS:
        raise MathError(f"the formula makes a <{tag}> element", "remove the command that makes it")
    attributes = ""
    for name, value in element.attrib.items():
        if name in _REFUSED_ATTRIBUTES or name.lower().startswith("on") or ":" in name:
            command = _REFUSED_ATTRIBUTES.get(name, name)
            raise MathError(
                f"{command} is not allowed in a formula",
                "put a Markdown link around the formula instead: [$x$](https://…)"
                if name == "href"
                else r"leave the formula's look to the theme (\color{red}{x} is allowed)",
            )
        if name in _ATTRIBUTES:
            attributes += f' {name}="{escape(value)}"'
    text = _decode(element.text or "")
    if tag == "mtext":  # latex2mathml keeps the backslash of \$ or \% inside \text{…}
        text = _TEXT_ESCAPE.sub(r"\1", text)
    unknown = _UNKNOWN_COMMAND.search(text)
    if unknown is not None:
        raise MathError(
            f"unknown command {unknown.group(0)}",
            r"check its spelling; write \$ for a dollar sign, \backslash for a backslash",
        )
    children = "".join(_serialise(child) for child in element)
    tail = escape(_decode(element.tail or ""), quote=False) if element.tail else ""
    return f"<{tag}{attributes}>{escape(text, quote=False)}{children}</{tag}>{tail}"


def _decode(text: str) -> str:
    """latex2mathml's character references as characters (all escaped again on output)."""

    def character(match: re.Match[str]) -> str:
        code = int(match.group(1), 16)
        printable = code > 0x1F and not 0x7F <= code <= 0x9F and not 0xD800 <= code <= 0xDFFF
        return chr(code) if printable and code <= 0x10FFFF else match.group(0)

    return _CHARACTER_REFERENCE.sub(character, text)
