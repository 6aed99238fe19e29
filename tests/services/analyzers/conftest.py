"""Every schema- and endpoint-reader parse these tests make checks the reader's declared keywords (tests/support/reader_keywords.py)."""

from tests.support.reader_keywords import install

install()
