"""Write fixtures/public/expected_values.json: the values public tests compare against that come
from the hidden-only oracles (tests/hidden/conftest.py). Staff-only: release does not ship tools/.

Run from the repository root after changing an oracle, a public fixture or a public test's inputs:
    .venv/bin/python solutions/06-data-preparation/tools/make_public_expected.py
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from autograder.expected_values import load_conftests, write_expected

TOPIC = Path(__file__).resolve().parents[1]



def main() -> int:
    pub, hid = load_conftests(TOPIC)
    names, texts = pub.load_licenses("public")

    # test_minhash_signature_matches_datasketch: the 5-gram shingles of the first public license
    shingles = hid.ref_word_ngrams(texts[0], 5)

    # test_lsh_candidates_match_datasketch: datasketch signatures (128 perms, seed 3) of every license's 5-grams
    signatures = [[int(v) for v in pub.ds_signature(hid.ref_word_ngrams(t, 5), 128, 3)] for t in texts]

    # test_minhash_dedup_licenses
    kept_licenses = hid.oracle_dedup(pub, texts, 128, 16, 8, 5, 0.7, 0)
    assert [names[i] for i in kept_licenses] == ["fsspec", "libdivide", "markdown-it-py", "requests"], kept_licenses

    # test_minhash_dedup_planted_duplicates: the same documents as the test builds
    rng = random.Random(5)
    pool = pub.word_pool(5, 400)
    originals = [pub.random_doc(rng, pool, 150) for _ in range(8)]
    docs = list(originals)
    for k in (1, 4, 4, 6):
        docs.append(pub.edit_words(originals[k], 0.02, rng, pool))
    kept_planted = hid.oracle_dedup(pub, docs, 64, 16, 4, 3, 0.8, 2)
    assert kept_planted == list(range(8)), kept_planted

    values = {
        "minhash_license": {"license": names[0], "ngram": 5, "shingles": shingles},
        "lsh_license_signatures": {"num_perm": 128, "seed": 3, "ngram": 5, "licenses": names,
                                   "signatures": signatures},
        "dedup_licenses_kept": kept_licenses,
        "dedup_planted_kept": kept_planted,
    }
    write_expected(TOPIC, values)
    return 0


if __name__ == "__main__":
    sys.exit(main())
