#!/usr/bin/env python3
"""Build the generated seed corpora for the fuzz targets (not committed; fuzz/run.sh calls this).

usage: make_seeds.py BUNDLES_DIR SHARED_DATA_DIR OUT_DIR

BUNDLES_DIR holds corpus-gen output (<scenario>/<machine>.zip); SHARED_DATA_DIR is ../shared/data
(may be missing). Writes OUT_DIR/<target>/<sha1> files, one per distinct seed. Seeds larger than
the target's max_len (see run.sh) are cut or skipped so that libFuzzer does not spend its time on
bytes it will never mutate.
"""

import base64
import hashlib
import os
import re
import sys
import zipfile

MEMBER_SEPARATOR = b"\xffMEMBER\xff"
MTA_SEPARATOR = b"\0MTA\0"

# Keep in step with MAX_LEN in run.sh.
MAX_LEN = {
    "certificate": 16384,
    "pkcs7": 65536,
    "reg": 131072,
    "certstore": 16384,
    "evtx": 200000,
    "evtx_filtered": 200000,
    "json_members": 65536,
    "zip_bundle": 262144,
    "analyze": 262144,
}


def put(out, target, data):
    if not data or len(data) > MAX_LEN[target]:
        return
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def text_variants(label, data):
    """PEM (LF and CRLF, UTF-8 and UTF-16LE with BOM) and bare Base64 forms of DER bytes."""
    if data[:1] != b"\x30":
        return
    b64 = base64.encodebytes(data).decode()
    pem = f"-----BEGIN {label}-----\n{b64}-----END {label}-----\n"
    yield pem.encode()
    yield pem.replace("\n", "\r\n").encode()
    yield b"\xff\xfe" + pem.replace("\n", "\r\n").encode("utf-16-le")
    yield b64.encode()


def reg_blobs(data):
    """The hex: values named Blob in a .reg export (UTF-16LE with BOM or UTF-8)."""
    try:
        text = data.decode("utf-16") if data[:2] == b"\xff\xfe" else data.decode("utf-8", "replace")
    except UnicodeDecodeError:
        return
    text = re.sub(r"\\\r?\n\s*", "", text)
    for m in re.finditer(r'^"Blob"=hex:([0-9a-fA-F,]*)', text, re.M):
        try:
            yield bytes(int(h, 16) for h in m.group(1).split(",") if h)
        except ValueError:
            pass


def seed_bundle(out, zpath):
    raw = open(zpath, "rb").read()
    put(out, "zip_bundle", raw)
    try:
        z = zipfile.ZipFile(zpath)
    except zipfile.BadZipFile:
        return
    members = {}
    for info in z.infolist():
        if info.is_dir():
            continue
        members[info.filename] = z.read(info)
    mta = None
    for name, data in members.items():
        low = name.lower()
        if low.endswith(".cer") or low.endswith(".crt"):
            put(out, "certificate", data)
            for v in text_variants("CERTIFICATE", data):
                put(out, "certificate", v)
        elif low.endswith(".p7b"):
            put(out, "pkcs7", data)
            for v in text_variants("PKCS7", data):
                put(out, "pkcs7", v)
        elif low.endswith(".reg"):
            put(out, "reg", data)
            for blob in reg_blobs(data):
                put(out, "certstore", blob)
        elif low.endswith(".json"):
            put(out, "json_members", data)
        elif low.endswith(".mta"):
            mta = data
    for name, data in members.items():
        if name.lower().endswith(".evtx"):
            put(out, "evtx", data[:MAX_LEN["evtx"]])
            filtered = data[: MAX_LEN["evtx_filtered"] - (len(mta) + 5 if mta else 0)]
            put(out, "evtx_filtered", filtered + (MTA_SEPARATOR + mta if mta else b""))
    # The analyze input: members in the MEMBER_SEPARATOR format (logs cut to keep it small).
    parts = []
    for name, data in sorted(members.items()):
        n = name.encode("utf-8")[:255]
        if name.lower().endswith(".evtx"):
            data = data[:69632]
        parts.append(bytes([len(n)]) + n + data)
    put(out, "analyze", MEMBER_SEPARATOR.join(parts))


def main():
    bundles, shared, out = sys.argv[1:4]
    for root, _dirs, files in os.walk(bundles):
        for f in sorted(files):
            if f.endswith(".zip"):
                seed_bundle(out, os.path.join(root, f))
    if os.path.isdir(shared):
        for f in sorted(os.listdir(os.path.join(shared, "evtx"))):
            if f.endswith(".evtx"):
                data = open(os.path.join(shared, "evtx", f), "rb").read()
                put(out, "evtx", data[: MAX_LEN["evtx"]])
                put(out, "evtx_filtered", data[: MAX_LEN["evtx_filtered"]])
        for f in sorted(os.listdir(os.path.join(shared, "p7b"))):
            data = open(os.path.join(shared, "p7b", f), "rb").read()
            put(out, "pkcs7", data)
            for v in text_variants("PKCS7", data):
                put(out, "pkcs7", v)
        for f in sorted(os.listdir(os.path.join(shared, "reg"))):
            data = open(os.path.join(shared, "reg", f), "rb").read()
            put(out, "reg", data)
    else:
        print(f"make_seeds: {shared} absent, seeds from the corpus scenarios only", file=sys.stderr)
    for t in sorted(MAX_LEN):
        d = os.path.join(out, t)
        n = len(os.listdir(d)) if os.path.isdir(d) else 0
        print(f"make_seeds: {t}: {n} seeds")


if __name__ == "__main__":
    main()
