#!/usr/bin/env python3
"""The department-routing peer: character TF-IDF (1-3) + LinearSVC, trained and scored on the split
`hotline eval route --dump-split DIR` wrote (DIR/train.csv, DIR/test.csv: id, received_at, text,
department), so both learners see exactly the same cases.

Usage: python3 benches/peers/route_peer.py DIR
Prints top1= and top3= on test.csv (a department never seen in train.csv is a miss, as in hotline).
Installs scikit-learn with pip when missing.
"""
import csv
import subprocess
import sys

try:
    import sklearn  # noqa: F401
except ImportError:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "scikit-learn"])

import numpy as np  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], [r["department"] for r in rows]


def main():
    d = sys.argv[1]
    train_x, train_y = read(f"{d}/train.csv")
    test_x, test_y = read(f"{d}/test.csv")
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
    xtr = vec.fit_transform(train_x)
    clf = LinearSVC(C=1.0).fit(xtr, train_y)
    scores = clf.decision_function(vec.transform(test_x))
    top = np.argsort(-scores, axis=1)[:, :3]
    classes = clf.classes_
    top1 = np.mean([classes[t[0]] == y for t, y in zip(top, test_y)])
    top3 = np.mean([y in classes[t] for t, y in zip(top, test_y)])
    print(f"peer=char-tfidf(1-3)+LinearSVC train={len(train_y)} test={len(test_y)} "
          f"departments={len(classes)}")
    print(f"top1={top1:.4f}")
    print(f"top3={top3:.4f}")


if __name__ == "__main__":
    main()
