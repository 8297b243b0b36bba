"""The facet index's change log: each change of the catalogue's generation leaves a note, numbered without gaps."""

from shop.catalog.facet_index import ChangeLog
from shop.core.page_cache import FileGeneration


def test_the_change_log_numbers_its_notes_without_gaps_and_keeps_the_last_ones(tmp_path):
    log = ChangeLog(FileGeneration(str(tmp_path / "generation")))
    log.MAX_FILE_BYTES = 2_000  # rewritten often: the notes kept must stay numbered without gaps
    log.KEEP = 20
    for n in range(1, 301):
        log.append(f"token{n}", {n, n + 1} if n % 3 else None)

    notes = log.notes()
    assert [seq for seq, _, _ in notes] == list(range(301 - len(notes), 301))
    assert 20 <= len(notes) < 100
    assert notes[-1] == (300, "token300", "x")
    assert [ChangeLog.changed(ids) for _, _, ids in notes[-2:]] == [({299, 300}, set()), None]
    assert log.notes(3) == notes[-3:]


def test_a_new_change_log_starts_at_one(tmp_path):
    log = ChangeLog(FileGeneration(str(tmp_path / "generation")))
    assert log.notes() == []
    log.append("first", {7})
    assert log.notes() == [(1, "first", "7")]
