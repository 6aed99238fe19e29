"""``bulk.bulk_read``: no full garbage collection while a tree is read, the collector as it was afterwards."""

from __future__ import annotations

import gc
import threading

import pytest

from phasegate.app.analyzers import bulk
from phasegate.app.analyzers.schema import schema_at


def test_a_read_holds_off_full_collections_and_puts_the_thresholds_back(make_repo) -> None:
    before = gc.get_threshold()
    seen: list[tuple[int, int, int]] = []
    with bulk.bulk_read():
        seen.append(gc.get_threshold())
        with bulk.bulk_read():  # nested (a scan reads the schema inside its own read)
            seen.append(gc.get_threshold())
        seen.append(gc.get_threshold())
    assert seen[0][2] >= 1 << 30 and seen[0][0] >= 20_000 and seen == [seen[0]] * 3
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), bulk.bulk_read():
        raise RuntimeError("a reader failed")
    assert gc.get_threshold() == before
    # what the product's reads go through
    repo = make_repo({"db/schema.sql": "CREATE TABLE users (id integer primary key);\n"})
    assert [t.name for t in schema_at(repo).tables] == ["users"] and gc.get_threshold() == before


def test_the_last_of_two_concurrent_reads_to_end_restores_the_collector() -> None:
    before = gc.get_threshold()
    first_in, second_done, during = threading.Event(), threading.Event(), []

    def first() -> None:
        with bulk.bulk_read():
            first_in.set()
            second_done.wait(5)
            during.append(gc.get_threshold())  # the other read has ended: still a bulk read here

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(5)
    with bulk.bulk_read():
        pass
    second_done.set()
    thread.join(5)
    assert during and during[0][2] >= 1 << 30 and gc.get_threshold() == before


def test_a_collector_switched_off_by_threshold_stays_off() -> None:
    before = gc.get_threshold()
    gc.set_threshold(0, before[1], before[2])
    try:
        with bulk.bulk_read():
            assert gc.get_threshold()[0] == 0
        assert gc.get_threshold() == (0, before[1], before[2])
    finally:
        gc.set_threshold(*before)
