"""The training corpus: parse `<SEP>input<SEP>response<SEP>` lines and check them.

One exchange per line; blank lines and lines starting with `#` are ignored.
Parsing happens in two steps because whether an exchange fits the 20-token
context depends on the tokenizer, which is itself trained on the corpus:

1. `parse_corpus` reads the lines and reports malformed ones (line numbers);
2. `fit_exchanges` encodes each exchange and reports those that do not fit
   `[SEP] input [SEP] response [END]` in the context.

Nothing here imports torch: `soulterm eval` uses it too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..inputs import read_limited
from ..paths import DEFAULT_CORPUS
from . import spec

SEP_MARK = "<SEP>"
BUILTIN_CORPUS = DEFAULT_CORPUS
MAX_CORPUS_BYTES = 16 * 1024 * 1024  # far beyond any sensible corpus; guards against a wrong file


class CorpusError(ValueError):
    """A corpus that cannot be used at all (missing, unreadable, nothing usable)."""


@dataclass(frozen=True)
class Exchange:
    """One usable line: the prompt and the response, as written (not lower-cased)."""

    line: int
    prompt: str
    response: str
    intent: str = ""       # the last `# intent: NAME` comment above the line


@dataclass(frozen=True)
class Issue:
    """A skipped line and why."""

    line: int
    problem: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.problem}"


@dataclass
class Corpus:
    """The exchanges of a corpus file plus the lines that were skipped."""

    path: Path
    exchanges: list[Exchange]
    issues: list[Issue] = field(default_factory=list)

    def intent_replies(self) -> dict[str, set[str]]:
        """Every intent's responses, lower-cased as the soul writes them."""
        out: dict[str, set[str]] = {}
        for ex in self.exchanges:
            out.setdefault(ex.intent, set()).add(ex.response.lower())
        return out

    def texts(self) -> list[str]:
        """Every prompt and response: what the tokenizer is trained on."""
        out = []
        for ex in self.exchanges:
            out += [ex.prompt, ex.response]
        return out


@dataclass(frozen=True)
class EncodedExchange:
    """An exchange that fits the context, as token ids."""

    line: int
    prompt_ids: tuple[int, ...]
    response_ids: tuple[int, ...]
    intent: str = ""

    @property
    def sequence(self) -> list[int]:
        """[SEP] prompt [SEP] response [END]: at most 20 ids."""
        return [spec.SEP, *self.prompt_ids, spec.SEP, *self.response_ids, spec.END]


def read_corpus(path=None) -> Corpus:
    """Read and parse a corpus file; the built-in corpus when path is None."""
    path = Path(path) if path is not None else BUILTIN_CORPUS
    if not path.exists():
        raise CorpusError(f"{path}: no such corpus file")
    raw = read_limited(path, MAX_CORPUS_BYTES, "corpus file", CorpusError)
    try:
        text = raw.decode("utf-8-sig")     # -sig: a byte-order mark from Windows editors is not text
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path}: not UTF-8 text (bad byte at offset {exc.start})") from None
    return parse_corpus(text, path)


def parse_corpus(text: str, path=Path("<corpus>")) -> Corpus:
    """Parse corpus text; malformed lines become issues, not errors."""
    exchanges, issues = [], []
    intent = ""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("#"):
            intent = intent_of_comment(stripped, intent)
            continue
        if not stripped:
            continue
        problem = _line_problem(stripped)
        if problem:
            issues.append(Issue(number, problem))
            continue
        _, prompt, response, _ = stripped.split(SEP_MARK)
        exchanges.append(Exchange(number, prompt.strip(), response.strip(), intent))
    return Corpus(Path(path), exchanges, issues)


INTENT_MARK = "intent:"


def intent_of_comment(comment: str, current: str) -> str:
    """`# intent: NAME` starts a new intent; any other comment keeps the current one."""
    body = comment.lstrip("#").strip()
    if body.lower().startswith(INTENT_MARK):
        return body[len(INTENT_MARK):].strip().lower()
    return current


def _line_problem(line: str) -> str | None:
    """Why a non-blank, non-comment line is malformed, or None when it is fine."""
    parts = line.split(SEP_MARK)
    if len(parts) != 4 or parts[0] or parts[3]:
        return (f"expected {SEP_MARK}input{SEP_MARK}response{SEP_MARK}, "
                f"found {len(parts) - 1} {SEP_MARK} marks" if len(parts) != 4
                else f"expected {SEP_MARK}input{SEP_MARK}response{SEP_MARK} "
                     "with nothing before the first or after the last mark")
    for label, part in (("input", parts[1]), ("response", parts[2])):
        if not part.strip():
            return f"empty {label}"
        unknown = sorted({ch for ch in part.lower() if ch not in spec.ALPHABET})
        if unknown:
            shown = "".join(unknown) if all(ch.isprintable() for ch in unknown) else repr("".join(unknown))
            return (f"{label} has characters the C64 soul cannot write: {shown!r} "
                    f"(allowed: letters, space and . ' ! ? , ; : -)")
    return None


def fit_exchanges(corpus: Corpus, tokenizer) -> tuple[list[EncodedExchange], list[Issue]]:
    """Encode each exchange; report those that do not fit the context.

    A conversation turn keeps at most the tokenizer's prompt budget of prompt
    ids (16 without one), and the reply must end with END while the context
    still has room, so an exchange fits when
    1 + len(prompt) + 1 + len(response) + 1 <= 20. A prompt longer than
    16 ids is reported; one within 16 but over a smaller budget is cut to the
    budget, as the C64 cuts what a person types.
    """
    fitted, issues = [], []
    for ex in corpus.exchanges:
        prompt_ids = tokenizer.encode_prompt(ex.prompt)
        response_ids = tokenizer.encode(ex.response)
        if len(prompt_ids) > spec.MAX_INPUT_IDS:
            issues.append(Issue(ex.line, f"input is {len(prompt_ids)} tokens, "
                                         f"at most {spec.MAX_INPUT_IDS} fit"))
            continue
        prompt_ids = prompt_ids[: tokenizer.prompt_ids]
        needed = len(prompt_ids) + len(response_ids) + 3
        if needed > spec.CONTEXT:
            issues.append(Issue(ex.line, f"exchange is {needed} tokens with SEP, SEP and END, "
                                         f"the context holds {spec.CONTEXT}"))
            continue
        fitted.append(EncodedExchange(ex.line, tuple(prompt_ids), tuple(response_ids), ex.intent))
    return fitted, issues


def require_usable(fitted: list[EncodedExchange], corpus: Corpus) -> None:
    """Raise CorpusError when no exchange of the corpus can be trained on."""
    if not fitted:
        skipped = len(corpus.issues) + len(corpus.exchanges)
        raise CorpusError(f"{corpus.path}: no usable exchange "
                          f"({skipped} line(s) skipped; each line must be "
                          f"{SEP_MARK}input{SEP_MARK}response{SEP_MARK} and fit {spec.CONTEXT} tokens)")
