"""Reading records out of JSON, XML, CSV and TSV files, one at a time.

``records(path, kind, record_path)`` yields ``(position, record)`` pairs: the
record as a flat dict (a nested object's keys become ``parent/child``, lists
JSON text; see ``flatten``) and where it starts in the file (``"line 12, column 3"``), so
that an error can say where.  Nothing holds more than one record at a time
(XML: more than the elements read before the record element is known, at most
``XML_HELD``), so memory does not grow with the file.

What is read:

- JSON (``json``): an array of objects; an object holding such an array at
  any depth (the first one in the file, or the one ``record_path`` names, as
  dotted keys: ``result.records``); JSON Lines (objects one after the other,
  one per line or not); a GeoJSON ``FeatureCollection`` (each feature's
  properties, its ``id`` and its geometry as JSON text).
- XML (``xml``): repeated record elements.  The record element is the first
  element name that repeats under one parent, among elements that have
  attributes or child elements; or the one ``record_path`` names (a name, or a
  path from the root: ``response/data/row``).  A record's attributes and
  child elements are its columns (``child/grandchild`` when nested; a child
  that repeats gives a JSON list).  Entity declarations and external entities
  are refused (no "billion laughs", no file read from the server).
- CSV and TSV (``csv``): a header line, then one record a row, from the
  header's names to the row's values as text (an empty field: ``None``); the
  position of a record is the line its row starts on (column 1).  The encoding
  is read from the first ``BLOCK`` bytes: UTF-8, UTF-8 with a BOM (removed),
  UTF-16 with a BOM, else Windows-1252; bytes further on that are not UTF-8
  in a file read as UTF-8 are read as Windows-1252 (``dialect`` says which).
  A CSV's delimiter is the one of ``,`` ``;`` tab ``|`` that splits its first
  lines into the same number of fields; a TSV's is tab.  Blank lines are
  skipped; a row of more or fewer fields than the header, a quote not closed,
  a NUL character are errors naming the line.  A name that repeats in the
  header gets ``_2``, ``_3`` … (a record cannot hold a key twice).

Every failure is a ``ReadError`` whose message says what and where.
"""
from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import re
from typing import IO, Any, Generator, Iterator, Optional
from xml.parsers import expat

from ckanext.datapusherplusapi.messages import Message

CHUNK = 1 << 16  # characters read at a time
TOKEN = 16  # characters a JSON literal or number cut at the buffer's end may leave
MAX_RECORD = 32 << 20  # characters one JSON value may take (a record, or a value skipped)
XML_HELD = 10_000  # XML elements held while the record element is not known
FIRST_LINE = 1 << 20  # characters of the first line read to recognise JSON Lines
BLOCK = 1 << 20  # bytes of a CSV read to tell its encoding
SNIFF = 1 << 16  # characters of a CSV's first lines that tell its delimiter
SNIFF_ROWS = 50  # rows of those lines at most
MAX_LINE = 32 << 20  # characters one line of a CSV may take

# What may follow the end of a number in a buffer cut in its middle.
_NUMBER_GOES_ON = re.compile(r"[0-9.eE+-]*\Z")
# What the DataStore cannot store: NUL, and halves of UTF-16 pairs.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
MAX_COLUMNS = 1598  # PostgreSQL's 1,600, less the DataStore's _id and _full_text

Record = dict[str, Any]
Where = dict[str, int]  # {"line": …, "column": …}, from 1


def _reason(error: BaseException) -> str:
    if isinstance(error, RecursionError):
        return "nested too deeply"
    return str(error)[:200]


class ReadError(Exception):
    """The file cannot be read as records: ``message`` says why and where."""

    def __init__(self, message: Message, kind: str = "invalid_file"):
        super().__init__(message.render())
        self.message = message
        self.kind = kind  # invalid_file, no_records, hostile_xml, mixed_structure


# ------------------------------------------------------------ flattening ---
# Between a nested object's name and its keys. Not a dot: CKAN's table preview
# (datatables_view) reads a dot in a column name as a path into the row, and
# shows such a column empty.
SEPARATOR = "/"


def flatten(value: dict[str, Any], prefix: str = "", into: Optional[Record] = None) -> Record:
    """``{"a": {"b": 1}, "c": [1, 2]}`` → ``{"a/b": 1, "c": "[1, 2]"}``."""
    into = {} if into is None else into
    for key, item in value.items():
        # (an XML element's own text, beside its attributes: under its name)
        name = prefix + str(key) if key != "" or not prefix else prefix[:-len(SEPARATOR)]
        if isinstance(item, dict) and item:
            flatten(item, name + SEPARATOR, into)
        elif isinstance(item, (dict, list)):
            into[name] = json.dumps(item, ensure_ascii=False) if item else None
        else:
            into[name] = item
    return into


def feature(value: dict[str, Any]) -> Record:
    """A GeoJSON feature as a record: its ``id``, its properties, its geometry
    as JSON text."""
    record: Record = {}
    if "id" in value:
        record["id"] = value["id"]
    properties = value.get("properties")
    if isinstance(properties, dict):
        flatten(properties, "", record)
    geometry = value.get("geometry")
    record["geometry"] = json.dumps(geometry, ensure_ascii=False) if geometry else None
    return record


# ----------------------------------------------------------------- JSON ---
class _Text:
    """A JSON file read as text, a buffer at a time, with the line and column
    of any position (for messages)."""

    def __init__(self, handle: Any):
        self.handle = handle
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.line_base = 1  # line number at buf[0]
        self.column_base = 0  # characters of that line before buf[0]
        self.mark = (0, 1, 0)  # (index, line, column) last counted
        self.json = json.JSONDecoder()

    def more(self, at_least: int = CHUNK) -> bool:
        """Read more of the file into the buffer (dropping what is read)."""
        if self.eof:
            return False
        if self.pos > CHUNK:
            self.line_base, self.column_base = self._count(self.pos)
            self.buf = self.buf[self.pos:]
            self.pos = 0
            self.mark = (0, self.line_base, self.column_base)
        wanted = max(at_least, CHUNK)
        while wanted > 0:
            raw = self.handle.read(wanted)
            try:
                text = self.decoder.decode(raw, final=not raw)
            except UnicodeDecodeError:
                raise ReadError(Message("The file is not UTF-8 text (line {line}, column {column})",
                                        self.where(len(self.buf))))
            self.buf += text
            if not raw:
                self.eof = True
                break
            wanted -= len(text)
        return True

    def _count(self, index: int) -> tuple[int, int]:
        """(line, characters of that line before) at ``index``, counted from
        the last position asked about (records are read in order)."""
        start, line, column = self.mark if self.mark[0] <= index else (
            0, self.line_base, self.column_base)
        newlines = self.buf.count("\n", start, index)
        if newlines:
            line += newlines
            column = index - self.buf.rfind("\n", start, index) - 1
        else:
            column += index - start
        self.mark = (index, line, column)
        return line, column

    def where(self, index: Optional[int] = None) -> Where:
        """The line and column (from 1) of a position of the buffer."""
        line, column = self._count(self.pos if index is None else index)
        return {"line": line, "column": column + 1}

    def peek(self) -> str:
        """The next character that is not white space ("" at the end)."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.more():
                return ""

    def peek_after(self, char: str) -> str:
        """The first character after ``char`` (the next one) and white space."""
        index = self.pos + 1
        while True:
            while index < len(self.buf) and self.buf[index] in " \t\r\n":
                index += 1
            if index < len(self.buf):
                return self.buf[index]
            before = len(self.buf) - self.pos
            if not self.more():
                return ""
            index = self.pos + before

    def expect(self, char: str, what: Message) -> None:
        if self.peek() != char:
            self.fail(what)
        self.pos += 1

    def fail(self, message: Message) -> None:
        """Stop with ``message``, whose ``{where}`` is the current position."""
        self.peek()
        raise ReadError(Message(message.msgid, {**message.params, **self.where()}))

    def value(self) -> Any:
        """The next JSON value, whole."""
        self.peek()
        size = CHUNK
        while True:
            try:
                value, end = self.json.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as e:
                # Cut by the end of the buffer (a value not read whole yet), or
                # malformed: only an error near the buffer's end, or in a string
                # not closed yet, may be the cut.
                cut = e.pos >= len(self.buf) - TOKEN or e.msg.startswith("Unterminated string")
                if self.eof or not cut:
                    raise ReadError(Message("Malformed JSON"
                                            " (line {line}, column {column}): {reason}", {
                        "reason": e.msg, **self.where(e.pos)}))
                if len(self.buf) - self.pos > MAX_RECORD:
                    raise ReadError(Message("A record is larger than {size} MB"
                                            " (line {line}, column {column})", {
                        "size": MAX_RECORD >> 20, **self.where()}))
                self.more(size)
                size *= 2
                continue
            except (ValueError, RecursionError) as e:  # 4,300 digits and more; deep nesting
                raise ReadError(Message("Malformed JSON"
                                        " (line {line}, column {column}): {reason}", {
                    "reason": _reason(e), **self.where()}))
            if not self.eof and _NUMBER_GOES_ON.match(self.buf, end):
                # A number may go on in what is not read yet ("1." "5e" …).
                self.more()
                continue
            self.pos = end
            return value


def _json_records(text: _Text, path: Optional[list[str]],
                  geojson: bool) -> Iterator[tuple[Where, Record]]:
    first = text.peek()
    if first == "[":
        if path:
            text.fail(Message("The record path {path} matches nothing: the file is an array "
                              "(line {line}, column {column})", {"path": ".".join(path)}))
        yield from _array(text, geojson)
    elif first == "{":
        if path is None and _is_json_lines(text):
            yield from _lines(text)
        else:
            found = yield from _object(text, path or None, [], geojson)
            if not found:
                raise ReadError(Message(
                    "No array of records found in the file (set its record path)")
                    if not path else Message("The record path {path} matches nothing in "
                                             "the file", {"path": ".".join(path)}),
                    kind="no_records")
    elif first == "":
        raise ReadError(Message("The file is empty"), kind="no_records")
    else:
        text.fail(Message("Malformed JSON: expected an array or an object of records"
                          " (line {line}, column {column})"))
    if text.peek() != "":
        text.fail(Message("Malformed JSON: unexpected data after the records"
                          " (line {line}, column {column})"))


def _is_json_lines(text: _Text) -> bool:
    """Whether the file is objects one after the other (JSON Lines): its first
    line holds a whole object and another value follows."""
    while "\n" not in text.buf[text.pos:] and not text.eof and len(text.buf) < FIRST_LINE:
        text.more()
    end = text.buf.find("\n", text.pos)
    line = text.buf[text.pos:end if end >= 0 else len(text.buf)]
    try:
        _value, used = text.json.raw_decode(line)
    except json.JSONDecodeError:
        return False
    rest = text.buf[text.pos + used:].lstrip(" \t\r\n")
    while not rest and not text.eof:  # the first line ends the buffer: read on
        text.more()
        rest = text.buf[text.pos + used:].lstrip(" \t\r\n")
    return rest.startswith("{")


def _lines(text: _Text) -> Iterator[tuple[Where, Record]]:
    while text.peek() != "":
        where = text.where()
        value = text.value()
        if not isinstance(value, dict):
            raise ReadError(Message("Mixed structure: the record at line {line}, column {column} "
                                    "is not an object", where), kind="mixed_structure")
        yield where, flatten(value)


def _array(text: _Text, geojson: bool) -> Iterator[tuple[Where, Record]]:
    """The records of the array that starts here."""
    text.expect("[", Message("Malformed JSON: expected an array (line {line}, column {column})"))
    if text.peek() == "]":
        text.pos += 1
        return
    while True:
        start = text.peek()
        where = text.where()
        if start != "{":
            raise ReadError(Message("Mixed structure: the record at line {line}, column {column} "
                                    "is not an object", where), kind="mixed_structure")
        value = text.value()
        is_feature = geojson and value.get("type") == "Feature"
        yield where, feature(value) if is_feature else flatten(value)
        following = text.peek()
        text.pos += 1
        if following == "]":
            return
        if following != ",":
            text.pos -= 1
            text.fail(Message("Malformed JSON: expected , or ] after a record"
                              " (line {line}, column {column})"))


def _object(text: _Text, path: Optional[list[str]], at: list[str],
            geojson: bool) -> Generator[tuple[Where, Record], None, bool]:
    """The records of the first array of objects in the object that starts
    here (or of the one at ``path``); returns whether it found one.  The rest
    of the object is read through, so that the whole file is checked."""
    text.expect("{", Message("Malformed JSON: expected an object (line {line}, column {column})"))
    found = False
    if text.peek() == "}":
        text.pos += 1
        return False
    while True:
        key = text.value()
        if not isinstance(key, str):
            text.fail(Message("Malformed JSON: expected a key (line {line}, column {column})"))
        text.expect(":", Message("Malformed JSON: expected : after a key"
                                 " (line {line}, column {column})"))
        here = at + [key]
        start = text.peek()
        wanted = not found and (path is None or path[:len(here)] == here)
        if wanted and start == "[" and (path == here or (
                path is None and text.peek_after("[") == "{")):
            yield from _array(text, geojson or here == ["features"])
            found = True
        elif wanted and start == "{" and path != here:
            found = yield from _object(text, path, here, geojson)
        else:
            text.value()  # not the records: read through
        following = text.peek()
        text.pos += 1
        if following == "}":
            return found
        if following != ",":
            text.pos -= 1
            text.fail(Message("Malformed JSON: expected , or }} in an object"
                              " (line {line}, column {column})"))


# ------------------------------------------------------------------ XML ---
class _Element:
    __slots__ = ("tag", "attrs", "children", "text", "where")

    def __init__(self, tag: str, attrs: dict[str, str], where: Where):
        self.tag = tag
        self.attrs = attrs
        self.children: list[_Element] = []
        self.text: list[str] = []
        self.where = where

    def record_like(self) -> bool:
        return bool(self.attrs or self.children)

    def value(self) -> Any:
        """Its text, or (with attributes or children) its record."""
        return self.record(nested=True) if self.record_like() else "".join(self.text).strip()

    def record(self, nested: bool = False) -> Record:
        """Its attributes and children (a dict when nested, a list when a
        name repeats), and its own text when it has no children: under its
        name (``<area unit="km2">220</area>`` in a record gives ``area`` and
        ``area/unit``)."""
        text = "".join(self.text).strip()
        record: Record = {"": text} if nested and text and not self.children else {}
        record.update(self.attrs)
        groups: dict[str, list[Any]] = {}
        for child in self.children:
            groups.setdefault(child.tag, []).append(child.value())
        for tag, values in groups.items():
            record[tag if tag not in record else tag + "_element"] = (
                values[0] if len(values) == 1 else values)
        if text and not self.children and not nested:
            record[self.tag if self.tag not in record else self.tag + "_text"] = text
        return record


class _XmlReader:
    """Expat, fed a chunk at a time, turning record elements into records
    (``ready``) as they close."""

    def __init__(self, record_path: Optional[str]):
        self.parser = expat.ParserCreate()
        # No entity is ever expanded: declaring one is refused, and so is
        # any reference to an external one (a DTD, a file on the server).
        self.parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self.parser.EntityDeclHandler = self.refuse_entity
        self.parser.UnparsedEntityDeclHandler = self.refuse_entity
        self.parser.ExternalEntityRefHandler = self.refuse_external
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.parser.CharacterDataHandler = self.characters
        self.parser.buffer_text = True
        self.wanted = record_path.strip("/") if record_path else None
        self.stack: list[_Element] = []
        self.path: list[str] = []
        self.record_path: Optional[tuple[str, ...]] = None  # known once found
        self.ready: list[tuple[Where, Record]] = []
        self.held = 0  # elements kept while the record element is not known
        self.root: Optional[_Element] = None

    def where(self) -> Where:
        return {"line": self.parser.CurrentLineNumber,
                "column": self.parser.CurrentColumnNumber + 1}

    def refuse_entity(self, *args: Any) -> None:
        raise ReadError(Message("Refused XML: the file declares an entity (line {line}, column "
                                "{column}); entity declarations are not read, for safety",
                                self.where()), kind="hostile_xml")

    def refuse_external(self, *args: Any) -> int:
        raise ReadError(Message("Refused XML: the file refers to an external entity (line "
                                "{line}, column {column})", self.where()), kind="hostile_xml")

    def named(self, path: list[str]) -> bool:
        """Whether ``path`` is the record element ``record_path`` names."""
        if self.wanted is None:
            return False
        if "/" in self.wanted:
            return "/".join(path) == self.wanted
        return path[-1] == self.wanted and self.wanted not in path[:-1]  # the outermost

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        element = _Element(tag, attrs, self.where())
        self.path.append(tag)
        if self.root is None:
            self.root = element
        if self.record_path is None and self.named(self.path):
            self.record_path = tuple(self.path)
        self.stack.append(element)

    def end(self, tag: str) -> None:
        element = self.stack.pop()
        path = tuple(self.path)
        self.path.pop()
        if path == self.record_path:
            self.ready.append((element.where, flatten(element.record())))
            return
        if not self.stack:
            return
        parent = self.stack[-1]
        if self.record_path is None and self.wanted is None and element.record_like():
            earlier = [child for child in parent.children
                       if child.tag == tag and child.record_like()]
            if earlier:
                # The first name that repeats: these are the records.
                self.record_path = path
                for child in earlier + [element]:
                    self.ready.append((child.where, flatten(child.record())))
                parent.children = [child for child in parent.children if child.tag != tag]
                return
        if self.record_path is not None:
            if self.inside_record(path):
                parent.children.append(element)  # part of a record
            return  # outside the records: dropped (memory stays flat)
        if self.wanted is not None:
            return  # before the named record element: dropped
        # Not known yet: held (at most XML_HELD elements), as these may be records.
        parent.children.append(element)
        self.held += 1
        if self.held > XML_HELD:
            raise ReadError(Message(
                "No repeated record element in the first {count} elements of the file "
                "(set its record path)", {"count": XML_HELD}), kind="no_records")

    def inside_record(self, path: Any) -> bool:
        """Whether ``path`` is within a record element (the record itself included)."""
        known = self.record_path
        return known is not None and len(path) >= len(known) and tuple(path[:len(known)]) == known

    def characters(self, data: str) -> None:
        if self.stack and (self.inside_record(self.path) if self.record_path is not None
                           else self.wanted is None):
            self.stack[-1].text.append(data)

    def feed(self, data: bytes, final: bool) -> None:
        try:
            self.parser.Parse(data, final)
        except expat.ExpatError as e:
            raise ReadError(Message("Malformed XML (line {line}, column {column}): {reason}", {
                "reason": expat.ErrorString(e.code), "line": e.lineno, "column": e.offset + 1}))


def _xml_records(handle: Any, record_path: Optional[str]) -> Iterator[tuple[Where, Record]]:
    reader = _XmlReader(record_path)
    while True:
        data = handle.read(CHUNK)
        reader.feed(data, final=not data)
        yield from reader.ready
        reader.ready.clear()
        if not data:
            break
    if reader.record_path is None:
        root = reader.root
        if root is not None and reader.wanted is None:
            # No name repeats: one record, the root's only element with content.
            singles = [child for child in root.children if child.record_like()]
            if len(singles) == 1:
                yield singles[0].where, flatten(singles[0].record())
                return
        raise ReadError(Message("No record element found in the file (set its record path)")
                        if reader.wanted is None else Message(
                            "The record path {path} matches nothing in the file",
                            {"path": reader.wanted}), kind="no_records")


# ------------------------------------------------------------------ CSV ---
def _as_latin_1(error: UnicodeError) -> tuple[str, int]:
    """Bytes Windows-1252 leaves undefined (0x81, 0x8D …) as the Latin-1
    characters of the same number, as browsers read them."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return bytes(error.object[error.start:error.end]).decode("latin-1"), error.end


def _as_windows_1252(error: UnicodeError) -> tuple[str, int]:
    """Bytes that are not UTF-8, in a file read as UTF-8, read as Windows-1252."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return bytes(error.object[error.start:error.end]).decode(
        "cp1252", errors=_LATIN_1), error.end


_LATIN_1 = "datapusherplusapi-latin-1"
_WINDOWS_1252 = "datapusherplusapi-windows-1252"
codecs.register_error(_LATIN_1, _as_latin_1)
codecs.register_error(_WINDOWS_1252, _as_windows_1252)

# The encodings a CSV is read in: its name for people, Python's codec and what
# to do with bytes the codec does not read.
_UTF8 = ("UTF-8", "utf-8", _WINDOWS_1252)
_UTF8_BOM = ("UTF-8 with BOM", "utf-8-sig", _WINDOWS_1252)
_UTF16 = ("UTF-16", "utf-16", "strict")
_CP1252 = ("Windows-1252", "cp1252", _LATIN_1)
# A CSV's delimiters, the first preferred on a tie: the rarer in values first
# (a comma is often in one: "3,14", "Paris, France").
DELIMITERS = ("\t", ";", "|", ",")


def _encoding(handle: IO[bytes]) -> tuple[tuple[str, str, str], bytes, bool]:
    """The encoding of a CSV, told from its first ``BLOCK`` bytes (read in
    ``CHUNK``s: memory holds no more), with its first ``SNIFF`` bytes and
    whether they are the whole file."""
    head = handle.read(SNIFF)
    whole = len(head) < SNIFF
    if head.startswith(codecs.BOM_UTF8):
        return _UTF8_BOM, head, whole
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _UTF16, head, whole
    decoder = codecs.getincrementaldecoder("utf-8")()
    data, read = head, len(head)
    try:
        while True:
            decoder.decode(data, final=not data)
            if not data or read >= BLOCK:
                return _UTF8, head, whole
            data = handle.read(min(CHUNK, BLOCK - read))
            read += len(data)
    except UnicodeDecodeError:
        return _CP1252, head, whole


def _sniff(sample: str, whole: bool) -> str:
    """The delimiter that splits most of the sample's first rows into as many
    fields as the header (two at least), then the one giving more fields, then
    the first in ``DELIMITERS``; ``,`` when none does."""
    if not whole:  # the last line may be cut
        end = max(sample.rfind("\n"), sample.rfind("\r"))
        sample = sample[:end + 1] if end > 0 else sample
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        try:
            widths = [len(row) for row in _first_rows(sample, delimiter)
                      if any(field.strip() for field in row)]
        except csv.Error:
            continue
        if not widths or widths[0] < 2:
            continue
        score = (sum(1 for width in widths if width == widths[0]) / len(widths), widths[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _first_rows(sample: str, delimiter: str) -> list[list[str]]:
    rows = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    return list(itertools.islice(rows, SNIFF_ROWS))


def _csv_dialect(handle: IO[bytes], fmt: str) -> tuple[tuple[str, str, str], str]:
    """(the encoding, the delimiter) of the CSV or TSV file ``handle`` reads
    (from its start; it is left anywhere)."""
    encoding, head, whole = _encoding(handle)
    if fmt.upper() == "TSV":
        return encoding, "\t"
    _name, codec, errors = encoding
    try:
        sample = codecs.getincrementaldecoder(codec)(errors=errors).decode(head, final=whole)
    except UnicodeDecodeError:
        return encoding, ","  # (reading the file says where)
    return encoding, _sniff(sample, whole)


def dialect(path: str, fmt: str) -> dict[str, str]:
    """How a CSV or TSV file is read, from its first ``BLOCK`` bytes:
    ``{"encoding": "UTF-8 with BOM", "delimiter": ";"}``."""
    with open(path, "rb") as handle:
        (name, _codec, _errors), delimiter = _csv_dialect(handle, fmt)
    return {"encoding": name, "delimiter": delimiter}


class _Lines:
    """A CSV's lines (``\n``, ``\r\n`` or ``\r``), counted, each checked for
    NUL characters and a length within ``MAX_LINE``."""

    def __init__(self, text: IO[str], encoding: str):
        self.text = text
        self.encoding = encoding
        self.count = 0  # lines read

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        try:
            line = self.text.readline(MAX_LINE)
        except UnicodeDecodeError:
            raise ReadError(Message("Line {line} is not {encoding} text, the file's encoding", {
                "line": self.count + 1, "encoding": self.encoding}))
        if not line:
            raise StopIteration
        self.count += 1
        if "\x00" in line:
            raise ReadError(Message("Line {line} holds a NUL character: is the file text?",
                                    {"line": self.count}))
        if len(line) >= MAX_LINE and not line.endswith(("\n", "\r")):
            raise ReadError(Message("Line {line} is longer than {count} characters",
                                    {"line": self.count, "count": MAX_LINE}))
        return line


def _blank(row: list[str]) -> bool:
    return not row or (len(row) == 1 and not row[0].strip())


def _keys(header: list[str]) -> list[str]:
    """The header's names as the records' keys: as written, but a name that
    repeats gets ``_2``, ``_3`` … and an empty one that repeats is
    ``column_<its position>`` (a record holds each key once)."""
    keys: list[str] = []
    seen: set[str] = set()
    for position, name in enumerate(header, 1):
        base = "column_{}".format(position) if name in seen and not name.strip() else name
        key, n = base, 1
        while key in seen:
            n += 1
            key = "{}_{}".format(base, n)
        seen.add(key)
        keys.append(key)
    return keys


def _csv_error(error: csv.Error, start: int, lines: _Lines) -> ReadError:
    """A CSV parser's error as a ReadError naming the line."""
    reason = str(error)
    if "unexpected end of data" in reason:
        return ReadError(Message("A quoted field that starts on line {line} is never closed "
                                 "(the file ends inside it)", {"line": start}))
    if "field larger than field limit" in reason:
        return ReadError(Message("A field of line {line} is longer than {count} characters "
                                 "(a quote not closed?)",
                                 {"line": start, "count": csv.field_size_limit()}))
    if "expected after" in reason:
        return ReadError(Message("Line {line}: a closing quote is followed by other characters "
                                 "than the delimiter", {"line": lines.count}))
    return ReadError(Message("Malformed CSV (line {line}): {reason}", {
        "line": lines.count, "reason": reason[:200]}))


def _csv_records(handle: IO[bytes], fmt: str) -> Iterator[tuple[Where, Record]]:
    (name, codec, errors), delimiter = _csv_dialect(handle, fmt)
    handle.seek(0)
    text = io.TextIOWrapper(handle, encoding=codec, errors=errors, newline="")
    lines = _Lines(text, name)
    rows = csv.reader(lines, delimiter=delimiter, strict=True)
    keys: Optional[list[str]] = None
    while True:
        start = lines.count + 1
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as e:
            raise _csv_error(e, start, lines)
        if _blank(row):
            continue
        if keys is None:
            keys = _keys(row)
            continue
        if len(row) != len(keys):
            raise ReadError(Message("Line {line} has {count} values, the header has {columns} "
                                    "columns", {"line": start, "count": len(row),
                                                "columns": len(keys)}))
        yield {"line": start, "column": 1}, {key: value if value else None
                                             for key, value in zip(keys, row, strict=True)}
    if keys is None:
        raise ReadError(Message("The file is empty"), kind="no_records")


# ------------------------------------------------------------------ all ---
JSON_FORMATS = ("JSON", "JSONL", "NDJSON", "GEOJSON")
XML_FORMATS = ("XML",)
CSV_FORMATS = ("CSV", "TSV")


def kind_of(fmt: str) -> str:
    """``json``, ``xml`` or ``csv``, for a format this module reads."""
    upper = fmt.upper()
    return "xml" if upper in XML_FORMATS else "csv" if upper in CSV_FORMATS else "json"


def records(path: str, fmt: str, record_path: Optional[str] = None
            ) -> Iterator[tuple[Where, Record]]:
    """The file's records with where each starts (see the module's docstring)."""
    try:
        yield from _records(path, fmt, record_path)
    except RecursionError:
        raise ReadError(Message("The file's records are nested too deeply"))


def _records(path: str, fmt: str, record_path: Optional[str]) -> Iterator[tuple[Where, Record]]:
    with open(path, "rb") as handle:
        if kind_of(fmt) == "xml":
            yield from _xml_records(handle, record_path or None)
            return
        if kind_of(fmt) == "csv":
            yield from _csv_records(handle, fmt)
            return
        text = _Text(handle)
        keys = [key for key in re.split(r"\.", record_path)] if record_path else None
        if fmt.upper() in ("JSONL", "NDJSON") and text.peek() == "{":
            yield from _lines(text)
            return
        yield from _json_records(text, keys, fmt.upper() == "GEOJSON")
