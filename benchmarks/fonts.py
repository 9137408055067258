"""How long font subsetting takes, cold (empty cache) and warm (cache hit), and how big.

    .venv/bin/python benchmarks/fonts.py

Prints figures only; the tests never assert on time.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from builder.errors import Reporter
from builder.fonts import FontBundle, find_font, package_fonts, subset_font, system_font_dirs
from builder.locales import LocaleInfo, get_locale

URDU = (
    "بلاک چین ایک مشترکہ کھاتہ ہے جسے بہت سے کمپیوٹر مل کر سنبھالتے ہیں۔ ہر بلاک میں لین دین کا ریکارڈ،"
    " پچھلے بلاک کا ہیش اور وقت کی مہر ہوتی ہے۔ ڈیجیٹل دستخط یہ ثابت کرتے ہیں کہ رقم بھیجنے والا واقعی"
    " اس کا مالک ہے؟ ہیش فنکشن متن میں ذرا سی تبدیلی پر مکمل طور پر بدل جاتا ہے؛ اسمارٹ کنٹریکٹ"
    " طے شدہ شرائط پوری ہونے پر خود بخود چلتا ہے۔ ژالہ باری، ظاہر، عظیم، ضمانت، ثقافت، غیر متوقع۔"
)
SINDHI = "سنڌي ٻولي ۾ ڪمپيوٽر، ڄاڻ، ڳالهه ۽ بلاڪ چين جي ڄاڻ: هر بلاڪ ۾ اڳئين بلاڪ جو هيش هوندو آهي."
LESSON_WORDS = 3000


def lesson(paragraph: str) -> str:
    words = paragraph.split()
    return " ".join(words[i % len(words)] for i in range(LESSON_WORDS))


def timed(label: str, run: Callable[[], bytes | FontBundle]) -> None:
    start = time.perf_counter()
    result = run()
    elapsed = time.perf_counter() - start
    size = len(result) if isinstance(result, bytes) else result.font_bytes
    print(f"  {label:<40} {elapsed:7.2f} s  {size / 1000:7.1f} KB")


def main() -> None:
    dirs = system_font_dirs()
    for tag, paragraph in (("ur", URDU), ("sd", SINDHI)):
        info = get_locale(tag)
        path = find_font(info, dirs)
        if path is None:
            print(f"{info.english_name}: no font found (install Debian's fonts-noto-core)")
            continue
        print(f"{info.english_name}: {path.name}, a lesson of {LESSON_WORDS} words")
        with tempfile.TemporaryDirectory() as cache_name:
            bench(info, path, lesson(paragraph), dirs, Path(cache_name))


def bench(info: LocaleInfo, path: Path, text: str, dirs: tuple[Path, ...], cache: Path) -> None:
    timed("subset_font, cold", lambda: subset_font(path, text, cache))
    timed("subset_font, warm", lambda: subset_font(path, text, cache))

    # Regular comes from the cache filled above; Bold is made the first time.
    def package() -> FontBundle:
        return package_fonts(info, [text], dirs, Reporter(), cache)

    timed("package_fonts, Regular + Bold, first", package)
    timed("package_fonts, Regular + Bold, again", package)


if __name__ == "__main__":
    main()
