"""The one exception a container reader raises: the rest of the file cannot be read."""

from __future__ import annotations


class UnreadableInput(Exception):
    """A container broke mid-way (truncated archive, corrupt footer, unparseable framing).

    :func:`tasks.ingest.read_path` turns it into a ``read_error`` reject after the records
    already read, so a damaged file loses only its damaged tail.
    """
