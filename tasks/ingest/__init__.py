"""Find input files and turn each into article records or rejects.

Readers are registered by file suffix in :mod:`tasks.ingest.formats`. A reader never raises
for bad content; it yields :class:`~tasks.documents.Reject` rows instead, and counts what it
passes over on purpose (WARC request records, blank lines) in a :class:`ReadStats`.
"""

from tasks.ingest.discover import InputError, discover
from tasks.ingest.formats import FORMATS, read_path
from tasks.ingest.options import ReadOptions
from tasks.ingest.stats import ReadStats

__all__ = ["FORMATS", "InputError", "ReadOptions", "ReadStats", "discover", "read_path"]
