"""Language detection restricted to the languages Rasad supports (lingua, offline models)."""

from __future__ import annotations

import threading
from functools import lru_cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

SUPPORTED = {
    Language.ARABIC: "ar",
    Language.ENGLISH: "en",
    Language.FRENCH: "fr",
    Language.RUSSIAN: "ru",
    Language.TURKISH: "tr",
}
_SAMPLE = 2000  # characters: enough for a confident answer, bounded cost on long articles
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    return (
        LanguageDetectorBuilder.from_languages(*SUPPORTED).with_preloaded_language_models().build()
    )


def detect(text: str) -> tuple[str | None, float]:
    """(ISO 639-1 code, confidence 0..1) of the most likely supported language, or (None, 0)."""
    sample = text[:_SAMPLE]
    if not sample.strip():
        return None, 0.0
    with _lock:  # the detector is built once; building it from two threads at once wastes memory
        detector = _detector()
    values = detector.compute_language_confidence_values(sample)
    if not values:
        return None, 0.0
    best = values[0]
    return SUPPORTED[best.language], round(best.value, 3)
