"""`sabaq validate` on hostile packages: a located error and exit 1, never a hang or a traceback.

Each case is built here, small: the zip bomb is a deflate stream of zeros repeated
(1.5 MB that declares and expands to 1.5 GiB), the bounds that real files would take
long to reach are lowered for the test, and reading is watched with tracemalloc.
"""

from __future__ import annotations

import http.server
import os
import stat
import struct
import threading
import tracemalloc
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from builder import validate
from builder.cli import main
from builder.validate import validate_package

PAGE = "<!doctype html><title>Page</title><p>Hello</p>"
MIB = 1 << 20


def sabaq(*args: str) -> Result:
    return CliRunner().invoke(main, ["validate", *args])


def problems(package: Path) -> list[str]:
    return [problem.format() for problem in validate_package(package).problems]


def errors(package: Path) -> list[str]:
    return [problem.format() for problem in validate_package(package).errors]


def write_zip(path: Path, files: Mapping[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return path


def set_flag_of_last_entry(package: Path, flag: int) -> None:
    """Set a general purpose flag of the last entry, which zipfile would not write."""
    with zipfile.ZipFile(package) as archive:
        local = archive.infolist()[-1].header_offset
    data = bytearray(package.read_bytes())
    central = data.rindex(b"PK\x01\x02")
    for at in (local + 6, central + 8):
        (flags,) = struct.unpack_from("<H", data, at)
        struct.pack_into("<H", data, at, flags | flag)
    package.write_bytes(data)


def website(**files: str | bytes) -> dict[str, str | bytes]:
    return {"index.html": PAGE, **{name.replace("__", "/"): data for name, data in files.items()}}


# --------------------------------------------------------------------------- zip bombs


def zip_bomb(path: Path, mebibytes: int, *, lie: bool = False) -> int:
    """A zip whose bomb.html deflates ``mebibytes`` MiB of zeros; its compressed size.

    One MiB of zeros is deflated once, ending in a full flush, so the same bytes can be
    repeated: the archive is written with zipfile as a stored entry and its headers are
    then made to say deflated, with the true CRC and size (or, with ``lie``, a size as
    small as the compressed one, so that the entry looks like stored media).
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = bytes(MIB)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    payload = block * mebibytes + b"\x03\x00"  # an empty final block
    crc = 0
    for _ in range(mebibytes):
        crc = zlib.crc32(zeros, crc)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("index.html", PAGE)
        archive.writestr("bomb.html", payload)
        offset = archive.getinfo("bomb.html").header_offset
    data = bytearray(path.read_bytes())
    size = len(payload) if lie else mebibytes * MIB
    struct.pack_into("<HxxxxIII", data, offset + 8, zipfile.ZIP_DEFLATED, crc, len(payload), size)
    central = data.rindex(b"PK\x01\x02")  # bomb.html's record, the last one
    struct.pack_into("<HxxxxIII", data, central + 10, zipfile.ZIP_DEFLATED, crc, len(payload), size)
    path.write_bytes(data)
    return len(payload)


def peak_memory_of(package: Path) -> tuple[list[str], int]:
    tracemalloc.start()
    try:
        found = problems(package)
        return found, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_zip_bomb_is_refused_at_its_entry_without_expanding_it(tmp_path: Path) -> None:
    package = tmp_path / "bomb.zip"
    compressed = zip_bomb(package, 1536)
    assert package.stat().st_size < 2 * MIB
    found, peak = peak_memory_of(package)
    assert found[0].startswith("warning[package.no-manifest]")  # an offline website
    assert found[1:] == [
        f"bomb.html: error[zip.bomb]: entry 'bomb.html' expands more than 200 times over (from "
        f"{compressed / MIB:,.1f} MB), as zip bombs do and no course file does; it was not "
        "extracted",
    ]
    assert peak < 50 * MIB
    result = sabaq(str(package))
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "error[zip.bomb]: entry 'bomb.html' expands more than 200 times" in result.stdout


def test_a_bomb_that_declares_a_small_size_is_stopped_at_that_size(tmp_path: Path) -> None:
    package = tmp_path / "liar.zip"
    zip_bomb(package, 1536, lie=True)
    found, peak = peak_memory_of(package)
    assert found[1:] == [
        "bomb.html: error[zip.corrupt]: entry 'bomb.html' cannot be extracted (Bad CRC-32 for "
        "file 'bomb.html')"
    ]
    assert peak < 50 * MIB
    assert sabaq(str(package)).exit_code == 1


def test_bytes_are_counted_as_they_are_read_whatever_the_sizes_say(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What the central directory says is checked first; with that check out of the
    # way, the bomb is still stopped by the bytes actually read.
    monkeypatch.setattr(validate, "_refusal", lambda info: None)
    package = tmp_path / "bomb.zip"
    zip_bomb(package, 1536)
    found, peak = peak_memory_of(package)
    assert found[1:] == [
        f"bomb.html: error[zip.bomb]: entry 'bomb.html' expands more than 200 times over (from "
        f"{zipfile.ZipFile(package).getinfo('bomb.html').compress_size / MIB:,.1f} MB), as zip "
        "bombs do and no course file does; it was not extracted"
    ]
    assert peak < 50 * MIB


def test_an_entry_beyond_the_size_cap_is_not_extracted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(validate, "MAX_ENTRY_BYTES", 2 * MIB)
    package = write_zip(tmp_path / "big.zip", website(**{"video.mp4": os.urandom(3 * MIB)}))
    assert errors(package) == [
        "video.mp4: error[zip.entry-too-large]: entry 'video.mp4' expands beyond 2 MB, more "
        "than any course file needs; it was not extracted"
    ]
    assert sabaq(str(package)).exit_code == 1


def test_the_whole_package_is_capped_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validate, "MAX_PACKAGE_BYTES", 3 * MIB)
    media = {f"m{n}.bin": os.urandom(MIB + MIB // 2) for n in range(4)}
    package = write_zip(tmp_path / "many.zip", {"index.html": PAGE, **media})
    assert errors(package) == [
        "m1.bin: error[zip.package-too-large]: the entries expand beyond 3 MB in all, more than "
        "any course, at entry 'm1.bin'; it and the 2 entries after it were not extracted"
    ]


def test_overlapping_entries_are_refused(tmp_path: Path) -> None:
    package = write_zip(tmp_path / "overlap.zip", {"index.html": PAGE, "copy.html": PAGE})
    data = bytearray(package.read_bytes())
    central = data.rindex(b"PK\x01\x02")  # copy.html's record now points at index.html
    struct.pack_into("<I", data, central + 42, 0)
    package.write_bytes(data)
    assert errors(package) == [
        "copy.html: error[zip.overlapping-entries]: entry 'copy.html' lies inside entry "
        "'index.html' in the archive; no zip tool writes overlapping entries, zip bombs do, to "
        "unpack the same data many times; it was not extracted"
    ]


def test_a_zip_listing_too_many_entries_is_not_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(validate, "MAX_ENTRIES", 10)
    package = write_zip(tmp_path / "many.zip", {f"{n}.html": PAGE for n in range(11)})
    assert problems(package) == [
        "error[zip.too-many-entries]: the zip holds more than 10 entries, more than any "
        "course; it was not read"
    ]
    assert sabaq(str(package)).exit_code == 1


# --------------------------------------------------------------------------- entries an LMS cannot read


def test_an_encrypted_entry_is_reported_not_a_traceback(tmp_path: Path) -> None:
    package = write_zip(
        tmp_path / "secret.zip", {"index.html": PAGE, "secret.html": b"\x00" * 12 + b"cipher"}
    )
    set_flag_of_last_entry(package, 0x1)  # encrypted
    assert errors(package) == [
        "secret.html: error[zip.encrypted]: entry 'secret.html' is encrypted; an LMS cannot "
        "read encrypted entries (zip the package without a password)"
    ]
    result = sabaq(str(package))
    assert result.exit_code == 1
    assert "Traceback" not in result.output


def test_entries_compressed_with_other_methods_are_not_extracted(tmp_path: Path) -> None:
    package = tmp_path / "bzip2.zip"
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("index.html", PAGE)
        archive.writestr("data.bin", b"\x00" * 1000, compress_type=zipfile.ZIP_BZIP2)
    assert errors(package) == [
        "data.bin: error[zip.compression]: entry 'data.bin' is compressed with bzip2 (method "
        "12); packages must be plain zip files (PKZIP 2.04g: stored or deflated entries only), "
        "and LMSs and unzip tools may not extract it; it was not extracted"
    ]


def test_a_symbolic_link_entry_is_reported(tmp_path: Path) -> None:
    package = tmp_path / "link.zip"
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("index.html", PAGE)
        info = zipfile.ZipInfo("passwd.html")
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/passwd")
    assert errors(package) == [
        "passwd.html: error[zip.symlink]: entry 'passwd.html' is a symbolic link; unzip "
        "recreates the link, which can point outside the course folder, and other tools "
        "extract it as a small file holding the link's target; it was not extracted"
    ]


def test_a_name_marked_utf8_that_is_not_is_reported(tmp_path: Path) -> None:
    package = write_zip(tmp_path / "names.zip", {"x.html": PAGE})
    set_flag_of_last_entry(package, 0x800)  # the name is UTF-8
    package.write_bytes(package.read_bytes().replace(b"x.html", b"\xff.html"))
    assert problems(package) == [
        "error[zip.corrupt]: the package is not a readable zip archive (an entry's name is "
        "marked UTF-8 but is not: invalid start byte at byte 0); LMSs accept packages only as "
        "zip files"
    ]


def test_control_characters_in_names_cannot_forge_report_lines(tmp_path: Path) -> None:
    package = write_zip(
        tmp_path / "forged.zip",
        website(**{"a\nimsmanifest.xml:1: error[x]: y.html": "<img src='missing.png'>"}),
    )
    lines = sabaq(str(package)).stdout.splitlines()
    assert lines[-1] == (
        "a\\u000aimsmanifest.xml:1: error[x]: y.html:1: error[html.missing-file]: <img> points "
        "to 'missing.png', which is not in the package"
    )


# --------------------------------------------------------------------------- unpacked folders


def folder(tmp_path: Path, files: Mapping[str, str] | None = None) -> Path:
    root = tmp_path / "course"
    for name, text in {"index.html": PAGE, **(files or {})}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_a_symbolic_link_out_of_the_folder_is_reported_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.html"
    outside.write_text("<img src='https://tracker.example/p.png'>", encoding="utf-8")
    root = folder(tmp_path, {"inside.html": PAGE})
    (root / "secret.html").symlink_to(outside)
    (root / "alias.html").symlink_to("inside.html")  # inside the folder: followed
    (root / "up").symlink_to("..", target_is_directory=True)
    assert problems(root)[1:] == [
        f"secret.html: error[package.symlink-outside]: 'secret.html' is a symbolic link to "
        f"'{outside}', outside the package folder; it was not followed (zipping the folder "
        "would put that outside file in the package)",
        "up: error[package.symlink-outside]: 'up' is a symbolic link to '..', outside the "
        "package folder; it was not followed (zipping the folder would put that outside file "
        "in the package)",
    ]
    assert sabaq(str(root)).exit_code == 1


def test_a_named_pipe_is_reported_and_never_opened(tmp_path: Path) -> None:
    root = folder(tmp_path)
    os.mkfifo(root / "pipe.html")  # opening it to read would wait for a writer forever
    (root / "link.html").symlink_to("pipe.html")
    assert problems(root)[1:] == [
        "link.html: error[package.not-a-file]: 'link.html' is a named pipe (FIFO), not a "
        "regular file; it was not opened (a package holds only files and folders)",
        "pipe.html: error[package.not-a-file]: 'pipe.html' is a named pipe (FIFO), not a "
        "regular file; it was not opened (a package holds only files and folders)",
    ]
    result = sabaq(str(root))
    assert result.exit_code == 1


def test_a_named_pipe_given_as_the_package_is_not_opened(tmp_path: Path) -> None:
    pipe = tmp_path / "course.zip"
    os.mkfifo(pipe)
    result = sabaq(str(pipe))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1:] == [
        "error[package.not-a-file]: the package is a named pipe (FIFO), not a zip file or a "
        "folder; it was not read"
    ]


def test_the_walk_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validate, "MAX_FOLDER_DEPTH", 3)
    monkeypatch.setattr(validate, "MAX_ENTRIES", 8)
    root = folder(tmp_path, {"a/b/c/d/deep.html": PAGE})
    assert errors(root) == [
        "a/b/c/d: error[package.too-deep]: the folder 'a/b/c/d/' is nested more than 3 folders "
        "deep, deeper than any course; it was not checked"
    ]
    for n in range(8):
        (root / f"{n}.html").write_text(PAGE, encoding="utf-8")
    assert errors(root)[0] == (
        "error[package.too-many-files]: the package holds more than 8 files and folders, more "
        "than any course; the rest were not checked"
    )


def test_a_document_too_large_to_parse_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(validate, "MAX_DOCUMENT_BYTES", MIB)
    root = folder(tmp_path)
    with (root / "huge.html").open("wb") as sparse:
        sparse.truncate(3 * 1024 * MIB)  # 3 GiB that take no disk: never read
    expected = (
        "huge.html: error[package.file-too-large]: 'huge.html' is larger than 1 MB, more than "
        "any page, stylesheet or XML file of a course; it was not checked"
    )
    found, peak = peak_memory_of(root)
    assert found[1:] == [expected]
    assert peak < 50 * MIB


# --------------------------------------------------------------------------- network loads in pages

PAGES: dict[str, tuple[dict[str, str], list[str]]] = {
    "srcset": (
        {"index.html": '<img src="a.png"\n srcset="a.png 1x, https://cdn.example/a2.png 2x">'},
        [
            "index.html:2: error[html.missing-file]: <img> points to 'a.png', which is not in "
            "the package",
            "index.html:2: error[html.missing-file]: <img srcset> points to 'a.png', which is "
            "not in the package",
            "index.html:2: error[html.network-resource]: <img srcset> loads "
            "'https://cdn.example/a2.png' from the network; the page breaks where campus links "
            "are slow or filtered (put the file in the package)",
        ],
    ),
    "picture source": (
        {"index.html": '<picture>\n<source srcset="//cdn.example/a.webp">\n</picture>'},
        [
            "index.html:2: error[html.network-resource]: <source srcset> loads "
            "'//cdn.example/a.webp' from the network; the page breaks where campus links are "
            "slow or filtered (put the file in the package)"
        ],
    ),
    "style element": (
        {
            "index.html": "<style>\np { color: red }\n"
            "body { background: url('https://cdn.example/bg.png') }\n</style>"
        },
        [
            "index.html:3: error[html.network-resource]: <style> url() loads "
            "'https://cdn.example/bg.png' from the network; the page breaks where campus links "
            "are slow or filtered (put the file in the package)"
        ],
    ),
    "style attribute": (
        {"index.html": '<p>\n<span style="background:url(http://cdn.example/x.png)">x</span>'},
        [
            "index.html:2: error[html.network-resource]: <span style> url() loads "
            "'http://cdn.example/x.png' from the network; the page breaks where campus links "
            "are slow or filtered (put the file in the package)"
        ],
    ),
    "linked stylesheet and @import": (
        {
            "index.html": '<link rel="stylesheet" href="css/site.css">',
            "css/site.css": '@import "https://fonts.example/css?family=X";\n'
            "/* url(https://ignored.example/comment.png) */\n"
            "h1 { background: url(../img/logo.png) }\n"
            'h2 { background: u\\72 l("http\\3a //cdn.example/hidden.png") }\n'
            'h3 { content: "/*"; background: url(img/missing.png) }\n',
            "img/logo.png": "",
        },
        [
            "css/site.css:1: error[css.network-resource]: @import loads "
            "'https://fonts.example/css?family=X' from the network; the page breaks where "
            "campus links are slow or filtered (put the file in the package)",
            "css/site.css:4: error[css.network-resource]: url() loads "
            "'http://cdn.example/hidden.png' from the network; the page breaks where campus "
            "links are slow or filtered (put the file in the package)",
            "css/site.css:5: error[css.missing-file]: url() points to 'img/missing.png', which "
            "is not in the package",
        ],
    ),
    "image-set, and what fetches nothing": (
        {
            "index.html": '<link rel="stylesheet" href="a.css">',
            "a.css": "@namespace svg url(http://www.w3.org/2000/svg);\n"
            "p { fill: url(#grad); background: url(data:image/png;base64,AAAA) }\n"
            "q { content: 'url(http://not.fetched/x.png)' }\n"
            'h1 { background: -webkit-image-set("https://cdn.example/a.png" 1x) }\n',
        },
        [
            "a.css:4: error[css.network-resource]: image-set() loads "
            "'https://cdn.example/a.png' from the network; the page breaks where campus links "
            "are slow or filtered (put the file in the package)"
        ],
    ),
    "base outside": (
        {
            "index.html": '<head>\n<base href="https://cdn.example/course/">\n</head>\n'
            '<img src="a.png"><img src="http://other.example/b.png">'
        },
        [
            "index.html:2: error[html.network-base]: <base> makes "
            "'https://cdn.example/course/' the address every relative link and file of the "
            "page is fetched from, so they all load from the network; the page breaks where "
            "campus links are slow or filtered (remove the <base>)",
            "index.html:4: error[html.network-resource]: <img> loads "
            "'http://other.example/b.png' from the network; the page breaks where campus links "
            "are slow or filtered (put the file in the package)",
        ],
    ),
    "base inside": (
        {
            "index.html": '<base href="content/">\n<img src="a.png">\n<img src="b.png">',
            "content/a.png": "",
        },
        [
            "index.html:3: error[html.missing-file]: <img> points to 'b.png', which is not in "
            "the package"
        ],
    ),
    "backslashes and srcdoc": (
        {
            "index.html": '<img src="\\\\cdn.example\\x.png">\n'
            "<iframe srcdoc=\"<script src='https://cdn.example/x.js'></script>\"></iframe>"
        },
        [
            "index.html:1: error[html.network-resource]: <img> loads '\\\\cdn.example\\x.png' "
            "from the network; the page breaks where campus links are slow or filtered (put "
            "the file in the package)",
            "index.html:2: error[html.network-resource]: <script> loads "
            "'https://cdn.example/x.js' from the network; the page breaks where campus links "
            "are slow or filtered (put the file in the package)",
        ],
    ),
    "svg": (
        {
            "drawing.svg": '<svg xmlns="http://www.w3.org/2000/svg" '
            'xmlns:xlink="http://www.w3.org/1999/xlink">\n'
            "<script>alert(1)</script>\n"
            '<image xlink:href="https://cdn.example/p.png"/>\n'
            '<image href="photo.png"/><image href="missing.png"/>\n'
            '<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">label</div></foreignObject>\n'
            "</svg>",
            "photo.png": "",
        },
        [
            "drawing.svg:2: error[svg.active]: the SVG holds a <script> element, which could "
            "run or fetch something in the learner's browser",
            "drawing.svg:3: error[svg.network-resource]: the SVG loads "
            "'https://cdn.example/p.png' from the network; the page breaks where campus links "
            "are slow or filtered (put the file in the package)",
            "drawing.svg:4: error[svg.missing-file]: the SVG points to 'missing.png', which is "
            "not in the package",
        ],
    ),
    "broken URLs": (
        {"index.html": '<img src="http://[::1">\n<a href="https://[x">link</a>'},
        [],
    ),
}


@pytest.mark.parametrize(("files", "expected"), PAGES.values(), ids=PAGES.keys())
def test_every_network_load_in_pages_is_found_at_its_line(
    tmp_path: Path, files: dict[str, str], expected: list[str]
) -> None:
    package = write_zip(tmp_path / "site.zip", {"index.html": PAGE, **files})
    assert errors(package) == expected
    result = sabaq(str(package))
    assert result.exit_code == (1 if expected else 0)
    assert result.exception is None or isinstance(result.exception, SystemExit)


# --------------------------------------------------------------------------- XML and reports


def test_an_entity_bomb_in_the_manifest_is_refused_by_the_parser(tmp_path: Path) -> None:
    entities = "".join(
        f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">' for n in range(9)
    )
    manifest = (
        f'<?xml version="1.0"?>\n<!DOCTYPE manifest [<!ENTITY a "{"a" * 50}">{entities}]>\n'
        '<manifest xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2">&j;</manifest>'
    )
    package = write_zip(tmp_path / "laughs.zip", {"imsmanifest.xml": manifest})
    assert problems(package) == [
        "imsmanifest.xml:1: error[xml.malformed]: not well-formed XML: Maximum entity "
        "amplification factor exceeded, see xmlCtxtSetMaxAmplification., line 1, column 4"
    ]


def test_schemas_never_fetch_what_is_not_in_the_local_folder(tmp_path: Path) -> None:
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        schema = tmp_path / "schemas" / "scorm12" / "_driver.xsd"
        schema.parent.mkdir(parents=True)
        schema.write_text(
            '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">\n'
            '<xs:import namespace="urn:x" schemaLocation="http://127.0.0.1:'
            f'{server.server_address[1]}/remote.xsd"/>\n'
            '<xs:element name="r"/>\n</xs:schema>',
            encoding="utf-8",
        )
        validate._load_schema(schema)
    finally:
        server.shutdown()
    assert requests == []


def test_the_list_of_problems_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validate, "MAX_LISTED_PROBLEMS", 3)
    images = "\n".join(f'<img src="{n}.png">' for n in range(7))
    found = problems(write_zip(tmp_path / "site.zip", {"index.html": images}))
    assert len(found) == 4
    assert found[-1] == (
        "error[package.too-many-problems]: 5 more problems were found and not listed (only the "
        "first 3 are)"
    )
