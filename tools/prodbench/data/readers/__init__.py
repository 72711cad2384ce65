"""Log readers: one pure function per log shape, and the files they come in.

A reader is registered with :func:`register` and turns one parsed log object into canonical
messages; ``auto`` tries the readers' detectors in priority order per object, ``--format NAME``
forces one (an unknown name lists :func:`available`). :class:`LogFile` reads JSONL, CSV/TSV,
JSON arrays and ``.gz`` files with the position an incremental ingest resumes from::

    from prodbench.data.readers import LogFile, ReadContext, get_reader, read_object
    for line, obj in LogFile(path):
        fmt, parsed = read_object(obj, get_reader("auto"), ReadContext())
"""

from prodbench.data.readers import chat, simple  # noqa: F401  (registers the readers)
from prodbench.data.readers.files import LOG_SUFFIXES, LogFile, Position
from prodbench.data.readers.registry import (
    Malformed,
    Parsed,
    ReadContext,
    Reader,
    available,
    get_reader,
    read_object,
    readers,
    register,
)
from prodbench.data.readers.simple import MAP_TARGETS, parse_map

__all__ = [
    "LOG_SUFFIXES", "MAP_TARGETS", "LogFile", "Malformed", "Parsed", "Position", "ReadContext", "Reader",
    "available", "get_reader", "parse_map", "read_object", "readers", "register",
]
