#!/usr/bin/env python3
"""The Python peer: the jobs hotline does, done the way published Teddy Cup 2020-C solutions do them.

- ingest+tag: read the message files, jieba-segment every text, TF-IDF + LinearSVC predicts the 7 一级标签
- classify: the same pipeline trained and scored on a fixed split of labeled_raw.csv (+ labeled_segmented.csv)
- hotspots: TF-IDF + k-means over hotspot_messages.csv

Usage: python3 benches/peers/peer.py SHARED_DIR [--out peer.json] [--split-dir DIR]
Prints one JSON object with wall-clock seconds per job and the macro-F1. Installs its packages with pip.
With --split-dir it also writes the classification split it used (train.csv, test.csv: 留言主题, 留言详情,
一级标签) so hotline is trained and scored on exactly the same messages.
"""
import json
import subprocess
import sys
import time


def ensure(pkgs):
    missing = []
    for mod, pkg in pkgs:
        try:
            __import__(mod)
        except ImportError:
            missing.append(pkg)
    if missing:
        subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", *missing])


ensure([("jieba", "jieba"), ("sklearn", "scikit-learn"), ("numpy", "numpy")])

import csv  # noqa: E402
import hashlib  # noqa: E402
import os  # noqa: E402

import jieba  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

jieba.setLogLevel(60)


def read(path, cols):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [" ".join(r.get(c, "") or "" for c in cols).strip() for r in rows], rows


def seg(texts):
    return [" ".join(jieba.lcut(t)) for t in texts]


def split_of(text):
    """The same deterministic 80/20 split hotline's peer comparison uses: by a hash of the text."""
    return int(hashlib.sha1(text.encode("utf-8")).hexdigest(), 16) % 5 == 0


def main():
    shared = sys.argv[1] if len(sys.argv) > 1 else "../shared"
    out = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else None
    split_dir = sys.argv[sys.argv.index("--split-dir") + 1] if "--split-dir" in sys.argv else None
    d = os.path.join(shared, "datasets")
    result = {"peer": "python jieba + scikit-learn TF-IDF/LinearSVC/KMeans"}
    jieba.initialize()

    # classify: train on 80% (by text hash), score macro-F1 on the other 20% of labeled_raw
    t0 = time.perf_counter()
    raw_texts, raw_rows = read(os.path.join(d, "tipdm2020c/labeled_raw.csv"), ["留言主题", "留言详情"])
    raw_labels = [r["一级标签"] for r in raw_rows]
    seg_rows = list(csv.DictReader(open(os.path.join(d, "tipdm2020c/labeled_segmented.csv"), encoding="utf-8")))
    raw_seg = seg(raw_texts)
    train_x = [s for s, t in zip(raw_seg, raw_texts) if not split_of(t)]
    train_y = [y for y, t in zip(raw_labels, raw_texts) if not split_of(t)]
    test_x = [s for s, t in zip(raw_seg, raw_texts) if split_of(t)]
    test_y = [y for y, t in zip(raw_labels, raw_texts) if split_of(t)]
    if split_dir:
        os.makedirs(split_dir, exist_ok=True)
        for name, keep in [("train.csv", False), ("test.csv", True)]:
            with open(os.path.join(split_dir, name), "w", newline="", encoding="utf-8") as f:
                w = csv.writer(f)
                w.writerow(["留言主题", "留言详情", "一级标签"])
                for r, t in zip(raw_rows, raw_texts):
                    if split_of(t) == keep:
                        w.writerow([r.get("留言主题", ""), r.get("留言详情", ""), r["一级标签"]])
    test_set = set(test_x)
    for r in seg_rows:
        if r["分词文本"] not in test_set:
            train_x.append(r["分词文本"])
            train_y.append(r["一级标签"])
    vec = TfidfVectorizer(token_pattern=r"(?u)\S+", sublinear_tf=True, ngram_range=(1, 2), min_df=2)
    clf = LinearSVC(C=1.0)
    clf.fit(vec.fit_transform(train_x), train_y)
    pred = clf.predict(vec.transform(test_x))
    result["classify_seconds"] = time.perf_counter() - t0
    result["classify_macro_f1"] = float(f1_score(test_y, pred, average="macro"))
    result["classify_test_size"] = len(test_y)

    # ingest + tag: read the three message files, segment, predict the category of every message
    t0 = time.perf_counter()
    texts = []
    for f, cols in [
        ("tipdm2020c/hotspot_messages.csv", ["留言主题", "留言详情"]),
        ("tipdm2020c/replies.csv", ["留言主题", "留言详情"]),
        ("shangluo_mailbox/mails.csv", ["title", "query"]),
    ]:
        t, _ = read(os.path.join(d, f), cols)
        texts += t
    segs = seg(texts)
    clf.predict(vec.transform(segs))
    result["ingest_tag_seconds"] = time.perf_counter() - t0
    result["ingest_tag_cases"] = len(texts)
    result["ingest_tag_mb"] = sum(len(t.encode("utf-8")) for t in texts) / 1e6

    # hotspots: TF-IDF + k-means (k=100) over the hotspot-mining set
    t0 = time.perf_counter()
    hot, _ = read(os.path.join(d, "tipdm2020c/hotspot_messages.csv"), ["留言主题", "留言详情"])
    x = TfidfVectorizer(token_pattern=r"(?u)\S+", sublinear_tf=True, min_df=2).fit_transform(seg(hot))
    km = KMeans(n_clusters=100, n_init=1, max_iter=100, random_state=0).fit(x)
    sizes = np.bincount(km.labels_)
    result["hotspots_seconds"] = time.perf_counter() - t0
    result["hotspots_cases"] = len(hot)
    result["hotspots_largest_clusters"] = sorted(sizes.tolist(), reverse=True)[:5]

    text = json.dumps(result, ensure_ascii=False, indent=2)
    print(text)
    if out:
        with open(out, "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
