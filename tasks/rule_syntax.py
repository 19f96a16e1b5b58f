"""The top-level shape of a rule's RE2 pattern, and a proof that a prefilter is implied by it.

:class:`tasks.boilerplate.RuleSet` splits each pattern into its top-level alternatives
(``A|B|C``): those that start with ``^`` can only match at the start of a line and go into a
start-anchored RE2 set, whose automaton stops as soon as no anchored pattern can still match;
the others are searched across the whole line. A rule may also name a ``prefilter``: a cheaper
pattern that every line the rule matches also matches, held by the sets in the rule's place.
:func:`implies` is the check that makes this safe. It does not try examples; it shows, from the
text of the two patterns, that each alternative of ``pattern`` (after distributing its
``(?:...)`` groups, see :func:`implies`) contains one alternative of ``prefilter`` as a run of
consecutive pieces. Any match of the pattern then contains a match of that run at the same
place, with the same neighbouring characters for ``^``, ``$`` and ``\\b``, and both are
compiled with the same options, so the prefilter matches the line too.

Only the syntax the rule files use is understood: pieces are literals, escapes (``\\pL``,
``\\p{Lu}``, ``\\x{064B}``, ``\\.``), character classes and groups, each with an optional
quantifier. Anything else raises :class:`ValueError` (a rule without a prefilter then keeps
its whole pattern in the unanchored set, which is always exact).
"""

from __future__ import annotations

import re

_QUANTIFIER = re.compile(r"(?:[*+?]|\{[0-9]+(?:,[0-9]*)?\})\??")
#: A bare flag setting such as ``(?s)``: it changes every later piece of its group, so pieces
#: could not be compared out of context (looked for anywhere, classes included, to be safe).
_BARE_FLAGS = re.compile(r"\(\?[a-zA-Z-]*\)")
#: Stands for "more passes through a group": not a piece of any pattern (a lone NUL).
_OPAQUE = "\x00"
#: How many distributions :func:`implies` may try before giving up (patterns are small).
_BUDGET = 20_000


def alternatives(pattern: str) -> list[tuple[str, ...]]:
    """The top-level alternatives of ``pattern``, each as its pieces (an atom and quantifier).

    ``"^ab(?:c|d)+|x"`` gives ``[("^", "a", "b", "(?:c|d)+"), ("x",)]``; joining the pieces
    with ``""`` and the alternatives with ``"|"`` gives the pattern back.
    """
    result: list[tuple[str, ...]] = []
    pieces: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "|":
            result.append(tuple(pieces))
            pieces = []
            i += 1
            continue
        if char == ")":
            raise ValueError(f"unbalanced ')' at {i} in {pattern!r}")
        if char == "(":
            end = _end_of_group(pattern, i)
        elif char == "[":
            end = _end_of_class(pattern, i)
        elif char == "\\":
            end = _end_of_escape(pattern, i)
        else:
            end = i + 1
        quantifier = _QUANTIFIER.match(pattern, end)
        if quantifier:
            end = quantifier.end()
        pieces.append(pattern[i:end])
        i = end
    result.append(tuple(pieces))
    return result


def is_anchored(alternative: tuple[str, ...]) -> bool:
    """Whether the alternative can only match at the start of the text (it begins with ``^``)."""
    return bool(alternative) and alternative[0] == "^"


def implies(pattern: str, prefilter: str) -> bool:
    """Whether every line that ``pattern`` matches is shown to be matched by ``prefilter``.

    True when each alternative of ``pattern`` contains an alternative of ``prefilter`` as
    consecutive pieces, where an unquantified ``(?:...)`` piece may first be replaced by each
    of its own alternatives in turn (``x(?:a|b)y`` is ``xay|xby``). False means "not shown",
    which is enough to reject the prefilter. A quantified group that repeats at least once
    (``+``, ``{1,3}``) offers its first pass to what precedes it and its last pass to what
    follows. Bare flags like ``(?s)`` anywhere raise :class:`ValueError`.
    """
    if _OPAQUE in prefilter:
        return False  # a literal NUL piece could stand where the proof puts "more passes"
    runs = alternatives(prefilter)
    if any(not run for run in runs):
        return False  # an empty alternative matches everything: no use as a prefilter
    for text in (pattern, prefilter):
        if _BARE_FLAGS.search(text):
            raise ValueError(f"bare flag group in {text!r}: scope flags as (?flags:...)")
    budget = [_BUDGET]
    return all(_covered(alternative, runs, budget) for alternative in alternatives(pattern))


def _covered(pieces: tuple[str, ...], runs: list[tuple[str, ...]], budget: list[int]) -> bool:
    budget[0] -= 1
    if budget[0] < 0:
        return False
    if any(_contains_run(pieces, run) for run in runs):
        return True
    for k, piece in enumerate(pieces):
        if not piece.startswith("(?:"):
            continue
        close = piece.rindex(")")  # a group piece: its own ')' and then its quantifier
        body, quantifier = piece[3:close], piece[close + 1 :]
        before, after = pieces[:k], pieces[k + 1 :]
        wrappings: list[tuple[tuple[str, ...], tuple[str, ...]]]
        if not quantifier:
            wrappings = [((), ())]
        elif _at_least_once(quantifier):
            # At least one pass: the first one follows what comes before the group, the last
            # one precedes what comes after it. Other passes stand as a piece no prefilter
            # contains, so nothing is claimed about them.
            wrappings = [((), (_OPAQUE,)), ((_OPAQUE,), ())]
        else:
            continue
        inner = alternatives(body)
        for lead, trail in wrappings:
            if all(_covered((*before, *lead, *alt, *trail, *after), runs, budget) for alt in inner):
                return True
    return False


def _at_least_once(quantifier: str) -> bool:
    """Whether a quantifier (``+``, ``{2,}``, ``{1,3}?``, ...) repeats at least once."""
    quantifier = quantifier.rstrip("?") if len(quantifier) > 1 else quantifier
    if quantifier == "+":
        return True
    if quantifier.startswith("{"):
        return int(quantifier[1:-1].split(",")[0]) >= 1
    return False  # '*' and '?'


def _contains_run(pieces: tuple[str, ...], run: tuple[str, ...]) -> bool:
    n = len(run)
    return any(pieces[i : i + n] == run for i in range(len(pieces) - n + 1))


def _end_of_escape(pattern: str, i: int) -> int:
    if i + 1 >= len(pattern):
        raise ValueError(f"trailing backslash in {pattern!r}")
    kind = pattern[i + 1]
    if kind in "pPx" and pattern.startswith("{", i + 2):
        close = pattern.find("}", i + 2)
        if close < 0:
            raise ValueError(f"unclosed \\{kind}{{ in {pattern!r}")
        return close + 1
    if kind in "pP":
        return i + 3
    if kind == "x":
        return i + 4
    if kind == "Q" or kind.isdigit():
        raise ValueError(f"unsupported escape \\{kind} in {pattern!r}")
    return i + 2


def _end_of_class(pattern: str, i: int) -> int:
    j = i + 1
    if pattern.startswith("^", j):
        j += 1
    if pattern.startswith("]", j):
        j += 1  # a leading ']' is a literal
    while j < len(pattern):
        char = pattern[j]
        if char == "\\":
            j = _end_of_escape(pattern, j)
        elif pattern.startswith("[:", j):
            close = pattern.find(":]", j + 2)
            if close < 0:
                raise ValueError(f"unclosed [: in {pattern!r}")
            j = close + 2
        elif char == "]":
            return j + 1
        else:
            j += 1
    raise ValueError(f"unclosed character class at {i} in {pattern!r}")


def _end_of_group(pattern: str, i: int) -> int:
    depth = 0
    j = i
    while j < len(pattern):
        char = pattern[j]
        if char == "\\":
            j = _end_of_escape(pattern, j)
            continue
        if char == "[":
            j = _end_of_class(pattern, j)
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    raise ValueError(f"unclosed group at {i} in {pattern!r}")
