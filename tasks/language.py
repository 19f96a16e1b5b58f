"""Language identification with langdetect, made deterministic.

langdetect draws random n-gram samples; its module-level factory is seeded globally. We keep a
private factory with a fixed seed instead: every call reseeds from it, so a text's language and
probability do not depend on which texts were detected before it or in which process.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

from tasks.script import char_script

DEFAULT_SEED = 0
# langdetect reads at most 10k characters anyway; a bounded prefix keeps long pages cheap.
DEFAULT_MAX_CHARS = 10_000
# langdetect codes that are not ISO 639-1.
_ISO_639_1 = {"zh-cn": "zh", "zh-tw": "zh"}
# A script is supported when it carries at least this share of some language's letters.
_SCRIPT_MIN_SHARE = 0.05


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    language: str | None
    probability: float


class LanguageDetector:
    """Seeded langdetect; one instance per worker (profile loading takes about a second)."""

    def __init__(self, seed: int = DEFAULT_SEED, max_chars: int = DEFAULT_MAX_CHARS) -> None:
        self._factory = DetectorFactory()
        self._factory.load_profile(PROFILES_DIRECTORY)
        self._factory.set_seed(seed)
        self.max_chars = max_chars
        self.supported_scripts = _profile_scripts(self._factory)

    def detect(self, text: str) -> LanguageGuess:
        """Most probable ISO 639-1 language and its probability; ``None`` when undecidable."""
        detector = self._factory.create()
        detector.append(text[: self.max_chars])
        try:
            ranked = detector.get_probabilities()
        except LangDetectException:
            return LanguageGuess(None, 0.0)
        if not ranked:
            return LanguageGuess(None, 0.0)
        best = ranked[0]
        return LanguageGuess(_ISO_639_1.get(best.lang, best.lang), round(float(best.prob), 6))


def _profile_scripts(factory: DetectorFactory) -> frozenset[str]:
    """Scripts some language profile is written in (from its single-letter frequencies).

    Profiles also hold stray letters of other scripts (the Estonian one has a few Georgian
    ones), which is why langdetect answers confidently on text it has never seen the script of;
    a share threshold keeps only the scripts languages are really written in.
    """
    shares: dict[str, defaultdict[str, float]] = defaultdict(lambda: defaultdict(float))
    for gram, probabilities in factory.word_lang_prob_map.items():
        script = char_script(gram) if len(gram) == 1 else None
        if script is None:
            continue
        for lang, probability in zip(factory.langlist, probabilities, strict=True):
            shares[lang][script] += probability
    supported = set()
    for per_script in shares.values():
        total = sum(per_script.values())
        supported.update(s for s, v in per_script.items() if v >= _SCRIPT_MIN_SHARE * total)
    return frozenset(supported)
