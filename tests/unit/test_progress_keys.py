"""Saved progress is a public interface: a learner's record must survive a new version.

An LMS keeps what the runtime saved (bookmark, suspend data) across package upgrades,
so the keys a lesson or quiz is saved under are pinned here, literally. If one of these
tests fails, a new version would lose learners' progress: keep the old keys instead.
"""

from __future__ import annotations

from builder.errors import Reporter
from builder.model import progress_keys
from builder.quizzes import quiz_keys
from builder.sources import load_course
from tests.support import SAMPLE_COURSE

LESSON_KEYS = {
    "ledgers-and-hashes/why-a-shared-ledger": "q2zka",
    "ledgers-and-hashes/cryptographic-hash-functions": "5ck3g",
    "ledgers-and-hashes/blocks-hash-chains-and-merkle-trees": "ke2tb",
    "keys-and-transactions/public-key-cryptography-and-signatures": "e3qes",
    "keys-and-transactions/wallets-addresses-and-keys": "2rfay",
    "keys-and-transactions/transactions-utxo-and-accounts": "yigfl",
    "consensus/peer-to-peer-networks-and-the-mempool": "t4hel",
    "consensus/proof-of-work": "22aow",
    "consensus/proof-of-stake-and-finality": "5zvns",
    "certification/final-exam": "6acaq",
}
"""Every lesson of the shipped course of release 0.1.0, with the key it is saved under."""

GRADED_QUIZ_KEYS = {
    "ledgers-and-hashes-quiz": "m2fsg",
    "keys-and-transactions-quiz": "vlfqp",
    "consensus-quiz": "xkkhi",
    "final-exam": "k3kxx",
}


def test_lesson_keys_are_pinned() -> None:
    course = load_course(SAMPLE_COURSE, Reporter())
    assert course is not None
    keys = progress_keys([lesson.id for lesson in course.lessons])
    assert {lesson_id: keys[lesson_id] for lesson_id in LESSON_KEYS} == LESSON_KEYS


def test_quiz_keys_are_pinned() -> None:
    course = load_course(SAMPLE_COURSE, Reporter())
    assert course is not None
    keys = quiz_keys(course)
    assert {quiz_id: keys[quiz_id] for quiz_id in GRADED_QUIZ_KEYS} == GRADED_QUIZ_KEYS


def test_a_key_depends_on_the_id_alone() -> None:
    """Adding or reordering lessons keeps every other lesson's key."""
    alone = progress_keys(["consensus/proof-of-work"])
    among = progress_keys(["a/new-lesson", "consensus/proof-of-work", "z/another"])
    assert alone["consensus/proof-of-work"] == among["consensus/proof-of-work"] == "22aow"
