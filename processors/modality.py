"""How each event mention is reported: carried out, threatened, denied or claimed by one side.

The cue phrases of ``events.yaml`` (``rasad.concepts.events.Cues``) are found among the words
the tagger's pass collected (``Found.cues``). A mention takes the class of the nearest cue in
its sentence within ``REACH`` words (a denial there wins over the others: "denied reports that
its jets allegedly struck"), its own words included ("выведет": will withdraw) except
for an event that is a threat itself ("warned" is the threat-of-force, carried out; threatened
cues do not apply to it). An "answered" cue just before the mention ("retaliate for", "в ответ
на", "ردا على") makes it carried out, whatever else the sentence says: the event it answers has
happened ("vowed to retaliate for a drone strike"). "announced" (X said it had …) is a claim
only when an "unverified" cue (could not be verified, ولم يعلق) is in the article; a
"refuted" cue ("В Киеве эту информацию опровергли") denies what the sentence before it
reported. Turkish marks the potential and the conditional with suffixes (başlatabileceğini,
bırakmazsa): those count as threatened cues too. No cue: carried out.

An event tag's modality is carried_out when one of its mentions is; else the first of denied,
threatened, claimed among them.
"""

from __future__ import annotations

from processors.mentions import Found, Match
from processors.sentences import Sentences
from rasad.concepts.events import Cues
from rasad.model import Modality

REACH = 12  # words between a cue and the event mention, at most
ANSWERED_REACH = 3  # words between an "answered" cue and the mention it introduces, at most
_ORDER: dict[str, int] = {"denied": 0, "threatened": 1, "claimed": 2}


def cue_hits(found: Found, cues: Cues, sentences: Sentences) -> list[tuple]:
    """Every cue phrase in the text as ``(first word, last word, where it starts, classes)``."""
    starts, phrases = cues.starts, cues.phrases
    at = dict(found.cues)
    hits = []
    for word, key in found.cues:
        longest = starts.get(key)
        if longest is None:  # most collected words are other rules' context words
            continue
        for length in range(longest, 0, -1):
            phrase = (key,) if length == 1 else tuple(at.get(word + k, "") for k in range(length))
            classes = phrases.get(phrase)
            if classes:
                hits.append((word, word + length - 1, sentences.start_of(word), classes))
                break
    return hits


def suffix_hits(found: Found, cues: Cues, sentences: Sentences) -> list[tuple]:
    """Turkish suffix cues (the potential, the conditional) as cue hits, like ``cue_hits``."""
    tokens = found.tokens
    if tokens is None or not cues.suffixes:
        return []
    keys = tokens.keys
    marked = [
        (word, name)
        for word, key in enumerate(keys)
        for ending, name in cues.suffixes
        if len(key) > len(ending) + 2 and key.endswith(ending)
    ]
    spans = tokens.word_spans([word for word, _ in marked])
    return [(word, word, spans[word][0], ((name, None),)) for word, name in marked]


def of_mention(
    match: Match, event: str, sentences: Sentences, hits: list[tuple], threats: frozenset[str]
) -> Modality:
    """The modality of one event mention from the cue hits (see the module doc)."""
    best: tuple[int, str] | None = None
    announced = unverified = False
    threat = event in threats
    for first, last, at, classes in hits:
        own = first <= match.last and last >= match.first
        if own and threat:
            continue  # "warned" is the threat itself, carried out
        distance = 0 if own else match.first - last if last < match.first else first - match.last
        names = [name for name, events in classes if events is None or event in events]
        if (
            "answered" in names
            and last < match.first
            and distance <= ANSWERED_REACH
            and sentences.same(at, match.start)
        ):
            return "carried_out"  # what one retaliates for has happened
        unverified = unverified or "unverified" in names
        if "refuted" in names and at > match.start and sentences.ends_between(match.start, at) == 1:
            best = best or (REACH, "denied")  # denies what the sentence before reported
        if distance > REACH or not sentences.same(at, match.start):
            continue
        announced = announced or "announced" in names
        for name in names:
            best = _nearer(best, name, distance, threat)
    if best is not None:
        return best[1]  # type: ignore[return-value]
    return "claimed" if announced and unverified else "carried_out"


def _nearer(
    best: tuple[int, str] | None, name: str, distance: int, threat: bool
) -> tuple[int, str] | None:
    """The cue that decides so far: a denial in the sentence wins, else the nearest cue."""
    if name not in _ORDER or (threat and name == "threatened"):
        return best
    if name == "denied":
        return (-1, name)  # "denied reports that its jets allegedly struck"
    return (distance, name) if best is None or distance < best[0] else best


def of_tag(modalities: list[Modality]) -> Modality:
    """An event tag's modality from its mentions': carried out wins, then denied, threatened."""
    if "carried_out" in modalities:
        return "carried_out"
    return min(modalities, key=_ORDER.__getitem__)
