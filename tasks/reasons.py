"""Stable reason codes for rejected inputs.

Codes are part of the output contract (the ``reason`` column of ``rejects/``): never rename one,
only add. Each is prefixed by the stage that decided it.
"""

from typing import Final

READ_ERROR: Final = "read_error"
BINARY: Final = "input_binary"
UNDECODABLE: Final = "input_undecodable"
EMPTY: Final = "input_empty"
TOO_LARGE: Final = "input_too_large"
MALFORMED_RECORD: Final = "input_malformed_record"
NO_TEXT_FIELD: Final = "input_no_text_field"
UNSUPPORTED_FORMAT: Final = "input_unsupported_format"
EXTRACTION_FAILED: Final = "extract_failed"
EXTRACTION_EMPTY: Final = "extract_empty"
EXTRACTION_TIMEOUT: Final = "extract_timeout"
ALL_BOILERPLATE: Final = "clean_all_boilerplate"
TOO_SHORT: Final = "clean_too_short"
UNKNOWN_LANGUAGE: Final = "lang_unknown"
# Written in a script no language profile covers (Georgian, Amharic...): langdetect would
# still name a language (Georgian text comes out as Estonian, p=0.99999), so we refuse it.
UNSUPPORTED_SCRIPT: Final = "lang_unsupported_script"

ALL: Final = frozenset(
    {
        READ_ERROR,
        BINARY,
        UNDECODABLE,
        EMPTY,
        TOO_LARGE,
        MALFORMED_RECORD,
        NO_TEXT_FIELD,
        UNSUPPORTED_FORMAT,
        EXTRACTION_FAILED,
        EXTRACTION_EMPTY,
        EXTRACTION_TIMEOUT,
        ALL_BOILERPLATE,
        TOO_SHORT,
        UNKNOWN_LANGUAGE,
        UNSUPPORTED_SCRIPT,
    }
)
