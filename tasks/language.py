"""Language identification with langdetect, made deterministic.

langdetect draws random n-gram samples; its module-level factory is seeded globally. We keep a
private factory with a fixed seed instead: every call reseeds from it, so a text's language and
probability do not depend on which texts were detected before it or in which process.
"""

from __future__ import annotations

from dataclasses import dataclass

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

DEFAULT_SEED = 0
# langdetect reads at most 10k characters anyway; a bounded prefix keeps long pages cheap.
DEFAULT_MAX_CHARS = 10_000
# langdetect codes that are not ISO 639-1.
_ISO_639_1 = {"zh-cn": "zh", "zh-tw": "zh"}


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
