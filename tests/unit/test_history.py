"""core.history: recording, paging, filtering, redaction, recovery and concurrency."""

from __future__ import annotations

import io
import json
import sqlite3
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from attribution_workbench.core.history import (
    FILE_NAME,
    MAX_RESPONSE_CHARS,
    History,
    HistoryFilter,
    default_path,
    entry_request,
)
from attribution_workbench.core.regions import Destination, Region, Target
from attribution_workbench.core.wire import Format, KeyStyle, Transport, prepare
from failing_sqlite import DiskFull

# Has characters that percent-encoding changes, so both spellings are checked.
SENTINEL = "sentinel+KEY/4242abcdef01234ZqxW"
EVENT = '{"event_type":"[Adjust] Install","platform":"ios","idfa":"AAAA-1"}'
SANDBOX = Destination(Region.US, Target.SANDBOX, "http://127.0.0.1:9")


def request(event: str = EVENT, region: Region = Region.US, transport: Transport = Transport.BODY):
    destination = Destination(region, Target.SANDBOX, "http://127.0.0.1:9")
    return prepare(event, destination, SENTINEL, transport)


def add(history: History, event: str = EVENT, status: int | None = 200, **kw: object) -> int:
    region = kw.pop("region", Region.US)
    transport = kw.pop("transport", Transport.BODY)
    assert isinstance(region, Region) and isinstance(transport, Transport)
    return history.record(
        request(event, region, transport),
        profile="default",
        region=region.value,
        target="sandbox",
        status=status,
        reason="OK" if status == 200 else "",
        response_text=str(kw.pop("response", "success")),
        elapsed_ms=12.5,
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def history(tmp_path: Path) -> History:
    h = History(tmp_path / FILE_NAME)
    yield h
    h.close()


def test_default_path_is_under_the_user_data_dir(isolated_home: Path) -> None:
    assert default_path().name == FILE_NAME
    assert str(default_path()).startswith(str(isolated_home))


def test_record_get_page_count(history: History) -> None:
    first = add(history)
    second = add(history, EVENT.replace("Install", "Reinstall"), status=400)
    third = add(history, status=None, error_kind="refused", error_message="Connection refused")
    assert [e.id for e in history.page()] == [third, second, first]  # newest first
    assert history.count() == 3
    entry = history.get(first)
    assert entry is not None
    assert entry.ok and entry.status == 200 and entry.event_type == "[Adjust] Install"
    assert entry.event_text == EVENT and entry.region == "us" and entry.target == "sandbox"
    assert entry.url.endswith("/us/attribution") and entry.api == "/attribution"
    failed = history.get(third)
    assert failed is not None and not failed.ok and failed.error_kind == "refused"
    assert [e.id for e in history.page(offset=1, limit=1)] == [second]
    assert history.journal_mode() == "wal"


def test_an_export_with_a_send_recorded_meanwhile_has_each_entry_once(history: History) -> None:
    ids = [add(history) for _ in range(520)]  # more than one export page (500)

    class SendsWhileWritten(io.StringIO):
        recorded = False

        def write(self, text: str) -> int:
            if not self.recorded:  # a send is recorded while the export is under way
                self.recorded = True
                add(history)
            return super().write(text)

    out = SendsWhileWritten()
    assert history.export_jsonl(HistoryFilter(), out) == 520
    exported = [json.loads(line)["id"] for line in out.getvalue().splitlines()]
    assert exported == sorted(ids, reverse=True)  # the 520 there when it began, once each
    assert history.export_jsonl(None, io.StringIO()) == 521


def test_filters(history: History) -> None:
    ok_us = add(history)
    bad_eu = add(history, EVENT.replace("Adjust", "Branch"), status=400, region=Region.EU)
    failed = add(history, status=None, error_kind="timeout")
    assert [e.id for e in history.page(HistoryFilter(status="ok"))] == [ok_us]
    assert [e.id for e in history.page(HistoryFilter(status="failed"))] == [failed, bad_eu]
    assert [e.id for e in history.page(HistoryFilter(region="eu"))] == [bad_eu]
    assert [e.id for e in history.page(HistoryFilter(text="branch"))] == [bad_eu]
    assert history.count(HistoryFilter(text="Adjust", region="us")) == 2
    assert history.count(HistoryFilter(text="100%_")) == 0  # LIKE wildcards are literal


def test_delete_clear_export(history: History) -> None:
    ids = [add(history) for _ in range(3)]
    assert history.delete([ids[0]]) == 1
    assert history.count() == 2
    out = io.StringIO()
    assert history.export_jsonl([ids[1]], out) == 1
    line = json.loads(out.getvalue())
    assert line["id"] == ids[1] and line["event_text"] == EVENT and "time_iso" in line
    out = io.StringIO()
    assert history.export_jsonl(HistoryFilter(), out) == 2
    assert len(out.getvalue().splitlines()) == 2
    history.clear()
    assert history.count() == 0


@pytest.mark.parametrize("transport", [Transport.BODY, Transport.QUERY])
def test_key_never_reaches_the_file(tmp_path: Path, transport: Transport) -> None:
    path = tmp_path / FILE_NAME
    history = History(path)
    echo = f"Invalid API key: {SENTINEL} ({quote(SENTINEL, safe='')})"
    add(history, status=400, response=echo, transport=transport)
    add(history, status=None, error_kind="other", error_message=f"boom {SENTINEL}")
    entry = history.page()[1]
    assert (
        SENTINEL not in entry.response_body and "Invalid API key: ••••••••" in entry.response_body
    )
    # Read the files while the connection is open (the rows sit in the -wal file), then after.
    for state in ("open", "closed"):
        for file in tmp_path.glob(FILE_NAME + "*"):
            data = file.read_bytes()
            for spelling in (SENTINEL, quote(SENTINEL, safe=""), SENTINEL[-4:]):
                assert spelling.encode() not in data, (state, file.name, spelling)
        if state == "open":
            assert (tmp_path / (FILE_NAME + "-wal")).exists()
            history.close()


def test_curl_from_an_entry_uses_the_env_variable(history: History) -> None:
    for transport in (Transport.BODY, Transport.QUERY):
        add(history, transport=transport)
    for entry in history.page():
        curl = entry_request(entry).render(Format.CURL, KeyStyle.ENV)
        assert '"${AMPLITUDE_API_KEY}"' in curl and "•" not in curl and SENTINEL not in curl


def test_long_response_is_capped(history: History) -> None:
    add(history, response="x" * (MAX_RESPONSE_CHARS * 2))
    entry = history.page()[0]
    assert len(entry.response_body) == MAX_RESPONSE_CHARS and entry.response_truncated


@pytest.mark.parametrize(
    "damage",
    ["garbage", "truncated", "empty-header"],
)
def test_corrupt_file_is_moved_aside(tmp_path: Path, damage: str) -> None:
    path = tmp_path / FILE_NAME
    good = History(path)
    for _ in range(300):
        add(good, response="y" * 2000)
    good.close()
    data = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"this is not a database at all\n" * 100)
    elif damage == "truncated":
        path.write_bytes(data[: len(data) // 3])
    else:
        path.write_bytes(b"\0" * 100 + data[100:])
    history = History(path)
    assert history.notice is not None
    moved = [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]
    assert len(moved) == 1 and str(moved[0]) in history.notice
    assert moved[0].name.startswith(FILE_NAME + ".corrupt-")
    assert history.count() == 0
    add(history)
    assert history.count() == 1
    history.close()


def test_healthy_file_has_no_notice(tmp_path: Path) -> None:
    History(tmp_path / FILE_NAME).close()
    again = History(tmp_path / FILE_NAME)
    assert again.notice is None
    again.close()


def test_two_connections_write_at_once(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    a, b = History(path), History(path)
    errors: list[BaseException] = []

    def write(history: History) -> None:
        try:
            for _ in range(100):
                add(history)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(h,)) for h in (a, b, a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert a.count() == b.count() == 400
    a.close()
    b.close()


def test_committed_rows_survive_an_unclosed_connection(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    writer = History(path)
    add(writer)
    # No close(): a second reader (another process, after a crash) sees the committed row.
    reader = sqlite3.connect(path)
    assert reader.execute("SELECT COUNT(*) FROM entries").fetchone()[0] == 1
    reader.close()
    writer.close()


def test_ten_thousand_entries_page_and_filter_quickly(history: History) -> None:
    req = request()
    eu = request(EVENT.replace("Adjust", "Kochava"), Region.EU)
    with history._lock, history._conn:  # bulk set-up; the timed part is the reading
        history._lock.release()
        try:
            for i in range(10_000):
                history.record(
                    eu if i % 7 == 0 else req,
                    profile="default",
                    region="eu" if i % 7 == 0 else "us",
                    target="sandbox",
                    status=200 if i % 3 else 400,
                )
        finally:
            history._lock.acquire()
    timings = {}
    for name, flt in {
        "all": HistoryFilter(),
        "failed": HistoryFilter(status="failed"),
        "eu": HistoryFilter(region="eu"),
        "text": HistoryFilter(text="kochava"),
        "text+eu+ok": HistoryFilter(text="kochava", status="ok", region="eu"),
    }.items():
        start = time.perf_counter()
        rows = history.page(flt, 0, 200)
        total = history.count(flt)
        timings[name] = (time.perf_counter() - start) * 1000
        assert rows and total >= len(rows)
    print("10k page+count ms:", {k: round(v, 1) for k, v in timings.items()})


# --- the disk refuses (issue 8, State) ---------------------------------------------------------
def test_disk_full_moves_history_to_memory_and_keeps_what_was_committed(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    history = History(path)
    for _ in range(3):
        add(history)
    history._conn = DiskFull(history._conn)  # type: ignore[assignment]
    add(history)  # does not raise: goes to memory
    assert history.in_memory and history.notice is not None
    assert "cannot be written" in history.notice and "memory" in history.notice
    assert history.count() == 4  # the three committed rows were copied, plus the new one
    history.close()
    on_disk = sqlite3.connect(path)
    assert on_disk.execute("SELECT COUNT(*) FROM entries").fetchone()[0] == 3
    on_disk.close()


def test_a_file_locked_by_another_program_is_not_moved_aside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from attribution_workbench.core import history as history_module

    monkeypatch.setattr(history_module, "BUSY_TIMEOUT_MS", 200)  # not 5 s in a test
    path = tmp_path / FILE_NAME
    first = History(path)
    for _ in range(3):
        add(first)
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")  # a DB browser, a backup, another instance's clear
    try:
        second = History(path)
        assert second.in_memory and second.notice is not None
        assert "in use by another program" in second.notice
        assert not list(tmp_path.glob(f"{FILE_NAME}.corrupt-*"))  # the file stays put
        add(second)  # this session goes on in memory
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    add(first)
    assert first.count() == 4  # the first instance still writes to the same file
    first.close()
    second.close()


def test_unwritable_file_is_left_alone_and_read_into_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / FILE_NAME
    good = History(path)
    add(good)
    add(good)
    good.close()
    before = path.read_bytes()
    real_connect = sqlite3.connect

    def refuse(database: object, *args: object, **kwargs: object) -> sqlite3.Connection:
        # A read-only directory or disk: opening for writing fails, read-only works.
        if str(database) == str(path):
            raise sqlite3.OperationalError("attempt to write a readonly database")
        return real_connect(database, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sqlite3, "connect", refuse)
    history = History(path)
    assert history.in_memory and history.notice and "left as it is" in history.notice
    assert history.count() == 2
    add(history)
    assert history.count() == 3
    history.close()
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]


def test_read_only_directory_keeps_history_in_memory(tmp_path: Path) -> None:
    import os

    if os.geteuid() == 0:
        pytest.skip("root ignores directory permissions (the patched variant above covers it)")
    directory = tmp_path / "ro"
    directory.mkdir()
    directory.chmod(0o500)
    try:
        history = History(directory / FILE_NAME)
        assert history.in_memory and history.notice
        add(history)
        assert history.count() == 1
        history.close()
    finally:
        directory.chmod(0o700)


def test_parent_is_a_file_keeps_history_in_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    history = History(blocker / FILE_NAME)
    assert history.in_memory and history.notice
    add(history)
    assert history.count() == 1
    history.close()
