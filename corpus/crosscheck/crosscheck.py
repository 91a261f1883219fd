#!/usr/bin/env python3
"""Three-reader cross-check of the corpus EVTX writer: the two Python readers.

Usage: crosscheck.py DIR

DIR holds the sample files written by `evtx-samples DIR` and `DIR/expected.json`, which lists
every record's fields and, per reader, the EventRecordIDs the reader must return (in order)
with the reason when that is not "all of them" (damaged files). The evtx crate, the third
reader, is checked by the Rust test corpus/tests/evtx_crosscheck.rs against the same file.

Readers (pinned in requirements.txt):
- python-evtx (module `Evtx`): we compare the values it *parses*, not its XML rendering,
  which mangles string arrays (strings with a UTF-16 code unit whose low byte is 0, leading
  empty strings, control characters) and rounds times to the microsecond (off by up to 1 us).
  System fields come from its XML (those render correctly), the time from the raw FILETIME
  substitution, classic <Data> strings from the raw string-array value (split at NUL), named
  data from the nested EventData fragment it parses.
- libevtx-python (module `pyevtx`): its record attributes, plus Task, Keywords and the Data
  names from its XML. libevtx returns None for an empty string; we normalise None to "" (an
  empty <Data> is an empty string in Windows' own rendering).

Exit status: 0 all match, 1 a mismatch, 77 a reader is not installed (the caller decides
whether that is a skip or a failure).
"""

import json
import os
import re
import sys
import time
import xml.etree.ElementTree as ET

SKIP = 77
NS = "{http://schemas.microsoft.com/win/2004/08/events/event}"

try:
    import Evtx.Evtx as PyEvtx
    import Evtx.Nodes as PyNodes
    import Evtx.Views as PyViews
except ImportError as e:  # pragma: no cover - environment dependent
    print(f"SKIP: python-evtx is not installed ({e}); pip install -r corpus/crosscheck/requirements.txt")
    sys.exit(SKIP)
try:
    import pyevtx
except ImportError as e:  # pragma: no cover - environment dependent
    print(f"SKIP: libevtx-python is not installed ({e}); pip install -r corpus/crosscheck/requirements.txt")
    sys.exit(SKIP)


def system_fields(xml_text):
    """Provider, EventID, Qualifiers, Level, Task, Keywords, EventRecordID, Channel, Computer
    from an <Event> rendering (EventData removed first: python-evtx's rendering of string
    arrays is not always well-formed)."""
    xml_text = re.sub(r"<EventData>.*</EventData>|<EventData/>", "", xml_text, flags=re.S)
    root = ET.fromstring(xml_text)
    sys_ = root.find(NS + "System")

    def text(tag):
        el = sys_.find(NS + tag)
        return el.text if el is not None and el.text is not None else ""

    event_id = sys_.find(NS + "EventID")
    qualifiers = event_id.get("Qualifiers")
    return {
        "provider": sys_.find(NS + "Provider").get("Name"),
        "event_id": int(event_id.text),
        "qualifiers": int(qualifiers) if qualifiers not in (None, "") else None,
        "level": int(text("Level")),
        "task": int(text("Task")),
        "keywords": int(text("Keywords"), 16),
        "record_id": int(text("EventRecordID")),
        "channel": text("Channel"),
        "computer": text("Computer"),
    }


def split_string_array(raw):
    """UTF-16LE NUL-terminated strings, one after the other (value type 0x81)."""
    units = raw.decode("utf-16-le")
    if not units:
        return []
    if units.endswith("\x00"):
        units = units[:-1]
    return units.split("\x00")


def python_evtx_data(root):
    """EventData from the record's parsed substitutions: the nested BinXML value."""
    nested = [s for s in root.substitutions() if isinstance(s, PyNodes.BXmlTypeNode)]
    if not nested:
        return {"kind": "unnamed", "values": []}
    inner = nested[0].root()
    subs = inner.substitutions()
    arrays = [s for s in subs if isinstance(s, PyNodes.WstringArrayTypeNode)]
    if arrays:
        return {"kind": "unnamed", "values": split_string_array(arrays[0].binary())}
    strings = [s for s in subs if isinstance(s, PyNodes.WstringTypeNode)]
    if not strings:
        return {"kind": "unnamed", "values": []}
    # Names are literal in the nested template; render it to read them.
    xml_text = PyViews.render_root_node_with_subs(inner, subs)
    names = [d.get("Name") for d in ET.fromstring(xml_text).iter("Data")]
    values = [s.string() for s in strings]
    return {"kind": "named", "pairs": [[n, v] for n, v in zip(names, values)]}


def read_python_evtx(path):
    """Records in the order python-evtx returns them, whether a chunk fails
    Chunk.verify() (magic and CRCs), and notes."""
    records, notes, bad_chunk = [], [], False
    with PyEvtx.Evtx(path) as log:
        header = log.get_file_header()
        if not header.verify():
            notes.append(f"header check fails (minor version {header.minor_version()})")
        for chunk in log.chunks():
            if not chunk.verify():
                bad_chunk = True
                notes.append("Chunk.verify() fails")
            for record in chunk.records():
                root = record.root()
                fields = system_fields(record.xml())
                times = [s for s in root.substitutions() if isinstance(s, PyNodes.FiletimeTypeNode)]
                fields["filetime"] = times[0].unpack_qword(0) if times else None
                fields["data"] = python_evtx_data(root)
                if record.record_num() != fields["record_id"]:
                    notes.append(f"record header id {record.record_num()} != EventRecordID {fields['record_id']}")
                records.append(fields)
    return records, bad_chunk, notes


def libevtx_fields(record):
    xml_text = record.xml_string
    root = ET.fromstring(xml_text)
    sys_ = root.find(NS + "System")
    names = [d.get("Name") for d in root.iter(NS + "Data")]
    # libevtx returns None for an empty string: normalise to "".
    strings = [record.get_string(i) or "" for i in range(record.number_of_strings)]
    if names and all(n is not None for n in names):
        data = {"kind": "named", "pairs": [[n, v] for n, v in zip(names, strings)]}
    else:
        data = {"kind": "unnamed", "values": strings}
    if record.get_written_time_as_integer() != record.get_creation_time_as_integer():
        raise ValueError("record header time differs from TimeCreated")
    return {
        "provider": record.source_name,
        "event_id": record.event_identifier,
        "qualifiers": record.event_identifier_qualifiers,
        "level": record.event_level,
        "task": int(sys_.find(NS + "Task").text),
        "keywords": int(sys_.find(NS + "Keywords").text, 16),
        "filetime": record.get_creation_time_as_integer(),
        "record_id": record.identifier,
        "channel": record.channel_name,
        "computer": record.computer_name,
        "data": data,
    }


def read_libevtx(path):
    """Records and recovered records in libevtx's order, whether it flags the file
    corrupted, and notes."""
    f = pyevtx.file()
    f.open(path)
    try:
        corrupted = bool(f.is_corrupted())
        notes = ["flags the file corrupted"] if corrupted else []
        records = [libevtx_fields(f.get_record(i)) for i in range(f.number_of_records)]
        recovered = [libevtx_fields(f.get_recovered_record(i)) for i in range(f.number_of_recovered_records)]
    finally:
        f.close()
    return records, recovered, corrupted, notes


FIELDS = ["provider", "event_id", "qualifiers", "level", "task", "keywords", "filetime",
          "record_id", "channel", "computer", "data"]


def compare(reader, name, got, expect_ids, by_id, problems):
    ids = [r["record_id"] for r in got]
    if ids != expect_ids:
        problems.append(f"{name}: {reader}: record ids {ids[:5]}...({len(ids)}) != expected {expect_ids[:5]}...({len(expect_ids)})")
    compared = 0
    for r in got:
        want = by_id.get(r["record_id"])
        if want is None:
            problems.append(f"{name}: {reader}: unexpected record {r['record_id']}")
            continue
        for key in FIELDS:
            if r[key] != want[key]:
                problems.append(f"{name}: {reader}: record {r['record_id']} {key}: {r[key]!r} != {want[key]!r}")
        compared += 1
    return compared


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2])
        return 2
    directory = argv[1]
    with open(os.path.join(directory, "expected.json"), encoding="utf-8") as fh:
        expected = json.load(fh)
    problems = []
    totals = {"python-evtx": 0, "libevtx": 0}
    seconds = {"python-evtx": 0.0, "libevtx": 0.0}
    for entry in expected["files"]:
        name = entry["file"]
        path = os.path.join(directory, name)
        by_id = {r["record_id"]: r for r in entry["records"]}
        expect = entry["expect"]

        started = time.perf_counter()
        try:
            records, noticed, notes = read_python_evtx(path)
        except Exception as e:  # a reader failure is a finding, not a crash
            records, noticed, notes = [], None, []
            problems.append(f"{name}: python-evtx failed: {e!r}")
        if noticed is not None and noticed != expect["python-evtx"]["notices_damage"]:
            problems.append(f"{name}: python-evtx: a chunk failing verify() is {noticed}, expected {expect['python-evtx']['notices_damage']}")
        seconds["python-evtx"] += time.perf_counter() - started
        n = compare("python-evtx", name, records, expect["python-evtx"]["record_ids"], by_id, problems)
        totals["python-evtx"] += n
        line = f"{name:28} python-evtx {n:4} records"
        if notes:
            line += " (" + "; ".join(sorted(set(notes))) + ")"
        print(line)

        started = time.perf_counter()
        try:
            records, recovered, noticed, notes = read_libevtx(path)
        except Exception as e:
            records, recovered, noticed, notes = [], [], None, []
            problems.append(f"{name}: libevtx failed: {e!r}")
        if noticed is not None and noticed != expect["libevtx"]["notices_damage"]:
            problems.append(f"{name}: libevtx: is_corrupted() is {noticed}, expected {expect['libevtx']['notices_damage']}")
        seconds["libevtx"] += time.perf_counter() - started
        n = compare("libevtx", name, records, expect["libevtx"]["record_ids"], by_id, problems)
        n += compare("libevtx (recovered)", name, recovered, expect["libevtx"]["recovered_ids"], by_id, problems)
        totals["libevtx"] += n
        line = f"{name:28} libevtx     {n:4} records"
        if recovered:
            line += f" ({len(recovered)} recovered)"
        if notes:
            line += " (" + "; ".join(notes) + ")"
        print(line)
        for reader in ("python-evtx", "libevtx"):
            why = expect[reader]["why"]
            if why:
                print(f"{'':28} {reader}: {why}")

    for p in problems:
        print("MISMATCH " + p)
    print(
        f"crosscheck: {len(expected['files'])} files; python-evtx {totals['python-evtx']} records "
        f"in {seconds['python-evtx']:.1f}s, libevtx {totals['libevtx']} records in "
        f"{seconds['libevtx']:.1f}s; {len(problems)} mismatches"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
