"""How long `sabaq i18n update` takes on a large catalog with edited paragraphs.

Prints figures; it asserts nothing. Run: .venv/bin/python benchmarks/i18n_update.py
"""

from __future__ import annotations

import random
import time

import polib

from builder.i18n import update_catalog

PARAGRAPHS = 1000
EDITED = 100


def paragraph(rng: random.Random, number: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(40, 90))]
    return f"Paragraph {number}: " + " ".join(words) + "."


WORDS = [
    "ledger",
    "block",
    "hash",
    "chain",
    "miner",
    "validator",
    "stake",
    "nonce",
    "wallet",
    "key",
    "signature",
    "transaction",
    "network",
    "peer",
    "consensus",
    "finality",
    "merkle",
    "tree",
    "root",
    "proof",
    "work",
    "difficulty",
    "reward",
    "fee",
    "mempool",
    "gossip",
    "node",
    "address",
    "seed",
    "phrase",
    "custody",
    "exchange",
    "rupee",
    "remittance",
    "khata",
]


def main() -> None:
    rng = random.Random(7)
    sources = [paragraph(rng, n) for n in range(PARAGRAPHS)]
    catalog = polib.POFile(wrapwidth=0)
    catalog.metadata = {"Project-Id-Version": "bench", "Language": "ur"}
    for text in sources:
        catalog.append(polib.POEntry(msgid=text, msgstr="ترجمہ " + text[:40]))
    edited = list(sources)
    for index in rng.sample(range(PARAGRAPHS), EDITED):
        words = edited[index].split()
        words[rng.randrange(2, len(words))] = "edited"
        edited[index] = " ".join(words)
    template = polib.POFile(wrapwidth=0)
    template.metadata = {"Project-Id-Version": "bench"}
    for text in edited:
        template.append(polib.POEntry(msgid=text, msgstr=""))

    start = time.perf_counter()
    _, result = update_catalog(catalog, template)
    seconds = time.perf_counter() - start
    print(f"update of {PARAGRAPHS} paragraphs with {EDITED} edited: {seconds * 1000:.1f} ms")
    print(
        f"  kept {result.kept}, fuzzy {result.fuzzy}, new {result.new}, obsolete {result.obsolete}"
    )


if __name__ == "__main__":
    main()
