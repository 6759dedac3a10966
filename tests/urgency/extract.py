#!/usr/bin/env python3
"""Draw seeded random samples of letters that contain danger words, for blind urgency labelling.

Reads the shared datasets ($HOTLINE_SHARED, else /work/shared, else ../shared) and prints
`file,id,title,text` CSV rows: only the letter (title + text), never the office's reply.

  python3 tests/urgency/extract.py --source tipdm --n 150 --seed 14
  python3 tests/urgency/extract.py --source replies --n 60 --seed 141 --words strong_words.txt --exclude labels.csv
  python3 tests/urgency/extract.py --source shangluo --n 20 --seed 60 --relabel samples.csv
"""
import argparse
import csv
import os
import random
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# source name -> list of (file, id column, title column, text column)
SOURCES = {
    "tipdm": [
        ("tipdm2020c/hotspot_messages.csv", "留言编号", "留言主题", "留言详情"),
        ("tipdm2020c/labeled_raw.csv", "留言编号", "留言主题", "留言详情"),
    ],
    "replies": [("tipdm2020c/replies.csv", "留言编号", "留言主题", "留言详情")],
    "shangluo": [("shangluo_mailbox/mails.csv", "mail_id", "title", "query")],
}


def shared_datasets():
    env = os.environ.get("HOTLINE_SHARED")
    for root in ([env] if env else []) + ["/work/shared", os.path.join(HERE, "../../../shared")]:
        d = os.path.join(root, "datasets")
        if os.path.isdir(d):
            return d
    sys.exit("shared datasets not found (set HOTLINE_SHARED)")


def load_words(name):
    path = name if os.path.isabs(name) else os.path.join(HERE, name)
    with open(path, encoding="utf-8") as f:
        return [w.strip() for w in f if w.strip() and not w.startswith("#")]


def load_exclude(paths, samples=None):
    """(file, id) keys of the given csv files; of samples.csv only the rows of the named samples."""
    seen = set()
    for p in paths:
        p = p if os.path.isabs(p) else os.path.join(HERE, p)
        if os.path.exists(p):
            with open(p, encoding="utf-8", newline="") as f:
                for row in csv.DictReader(f):
                    if samples is None or row.get("sample") in samples:
                        seen.add((row["file"], row["id"]))
    return seen


def norm(s):
    return re.sub(r"\s+", "", s or "")


def candidates(datasets, source, words):
    """All (file, id, title, text) rows of a source holding a danger word, duplicate texts dropped."""
    out, texts = [], set()
    for file, idc, tc, xc in SOURCES[source]:
        with open(os.path.join(datasets, file), encoding="utf-8-sig", newline="") as f:
            for row in csv.DictReader(f):
                if not (row[idc] or "").strip():
                    continue  # labeled_raw.csv has rows without 留言编号; they cannot be cited
                title, text = norm(row[tc]), norm(row[xc])
                key = title + "|" + text
                if key in texts:
                    continue
                if any(w in title or w in text for w in words):
                    texts.add(key)
                    out.append((file, row[idc].strip(), title, text))
    return out


def relabel(a):
    """Print --n already-labelled letters of --source, in a new seeded order, without their labels."""
    keep = load_exclude([a.relabel]) - load_exclude(a.exclude)
    if a.exclude_samples:
        keep -= load_exclude(["samples.csv", "relabel.csv"], set(a.exclude_samples.split(",")))
    words = load_words(a.words) if a.words else [""]
    rows = [r for r in candidates(shared_datasets(), a.source, words) if (r[0], r[1]) in keep]
    rows.sort(key=lambda r: (r[0], r[1]))
    random.Random(a.seed).shuffle(rows)
    w = csv.writer(sys.stdout)
    w.writerow(["file", "id", "title", "text"])
    for file, id_, title, text in rows[: a.n]:
        w.writerow([file, id_, title, text[: a.maxlen]])


def check(paths):
    """Every (file, id) of the given label files names exactly one letter of the dataset."""
    datasets, bad = shared_datasets(), 0
    counts = {}
    for source in SOURCES.values():
        for file, idc, _, _ in source:
            with open(os.path.join(datasets, file), encoding="utf-8-sig", newline="") as f:
                for row in csv.DictReader(f):
                    key = (file, (row[idc] or "").strip())
                    counts[key] = counts.get(key, 0) + 1
    for p in paths:
        for key in sorted(load_exclude([p])):
            if counts.get(key, 0) != 1:
                bad += 1
                print(f"{p}: {key[0]},{key[1]} names {counts.get(key, 0)} letters")
    print("ok" if not bad else f"{bad} bad keys")
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", default="tipdm", choices=sorted(SOURCES))
    ap.add_argument("--n", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--words", help="word list (default danger_words.txt; with --relabel: no filter)")
    ap.add_argument("--exclude", action="append", default=[], help="labels csv whose (file,id) to skip")
    ap.add_argument("--exclude-samples", default="", help="comma list: skip the letters of these samples of samples.csv")
    ap.add_argument("--maxlen", type=int, default=400, help="cut text to this many characters")
    ap.add_argument("--count", action="store_true", help="only print the number of candidates")
    ap.add_argument("--check", action="store_true", help="check that labels.csv and relabel.csv ids are unique")
    ap.add_argument("--relabel", metavar="LABELS", help="draw --n letters of this labels csv instead, labels hidden")
    a = ap.parse_args()
    if a.check:
        sys.exit(1 if check(["labels.csv", "relabel.csv"]) else 0)
    if a.relabel:
        relabel(a)
        return
    words = load_words(a.words or "danger_words.txt")
    rows = candidates(shared_datasets(), a.source, words)
    if a.count:
        print(len(rows))
        return
    skip = load_exclude(a.exclude)
    if a.exclude_samples:
        skip |= load_exclude(["samples.csv", "relabel.csv"], set(a.exclude_samples.split(",")))
    rows = [r for r in rows if (r[0], r[1]) not in skip]
    random.Random(a.seed).shuffle(rows)
    w = csv.writer(sys.stdout)
    w.writerow(["file", "id", "title", "text"])
    for file, id_, title, text in rows[: a.n]:
        w.writerow([file, id_, title, text[: a.maxlen]])


if __name__ == "__main__":
    main()
