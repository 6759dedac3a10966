#!/usr/bin/env python3
"""The topic peer on the leave-one-source-out split: a character TF-IDF (1-3) + LinearSVC trained on
the hand-labelled rows of two sources and scored on the third, on exactly the rows `hotline eval
topics --hold-out-source all --split-dir DIR` trained and tested on (DIR/SOURCE-train.csv: the
training-role rows of the other two sources; DIR/SOURCE-test.csv: the testing-role rows of SOURCE;
DIR/SOURCE-test-all.csv: every labelled row of SOURCE; all text,topic).

Usage: python3 benches/peers/topics_loso.py DIR
Prints peer_holdout_accuracy_SOURCE= and peer_holdout_all_accuracy_SOURCE= per rotation. Installs scikit-learn with pip if missing.
"""
import csv
import os
import subprocess
import sys

try:
    import sklearn  # noqa: F401
except ImportError:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "scikit-learn"])

from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], [r["topic"] for r in rows]


def main():
    d = sys.argv[1]
    for source in ["tipdm", "replies", "shangluo"]:
        train = os.path.join(d, f"{source}-train.csv")
        if not os.path.exists(train):
            continue
        tx, ty = read(train)
        vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2)
        clf = LinearSVC(C=1.0)
        clf.fit(vec.fit_transform(tx), ty)
        for kind, suffix in [("", "test"), ("_all", "test-all")]:
            sx, sy = read(os.path.join(d, f"{source}-{suffix}.csv"))
            pred = clf.predict(vec.transform(sx))
            ok = sum(p == g for p, g in zip(pred, sy))
            other = sum(p == "other" for p in pred) / len(sy)
            print(
                f"peer_holdout{kind}_source={source} train={len(ty)} test={len(sy)} "
                f"predicted_other={other:.4f}"
            )
            print(f"peer_holdout{kind}_accuracy_{source}={ok / len(sy):.4f}")


if __name__ == "__main__":
    main()
