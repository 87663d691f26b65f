"""Read CoNLL-2011/2012 style coreference files into CorefRecords.

Layout (as read by the reference scorer's `CorScorer.pm`):

- a document part starts with `#begin document (NAME); part NNN` (also
  `# begin document NAME`, as in GUM) and ends with `#end document`;
- one token per line, sentences separated by blank lines;
- columns are TAB-separated when the line has a TAB, else split on whitespace; the
  coreference column is the last one: `-`, `_` or empty for none, `(N` opens a
  mention of entity N, `N)` closes the most recent open mention of N, `(N)` is a
  one-token mention; markers may be joined by `|` or written back to back
  (`(1(3`, `3)1)`); entity ids are any text without brackets, `|` or spaces;
- the word is column 4 in the CoNLL-2012 layout (5+ columns), column 2 in the
  3-column `index word coref` layout and column 1 in the 2-column `word coref`
  layout;
- with 12+ columns the speaker is column 10 (kept unless `-` or `_`).

A line may end in one extra TAB (the reference test files do); otherwise every token
line of a document must have the column count of its first token line. Mentions of
different entities may cross (`(1 (2 1) 2)`); LitBank has a few. Anything else that
is off raises a coded error with the file and line number.
"""

import re
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple, Union

from ...errors import Errors
from .records import CorefRecord, TokenSpan

BEGIN_RE = re.compile(r"^#\s*begin document\s*(.*?)\s*$")
END_RE = re.compile(r"^#\s*end document\b")
# "(NAME); part 003", "(NAME);", "(NAME)" or a bare "NAME".
HEADER_RE = re.compile(r"^\((.*)\)\s*;?\s*(?:part\s+(\d+))?\s*$")
MARKER_RE = re.compile(r"\(([^()|\s]+)\)|\(([^()|\s]+)|([^()|\s]+)\)|(\|)")
NO_MENTION = ("-", "_", "")
WORD_COLUMN = {2: 0, 3: 1}
SPEAKER_COLUMN = 9


def _structure_error(path: str, line: int, detail: str) -> ValueError:
    """E056: the document layout is off (columns, begin/end markers); five places find such faults."""
    return ValueError(Errors.E056.format(path=path, line=line, detail=detail))


def parse_header(text: str) -> Tuple[str, int]:
    """Split the text after `#begin document` into (name, part)."""
    match = HEADER_RE.match(text)
    if match:
        return match.group(1), int(match.group(2) or 0)
    return text, 0


class _PartBuilder:
    """Collects the tokens and brackets of one document part."""

    def __init__(self, path: str, line: int, name: str, part: int) -> None:
        self.path = path
        self.line = line
        self.name = name
        self.part = part
        self.n_cols: Optional[int] = None
        self.sentences: List[List[str]] = [[]]
        self.speakers: List[List[str]] = [[]]
        self.has_speakers = False
        self.clusters: Dict[str, List[TokenSpan]] = {}
        self.open: Dict[str, List[Tuple[int, int]]] = {}
        self.mention_lines: Dict[TokenSpan, int] = {}
        self.n_tokens = 0

    def end_sentence(self) -> None:
        if self.sentences[-1]:
            self.sentences.append([])
            self.speakers.append([])

    def add_token(self, fields: List[str], lineno: int, text: str) -> None:
        if self.n_cols is None:
            if len(fields) < 2 or len(fields) == 4:
                raise _structure_error(
                    self.path, lineno, f"a token line needs 2, 3 or 5+ columns, found {len(fields)}: {text!r}"
                )
            self.n_cols = len(fields)
        if len(fields) == self.n_cols + 1 and fields[-1] == "":
            fields = fields[:-1]  # one trailing separator, as Perl's split drops it
        if len(fields) != self.n_cols:
            raise ValueError(
                Errors.E052.format(path=self.path, line=lineno, expected=self.n_cols, found=len(fields), text=text)
            )
        word = fields[WORD_COLUMN.get(self.n_cols, 3)]
        if not word:
            raise ValueError(Errors.E057.format(path=self.path, line=lineno, index=self.n_tokens, doc=self.name))
        speaker = fields[SPEAKER_COLUMN] if self.n_cols >= 12 else "-"
        if speaker not in ("-", "_"):
            self.has_speakers = True
        self.sentences[-1].append(word)
        self.speakers[-1].append(speaker)
        self._add_markers(fields[-1], lineno)
        self.n_tokens += 1

    def _add_markers(self, value: str, lineno: int) -> None:
        if value in NO_MENTION:
            return
        i = self.n_tokens
        pos = 0
        while pos < len(value):
            match = MARKER_RE.match(value, pos)
            if match is None:
                raise ValueError(Errors.E053.format(path=self.path, line=lineno, value=value, rest=value[pos:]))
            pos = match.end()
            single, opening, closing, _ = match.groups()
            if single is not None:
                self._add_mention(single, i, i, lineno)
            elif opening is not None:
                self.clusters.setdefault(opening, [])
                self.open.setdefault(opening, []).append((i, lineno))
            elif closing is not None:
                stack = self.open.get(closing)
                if not stack:
                    raise ValueError(Errors.E054.format(path=self.path, line=lineno, entity=closing))
                start, _ = stack.pop()
                self._add_mention(closing, start, i, lineno)

    def _add_mention(self, entity: str, start: int, end: int, lineno: int) -> None:
        self.clusters.setdefault(entity, []).append((start, end))
        self.mention_lines.setdefault((start, end), lineno)

    def finish(self, lineno: int) -> CorefRecord:
        unclosed = {e: [ln for _, ln in stack] for e, stack in self.open.items() if stack}
        if unclosed:
            raise ValueError(Errors.E055.format(path=self.path, line=lineno, doc=self.name, unclosed=unclosed))
        if self.n_tokens == 0:
            raise ValueError(Errors.E065.format(path=self.path, line=self.line, doc=self.name))
        sentences = [s for s in self.sentences if s]
        speakers = [s for s in self.speakers if s] if self.has_speakers else None
        clusters = [sorted(c) for c in self.clusters.values() if c]
        return CorefRecord(
            doc_key=self.name,
            part=self.part,
            sentences=sentences,
            clusters=clusters,
            speakers=speakers,
            path=self.path,
            line=self.line,
            mention_lines=self.mention_lines,
        )


def read_conll(path: Union[str, Path]) -> Iterator[CorefRecord]:
    """Read every `#begin document` part of a CoNLL file.

    path (Union[str, Path]): The file.
    YIELDS (CorefRecord): One record per document part, clusters in order of the
        first marker of each entity, mentions sorted by position.
    """
    path_str = str(path)
    current: Optional[_PartBuilder] = None
    lineno = 0
    with open(path, encoding="utf8") as file_:
        for lineno, raw in enumerate(file_, start=1):
            text = raw.rstrip("\r\n")
            begin = BEGIN_RE.match(text)
            if begin:
                if current is not None:
                    raise _structure_error(
                        path_str,
                        lineno,
                        f"'#begin document' before '#end document' of '{current.name}' "
                        f"(opened at line {current.line})",
                    )
                name, part = parse_header(begin.group(1))
                current = _PartBuilder(path_str, lineno, name, part)
            elif END_RE.match(text):
                if current is None:
                    raise _structure_error(path_str, lineno, "'#end document' without '#begin document'")
                yield current.finish(lineno)
                current = None
            elif not text.strip():
                if current is not None:
                    current.end_sentence()
            else:
                if current is None:
                    raise _structure_error(
                        path_str, lineno, f"token line outside a '#begin document' ... '#end document' block: {text!r}"
                    )
                fields = text.split("\t") if "\t" in text else text.split()
                current.add_token(fields, lineno, text)
    if current is not None:
        raise _structure_error(
            path_str,
            lineno,
            f"file ends inside document '{current.name}' (opened at line {current.line}); "
            "'#end document' is missing",
        )
