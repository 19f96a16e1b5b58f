"""Line-level article cleaning with an explained reason for every removal.

Order of decisions, each recorded as a :class:`~tasks.documents.RemovedLine`:
1. boilerplate rules (data, :mod:`tasks.boilerplate`);
2. a prose paragraph repeated inside the article (the first copy stays; repeated short
   lines are structure, see :meth:`Cleaner._drop_repeats`);
3. short teaser-shaped lines in another script, or in another language when langdetect and
   function words agree (:mod:`tasks.function_words`), judged against the article as it stands
   after the teasers already found are gone, until none is left;
then the first line becomes the title when it looks like a headline. Nothing else is touched:
every line not recorded as removed is kept, in order, with its words unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import re2

from tasks.boilerplate import RuleSet
from tasks.documents import RemovedLine
from tasks.function_words import FunctionWords
from tasks.language import LanguageDetector, LanguageGuess
from tasks.normalize import comparison_key, normalize_line, normalized_lines
from tasks.script import dominant_script
from tasks.words import count_words

RULE_REPEATED = "repeated-paragraph"
RULE_TITLE = "title-repeat"
RULE_FOREIGN_SCRIPT = "foreign-script-teaser"
RULE_FOREIGN_LANGUAGE = "foreign-language-teaser"
CATEGORY_REPEATED = "repeated"
CATEGORY_FOREIGN = "foreign_teaser"

_WORD = re.compile(r"\w+")
# Each pass removes lines or settles the title, so a handful always suffices.
_MAX_SETTLE_PASSES = 8
_SENTENCE_END = re.compile(r"[.!?…。！？؟][\"'”’»)\]]*$")
_HEADLINE_BAD_END = re.compile(r"[.,;:]$")
# Separators between a headline and the site name or section in an HTML <title>.
_TITLE_AFFIX = re.compile(r" (?:\||-|–|—|::|·|•|») ")
_MAX_AFFIX_WORDS = 5
_MIN_HEADLINE_WORDS = 4
_UNSPACED = re.compile("[\u3040-\u30ff\u3400-\u9fff]{8}")  # kana or Han: no spaces to count
# RE2: "\S+@\S+" backtracks quadratically in ``re`` on a long run of non-spaces without "@".
_ADDRESS = re2.compile(r"(?:https?://|www\.)\S+|\S+@\S+|@\w+")


@dataclass(frozen=True, slots=True)
class CleanConfig:
    """Thresholds of the heuristics; rules themselves live in the rules files."""

    teaser_max_words: int = 12
    teaser_max_chars: int = 120
    foreign_script_share: float = 0.6
    foreign_language_min_words: int = 4
    foreign_language_min_letters: int = 20
    foreign_language_min_prob: float = 0.99
    title_max_words: int = 25
    title_max_chars: int = 200


@dataclass(frozen=True, slots=True)
class Paragraph:
    line_no: int
    text: str


@dataclass(slots=True)
class CleanResult:
    """What is left of one article, and why the rest went."""

    paragraphs: list[Paragraph]
    removed: list[RemovedLine]
    title: str | None = None
    title_line_no: int | None = None
    language: str | None = None
    language_prob: float = 0.0
    script: str | None = None
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.paragraphs)

    @property
    def word_count(self) -> int:
        return count_words(self.text)

    def render(self) -> str:
        """The cleaned article as a document again: title, blank line, body."""
        return f"{self.title}\n\n{self.text}" if self.title else self.text


class Cleaner:
    """Cleans one article at a time; holds the compiled rules and the language detector."""

    def __init__(
        self,
        rules: RuleSet,
        detector: LanguageDetector,
        config: CleanConfig | None = None,
    ) -> None:
        self.rules = rules
        self.detector = detector
        self.config = config or CleanConfig()
        self.function_words = FunctionWords()

    def clean(self, text: str, title: str | None = None) -> CleanResult:
        """Clean ``text``; ``title`` is a title already known from metadata, if any.

        Idempotent by construction: the cleaned article as a document (title line first) is
        cleaned again until a pass removes nothing and keeps the title. A later step can change
        what an earlier one saw (dropping a copy of the title changes the article's script
        balance), and this settles it. Lines keep their original numbers throughout.
        """
        memo = _Memo(self.detector)
        kept, removed = self._apply_rules(text)
        settled = (tuple(kept), title)
        result = self._settle(kept, removed, title, memo)
        for _ in range(_MAX_SETTLE_PASSES):
            view = _surviving_lines(result)
            known_title = None if result.title_line_no is not None else title
            if (tuple(view), known_title) == settled:
                # The pass that gave ``result`` had this very input and removed nothing from
                # it: _settle is a pure function, so another pass would change nothing.
                break
            again = self._settle(view, [], known_title, memo)
            if not again.removed and again.title == result.title:
                break
            settled = (tuple(view), known_title)
            again.removed = sorted(result.removed + again.removed, key=lambda r: r.line_no)
            result = again
        return result

    def _settle(
        self,
        kept: list[Paragraph],
        removed: list[RemovedLine],
        title: str | None,
        memo: _Memo,
    ) -> CleanResult:
        """One pass of everything after the rules: repeats, teasers, title, language."""
        kept = self._drop_repeats(kept, removed, memo)
        # Teasers are judged against the article's language and script, which the teasers
        # themselves colour: judge again against what is left until nothing more goes. The
        # article's language is detected only when a line needs it.
        while True:
            article = _join(kept)
            script = dominant_script(" ".join(p.text for p in kept))
            survivors = self._drop_foreign_teasers(kept, removed, article, script, memo)
            if len(survivors) == len(kept):
                break
            kept = survivors
        result = CleanResult(paragraphs=kept, removed=sorted(removed, key=lambda r: r.line_no))
        self._take_title(result, title, memo)
        final = LanguageGuess(None, 0)
        if result.paragraphs:
            # The language of every surviving line, the headline included: usually the very
            # text the teaser check asked about, so one detection serves both.
            final = memo.detect(_join(_surviving_lines(result)))
        result.language, result.language_prob = final.language, final.probability
        result.script = script
        return result

    def _apply_rules(self, text: str) -> tuple[list[Paragraph], list[RemovedLine]]:
        kept: list[Paragraph] = []
        removed: list[RemovedLine] = []
        for line_no, line in enumerate(normalized_lines(text), start=1):
            if not line:
                continue
            rule = self.rules.match(line)
            if rule is None:
                kept.append(Paragraph(line_no, line))
            else:
                removed.append(RemovedLine(line_no, line, rule.id, rule.category))
        return kept, removed

    def _drop_repeats(
        self, kept: list[Paragraph], removed: list[RemovedLine], memo: _Memo
    ) -> list[Paragraph]:
        """Drop every later copy of a prose paragraph; keep repeated short lines.

        A paragraph repeated inside one article is text rendered twice (a teaser block, an AMP
        or print copy of the body): the first copy stays. Short, teaser-shaped lines recur by
        design (list items, table cells, the same question put to each interviewee) and stay.
        """
        seen: set[str] = set()
        unique: list[Paragraph] = []
        for paragraph in kept:
            if self.is_teaser_shaped(paragraph.text):
                unique.append(paragraph)
                continue
            key = memo.key(paragraph.text)
            if key in seen:
                removed.append(
                    RemovedLine(paragraph.line_no, paragraph.text, RULE_REPEATED, CATEGORY_REPEATED)
                )
            else:
                seen.add(key)
                unique.append(paragraph)
        return unique

    def _drop_foreign_teasers(
        self,
        kept: list[Paragraph],
        removed: list[RemovedLine],
        article: str,
        article_script: str | None,
        memo: _Memo,
    ) -> list[Paragraph]:
        if len(kept) < 2:
            return kept
        survivors: list[Paragraph] = []
        for paragraph in kept:
            rule = self._foreign_rule(paragraph.text, article, article_script, memo)
            if rule is None:
                survivors.append(paragraph)
            else:
                removed.append(
                    RemovedLine(paragraph.line_no, paragraph.text, rule, CATEGORY_FOREIGN)
                )
        return survivors

    def _foreign_rule(
        self, line: str, article: str, article_script: str | None, memo: _Memo
    ) -> str | None:
        """Which heuristic, if any, calls this line a foreign-language teaser.

        A line is in another language when langdetect says so confidently and the line holds
        more function words of that language than of the article's. The function words are
        counted first: unless some language other than the article's outnumbers it, no answer
        of langdetect about the line could matter, and the line is not detected at all (the
        article's language is needed anyway: its lines are detected once cleaning is done).
        """
        if not self.is_teaser_shaped(line):
            return None
        cfg = self.config
        # Addresses are Latin whatever the language: "Аккаунт: @evgenialevi" is Russian.
        line_script = dominant_script(_without_addresses(line), cfg.foreign_script_share)
        if article_script and line_script and line_script != article_script:
            return RULE_FOREIGN_SCRIPT
        if (
            len(_WORD.findall(line)) < cfg.foreign_language_min_words
            or sum(map(str.isalpha, line)) < cfg.foreign_language_min_letters
        ):
            return None
        counts = self.function_words.counts(line)
        if not counts:
            return None
        language = memo.detect(article).language
        if not self.function_words.could_favour_another(counts, language):
            return None
        guess = memo.detect(line)
        if (
            guess.language is None
            or guess.probability < cfg.foreign_language_min_prob
            or guess.language == language
            or not self.function_words.knows(guess.language)
            or counts[guess.language] <= counts[language]
        ):
            return None
        return RULE_FOREIGN_LANGUAGE

    def is_teaser_shaped(self, line: str) -> bool:
        """Short and not a sentence: a link label, a teaser, a caption-like fragment."""
        if len(line) > self.config.teaser_max_chars:
            return False  # most prose lines: no need to split them into words
        n_words = len(line.split())
        if n_words > self.config.teaser_max_words:
            return False
        return not (n_words >= 6 and _SENTENCE_END.search(line))

    def is_headline_shaped(self, line: str) -> bool:
        words = line.split()
        return (
            2 <= len(words) <= self.config.title_max_words
            and len(line) <= self.config.title_max_chars
            and not _HEADLINE_BAD_END.search(line)
            and any(ch.isalpha() for ch in line)
        )

    def _take_title(self, result: CleanResult, title: str | None, memo: _Memo) -> None:
        """Set ``result.title``; the headline is metadata, so lines repeating it are dropped.

        A metadata title often carries the site's name (``Headline | Site``, ``Opinion |
        Headline``): a first line equal to the title without such an affix is the headline.
        Later lines equal to the headline (a sticky header, a related box pointing back at the
        article) are removed as ``title-repeat``.
        """
        paragraphs = result.paragraphs
        if title:
            title = normalize_line(title) or None
        variants = title_variants(title) if title else set()
        if paragraphs and title and memo.key(paragraphs[0].text) in variants:
            first = paragraphs.pop(0)
            result.title, result.title_line_no = first.text, first.line_no
        elif title:
            result.title = title
        elif self.is_headline_shaped(paragraphs[0].text if paragraphs else "") and any(
            memo.key(p.text) != memo.key(paragraphs[0].text) for p in paragraphs[1:]
        ):
            # A headline needs a body: some line other than its own copies must follow, or
            # the rendered article (title alone) would clean differently the second time.
            first = paragraphs.pop(0)
            result.title, result.title_line_no = first.text, first.line_no
        if result.title:
            variants.add(memo.key(result.title))
            repeats = [p for p in paragraphs if memo.key(p.text) in variants]
            for paragraph in repeats:
                paragraphs.remove(paragraph)
                result.removed.append(
                    RemovedLine(paragraph.line_no, paragraph.text, RULE_TITLE, CATEGORY_REPEATED)
                )
            if repeats:
                result.removed.sort(key=lambda r: r.line_no)


def title_variants(title: str) -> set[str]:
    """Comparison keys of ``title`` and of ``title`` without short leading or trailing affixes.

    ``"Is Football Violence a Crime? - Opinion | The Times"`` gives the whole title, ``"Is
    Football Violence a Crime? - Opinion"`` and ``"Is Football Violence a Crime?"``. A variant
    keeps the title's longest part and at least four words (any length in scripts written
    without spaces), so a short headline is never cut down to a common phrase.
    """
    variants = {comparison_key(title)}
    parts = _TITLE_AFFIX.split(title)
    longest = max(range(len(parts)), key=lambda i: (len(parts[i].split()), len(parts[i])))
    for start in range(longest + 1):
        for end in range(longest + 1, len(parts) + 1):
            affixes = parts[:start] + parts[end:]
            if not affixes or any(len(a.split()) > _MAX_AFFIX_WORDS for a in affixes):
                continue
            candidate = _join_parts(title, parts, start, end)
            if len(candidate.split()) >= _MIN_HEADLINE_WORDS or _UNSPACED.search(candidate):
                variants.add(comparison_key(candidate))
    return variants


def _join_parts(title: str, parts: list[str], start: int, end: int) -> str:
    """The stretch of ``title`` from part ``start`` to part ``end`` (exclusive), separators kept."""
    spans = []
    position = 0
    for part in parts:
        position = title.index(part, position)
        spans.append((position, position + len(part)))
        position += len(part)
    return title[spans[start][0] : spans[end - 1][1]]


def _without_addresses(line: str) -> str:
    """``line`` with web and mail addresses blanked; the RE2 call only when one can be there."""
    if "@" in line or "http" in line or "www." in line:
        return _ADDRESS.sub(" ", line)
    return line


def _join(paragraphs: list[Paragraph]) -> str:
    return "\n".join(p.text for p in paragraphs)


def _surviving_lines(result: CleanResult) -> list[Paragraph]:
    """The article's kept lines in document order: the headline line (if the title is one of
    the article's lines) and the body. Cleaning this again is how :meth:`Cleaner.clean` settles.
    """
    if result.title is not None and result.title_line_no is not None:
        return [Paragraph(result.title_line_no, result.title), *result.paragraphs]
    return list(result.paragraphs)


class _Memo:
    """Pure functions of a text, computed at most once while cleaning one article.

    Language detection is a pure function of the text (the detector reseeds every call), and
    so is a comparison key; the settle passes and the title check see the same lines again,
    so asking twice need not compute twice. One instance lives for one :meth:`Cleaner.clean`
    call, so nothing depends on call order.
    """

    __slots__ = ("_detector", "_guesses", "_keys")

    def __init__(self, detector: LanguageDetector) -> None:
        self._detector = detector
        self._guesses: dict[str, LanguageGuess] = {}
        self._keys: dict[str, str] = {}

    def detect(self, text: str) -> LanguageGuess:
        guess = self._guesses.get(text)
        if guess is None:
            guess = self._guesses[text] = self._detector.detect(text)
        return guess

    def key(self, text: str) -> str:
        """:func:`~tasks.normalize.comparison_key` of ``text``."""
        key = self._keys.get(text)
        if key is None:
            key = self._keys[text] = comparison_key(text)
        return key
