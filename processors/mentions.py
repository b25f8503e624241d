"""One pass over an article's words finding every surface form of the lexicon, longest first.

Every word of the text is folded, stemmed and keyed exactly like the lexicon's surface forms
(``rasad.normalize`` + ``rasad.concepts.inflection``), so clitics, diacritics, hamza spellings
and Russian case endings cannot hide a mention. The text is split at spaces and each distinct
piece is read once: what its words are (``_PieceCache``), then what they are to a lexicon
(``_Seen``: which begin a form, which are context cues). Most pieces are one word that is
neither, so a pass over a text visits only the few others, and only there are n-grams looked
up in a hash table. The cost grows with the text, not with the size of the lexicon.
"""

from __future__ import annotations

import re
import weakref
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from itertools import accumulate, chain, compress, count
from typing import NamedTuple

from rasad.concepts import Lexicon
from rasad.concepts.forms import Rule
from rasad.concepts.inflection import match_key, turkish_candidates
from rasad.normalize import IGNORABLE, Stemmer, fold

# A word as written: what ``[^\W_]+`` finds in folded text, plus the characters fold deletes
# (harakat, tatweel, zero-width marks), which sit inside words without splitting them.
_RAW_WORD_RE = re.compile("(?:[^\\W_]|[" + "".join(sorted(IGNORABLE)) + "])+")
_CACHE_MAX = 200_000  # pieces remembered before the caches start over (~300 bytes each)
_PIECE_MAX = 64  # longer pieces (text without spaces) are keyed every time, not remembered


class _PieceCache(dict):
    """Text between two spaces -> what ``_Pieces.read`` says about it
    (``item`` 0: keys, 1: offsets).

    Texts are split at spaces (C speed) and each piece is read once: pieces repeat ("the",
    "Syria,", "والسورية"), so the regex, folding and stemming run on few of them.
    """

    def __init__(self, item: int, owner: _Pieces):
        super().__init__()
        self.item = item
        self.owner = owner

    def __missing__(self, piece: str) -> tuple:
        found = self.owner.read(piece)
        if len(piece) <= _PIECE_MAX:  # both caches filled (and emptied) together
            keys, offsets = self.owner.keys, self.owner.offsets
            if len(keys) >= _CACHE_MAX:
                keys.clear()
                offsets.clear()
            keys[piece], offsets[piece] = found
        return found[self.item]


class _Pieces:
    """The words of pieces of text as one stemmer reads them: match keys and offsets, cached."""

    def __init__(self, stemmer: Stemmer):
        self.stem = stemmer.stem
        self.keys = _PieceCache(0, self)
        self.offsets = _PieceCache(1, self)

    def read(self, piece: str) -> tuple[tuple[str, ...], tuple[tuple[int, int], ...]]:
        """The match keys of the words of a piece of text, and their offsets in it
        (marks fold deletes first left out).
        """
        if piece.isalpha():  # most pieces: one word, every character a letter (no regex run)
            folded = fold(piece)
            if not folded:  # tatweel only
                return (), ()
            start = 0
            while piece[start] in IGNORABLE:  # a leading tatweel is not part of the word
                start += 1
            return (match_key(self.stem(folded)),), ((start, len(piece)),)
        keys, offsets = [], []
        for m in _RAW_WORD_RE.finditer(piece):
            folded = fold(m.group())
            if not folded:  # a lone mark (a stray tatweel or zero-width space) is not a word
                continue
            start = m.start()
            while piece[start] in IGNORABLE:
                start += 1
            keys.append(match_key(self.stem(folded)))
            offsets.append((start, m.end()))
        return tuple(keys), tuple(offsets)


_PIECES: dict[int, _Pieces] = {}  # id of a stemmer in use -> its pieces; dropped with the stemmer


def _pieces_of(stemmer: Stemmer) -> _Pieces:
    pieces = _PIECES.get(id(stemmer))
    if pieces is None:
        pieces = _PIECES[id(stemmer)] = _Pieces(stemmer)
        weakref.finalize(stemmer, _PIECES.pop, id(stemmer), None)  # before its id can be reused
    return pieces


@dataclass(frozen=True, slots=True)
class Tokens:
    """A text split at spaces into pieces, whose words are keyed like the lexicon's forms."""

    text: str
    pieces: list[str]
    keys_of: dict[
        str, tuple[str, ...]
    ]  # piece -> the match keys of its words (the stemmer's cache)
    offsets_of: dict[str, tuple[tuple[int, int], ...]]  # piece -> its words' offsets in it
    read: list[str] | None = (
        None  # the keys as read otherwise than the pieces give them (Turkish), else None
    )
    # Words up to each piece and text up to each piece, computed when first asked for.
    _prefix: list[list[int]] = field(default_factory=list, compare=False, repr=False)

    @property
    def keys(self) -> list[str]:
        """The match key of every word (computed on each call unless ``read``)."""
        if self.read is not None:
            return self.read
        return list(chain.from_iterable(map(self.keys_of.__getitem__, self.pieces)))

    def word_spans(self, words: list[int]) -> dict[int, tuple[int, int]]:
        """Character offsets ``(start, end)`` in the text of these words (by index)."""
        return {word: self.span(word, word) for word in words}

    def span(self, first: int, last: int) -> tuple[int, int]:
        """Character offsets in the text of the run of words ``[first, last]``."""
        if not self._prefix:
            pieces = self.pieces
            self._prefix.append(list(accumulate(map(len, map(self.keys_of.__getitem__, pieces)))))
            # Text up to each piece (+ one space per piece before it).
            self._prefix.append(list(accumulate(map(len, pieces), initial=0)))
        words_to, text_to = self._prefix
        pieces, offsets_of = self.pieces, self.offsets_of
        p = bisect_right(words_to, first)
        start = text_to[p] + p + offsets_of[pieces[p]][first - (words_to[p - 1] if p else 0)][0]
        if last != first:
            p = bisect_right(words_to, last)
        end = text_to[p] + p + offsets_of[pieces[p]][last - (words_to[p - 1] if p else 0)][1]
        return start, end

    def matches(self, found: list[tuple[int, int, tuple]]) -> list[Match]:
        """``Match``es of word runs ``(first, last, candidates)``, with their text offsets."""
        text, span = self.text, self.span
        matches = []
        for first, last, candidates in found:
            start, end = span(first, last)
            matches.append(
                _new_tuple(Match, (first, last, start, end, text[start:end], candidates))
            )
        return matches


class Match(NamedTuple):
    """A run of words ``[first, last]`` that is a surface form of some concepts."""

    first: int
    last: int
    start: int
    end: int
    text: str  # as written: text[start:end]
    candidates: tuple[
        tuple[str, tuple[Rule | None, ...]], ...
    ]  # (concept id, rules of its forms with these words)


class Found(NamedTuple):
    """What ``find`` saw in a text: the matches, and where the words context rules look for are."""

    matches: list[Match]
    cues: list[tuple[int, str]]  # (word, key) of each word some rule needs or avoids, in text order
    tokens: Tokens | None = None  # the text they were found in (sentences, offsets of cues)


# A NamedTuple made from a tuple: a third of the cost of calling the class.
_new_tuple = tuple.__new__


def tokenize(text: str, stemmer: Stemmer) -> Tokens:
    """Match-keyed words of ``text``: the same words and keys as folding the whole text first."""
    pieces = _pieces_of(stemmer)
    # No word spans a space; each piece is read once (_PieceCache).
    return Tokens(text, text.split(" "), pieces.keys, pieces.offsets)


def undo_turkish_suffixes(tokens: Tokens, lexicon: Lexicon) -> Tokens:
    """Tokens of a Turkish text with inflected words read without their
    suffixes where the lexicon knows them.

    A word that is a form by itself stays; else a reading that ends a two-word form with the
    word before wins (İsrail ordusunun → ordusu), else the word if a longer form begins with it
    (bomba yüklü araç), else a reading that is a form by itself (ateşkesi →
    ateşkes), else the word if some form contains it, else the first reading some form contains
    (saldırılarında → saldırıları, as in "hava saldırıları").
    """
    written = tokens.keys
    starts, readings = lexicon.starts, _seen_by(lexicon).readings
    keys: list[str] = []
    previous = ""
    for key in written:
        if previous in starts:  # a two-word form may end here: the word before matters
            previous = _turkish_reading(key, previous, lexicon)
        else:  # it cannot (every form's first word is in ``starts``): the word's own reading
            previous = readings.get(key) or _remember(readings, key, lexicon)
        keys.append(previous)
    return tokens if keys == written else replace(tokens, read=keys)


def _remember(readings: dict[str, str], key: str, lexicon: Lexicon) -> str:
    if len(readings) >= _CACHE_MAX:
        readings.clear()
    reading = readings[key] = _turkish_reading(key, "", lexicon)
    return reading


def _turkish_reading(key: str, previous: str, lexicon: Lexicon) -> str:
    index, known = lexicon.index, lexicon.words
    if (key,) in index or (previous, key) in index:
        return key
    candidates = turkish_candidates(key)
    alone = next((c for c in candidates if (previous, c) in index), None)
    if alone is None and key in lexicon.starts:  # bomba (yüklü araç), not the word bomb
        return key
    alone = alone or next((c for c in candidates if (c,) in index), None)
    if alone is not None:
        return alone
    if key in known:
        return key
    return next((c for c in candidates if c in known), key)


def find(tokens: Tokens, lexicon: Lexicon) -> Found:
    """Non-overlapping matches, the longest form at each position winning; and the context cues."""
    seen = _seen_by(lexicon)
    if tokens.read is None:
        matches, cues = seen.find(tokens.text, tokens.pieces)
        return Found(matches, cues, tokens)
    keys = tokens.read
    cues = [(i, key) for i, key in enumerate(keys) if key in seen.cue_keys]
    return Found(tokens.matches(_find_in_keys(keys, lexicon)), cues, tokens)


def _find_in_keys(keys: list[str], lexicon: Lexicon) -> list[tuple[int, int, tuple]]:
    """Word runs ``(first, last, candidates)`` of any keys (Turkish readings):
    ``starts`` asked at each word.
    """
    starts, index = lexicon.starts, lexicon.index
    n, covered = len(keys), 0
    found: list[tuple[int, int, tuple]] = []
    for i in compress(count(), map(starts.__contains__, keys)):  # words some form begins with
        if i < covered:
            continue
        for length in range(min(starts[keys[i]], n - i), 0, -1):
            entry = index.get(tuple(keys[i : i + length]))
            if entry is not None:  # () is a phrase that names nothing: it still covers its words
                covered = i + length
                found.append((i, covered - 1, entry))
                break
    return found


_SEEN: dict[
    int, _Seen
] = {}  # id of a lexicon in use -> what its pieces hold; dropped with the lexicon


def prepare(lexicon: Lexicon) -> None:
    """Build what ``find`` keeps for this lexicon now, not on the first text.

    A worker prepares before it freezes its long-lived objects out of the cyclic GC: the tables
    built from the lexicon and the caches' containers are then frozen with it, and however full
    the caches get (hundreds of thousands of pieces) no full collection walks them.
    """
    _seen_by(lexicon)
    lexicon.words  # noqa: B018 - computed on first use (Turkish readings): computed now


def _seen_by(lexicon: Lexicon) -> _Seen:
    seen = _SEEN.get(id(lexicon))
    if seen is None:
        seen = _SEEN[id(lexicon)] = _Seen(lexicon)
        weakref.finalize(lexicon, _SEEN.pop, id(lexicon), None)  # before its id can be reused
    return seen


class _Seen(dict):
    """Piece -> what its words are to one lexicon: ``(words, hits,
    cues)``, or ``()`` for most pieces.

    ``hits``: ``(word, key, start, end, as written, the next word if in the piece)`` of each
    word some form begins with; ``at_start[key]`` is that word's own entry and what ``follows``
    it (a second word → the longest form beginning with the two). ``cues``: ``(word, key)`` of
    each word a context rule needs or avoids. A piece of one word that is neither is ``()``, so
    ``find`` visits only the few others; and a big lexicon's tables are consulted once per
    distinct piece, not per word (at 100k forms they no longer fit the CPU caches). What a piece
    holds is strings and numbers only, which the garbage collector stops tracking: however many
    pieces are remembered, a full collection does not walk them.
    """

    def __init__(self, lexicon: Lexicon):
        super().__init__()
        self.index, self.starts = (
            lexicon.index,
            lexicon.starts,
        )  # not the lexicon: it may be dropped
        pieces = _pieces_of(lexicon.stemmer)
        self.keys_of, self.offsets_of = pieces.keys, pieces.offsets
        self.follows: dict[str, dict[str, int]] = {}
        self.readings: dict[str, str] = {}  # Turkish key -> its reading after no form's start
        # modality cues (events.yaml), titles and sports words (names.yaml)
        self.cue_keys: set[str] = set(lexicon.cues.words) | lexicon.names.cue_words
        for key, entry in self.index.items():
            if len(key) > 1:
                after = self.follows.setdefault(key[0], {})
                after[key[1]] = max(after.get(key[1], 0), len(key))
            self.cue_keys.update(
                k
                for _, rules in entry
                for rule in rules
                if rule is not None
                for k in rule.needs | rule.avoids
            )
        # First word of some form -> (its own entry, what follows it): read per hit in ``find``.
        self.at_start: dict[str, tuple[tuple | None, dict[str, int]]] = {
            key: (self.index.get((key,)), self.follows.get(key, _NONE)) for key in self.starts
        }

    def __missing__(self, piece: str) -> tuple:
        keys = self.keys_of[piece]
        if len(keys) == 1 and keys[0] not in self.starts and keys[0] not in self.cue_keys:
            seen: tuple = ()  # most pieces: one word that is neither (asked without generators)
        else:
            seen = self._read(piece, keys, self.offsets_of[piece])
        if len(piece) <= _PIECE_MAX:
            if len(self) >= _CACHE_MAX:
                self.clear()
            self[piece] = seen
        return seen

    def _read(
        self, piece: str, keys: tuple[str, ...], offsets: tuple[tuple[int, int], ...]
    ) -> tuple:
        """What a piece holds (see the class doc): its word count, the hits and the cues."""
        hits = tuple(
            (j, key, *offsets[j], piece[slice(*offsets[j])], keys[j + 1 : j + 2])
            for j, key in enumerate(keys)
            if key in self.starts
        )
        cues = tuple((j, key) for j, key in enumerate(keys) if key in self.cue_keys)
        return (len(keys), hits, cues) if hits or cues or len(keys) != 1 else ()

    def find(self, text: str, pieces: list[str]) -> tuple[list[Match], list[tuple[int, str]]]:
        """``find`` for keys as the pieces give them: only pieces that are
        not one plain word are visited.
        """
        seen = list(map(self.__getitem__, pieces))
        keys_of, at_start = self.keys_of, self.at_start
        text_to = list(
            accumulate(map(len, pieces), initial=0)
        )  # characters before each piece (but its spaces)
        matches, cues = [], []
        extra = covered = (
            0  # words before the piece beyond one a piece; words before ``covered`` are matched
        )
        for p in compress(count(), seen):
            words, hits, cue_words = seen[p]
            for j, key in cue_words:
                cues.append((p + extra + j, key))
            if hits:
                at = text_to[p] + p
                for j, key, start, stop, spelled, after in hits:
                    i = p + extra + j
                    if i < covered:
                        continue
                    alone, follows = at_start[key]
                    if follows:  # a form of several words only if the next word continues one
                        if after:
                            second = after[0]
                        elif (
                            p + 1 < len(pieces) and keys_of[pieces[p + 1]]
                        ):  # most often: the next piece's
                            second = keys_of[pieces[p + 1]][0]
                        else:
                            second = _first_word(keys_of, pieces, p + 1)[0]
                        run = second in follows and self._run(
                            pieces, p, j, key, second, follows[second], after
                        )
                    else:
                        run = None
                    if run:
                        length, q, stop_in_q, entry = run
                        end = text_to[q] + q + stop_in_q
                        written = text[at + start : end]
                        matches.append(
                            _new_tuple(Match, (i, i + length - 1, at + start, end, written, entry))
                        )
                        covered = i + length
                        continue
                    if alone:
                        matches.append(
                            _new_tuple(Match, (i, i, at + start, at + stop, spelled, alone))
                        )
            extra += words - 1
        return matches, cues

    def _run(
        self, pieces: list[str], p: int, j: int, key: str, second: str, longest: int, after: tuple
    ) -> tuple | None:
        """The longest form of 2 to ``longest`` words from word ``j`` (``key``,
        then ``second``) of piece ``p``.

        As ``(length, last piece, end in it, entry)``, or None; ``after`` is the next word when it
        is in the same piece.
        """
        if longest == 2:  # most often: then the two words are a form themselves
            q, k = (p, j + 1) if after else _first_word(self.keys_of, pieces, p + 1)[1:]
            return 2, q, self.offsets_of[pieces[q]][k][1], self.index[key, second]
        return self._longest(pieces, p, j, longest)

    def _longest(self, pieces: list[str], p: int, j: int, longest: int) -> tuple | None:
        """``_run`` for forms of 2 to ``longest`` words (the n-grams looked up longest first)."""
        keys = list(self.keys_of[pieces[p]][j : j + longest])
        owners = [p] * len(keys)  # the piece of each word
        q = p
        while len(keys) < longest and q + 1 < len(pieces):
            q += 1
            more = self.keys_of[pieces[q]]
            keys += more
            owners += [q] * len(more)
        for length in range(min(longest, len(keys)), 1, -1):
            entry = self.index.get(tuple(keys[:length]))
            if entry is not None:  # () names nothing, but covers its words
                q = owners[length - 1]
                last = (
                    length - 1 - owners.index(q) + (j if q == p else 0)
                )  # the word's place in its piece
                return length, q, self.offsets_of[pieces[q]][last][1], entry
        return None


_NONE: dict[str, int] = {}  # shared, never written: no form of several words begins with the word


def _first_word(
    keys_of: dict[str, tuple[str, ...]], pieces: list[str], p: int
) -> tuple[str | None, int, int]:
    """``(key, piece, 0)`` of the first word of piece ``p`` or after (key None: there is none)."""
    while p < len(pieces):
        keys = keys_of[pieces[p]]
        if keys:
            return keys[0], p, 0
        p += 1
    return None, p, 0
