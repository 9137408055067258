"""`sabaq validate`: offline checks of any package, and the traps that break Moodle imports."""

from __future__ import annotations

import json
import warnings
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from builder.build import build
from builder.validate import validate_package
from tests.support import REPO, ROOTS, sabaq

SCHEMAS = REPO.parent / "shared" / "schemas"
PAGE = "<!doctype html><title>Page</title><p>Hello</p>"

SCORM12 = """\
<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="m" version="1" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
          xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>1.2</schemaversion>
  </metadata>
  <organizations default="org">
    <organization identifier="org">
      <title>Course</title>
      <item identifier="item" identifierref="sco">
        <title>Lesson</title>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="sco" type="webcontent" adlcp:scormtype="sco" href="index.html">
      <file href="index.html"/>
    </resource>
  </resources>
</manifest>
"""

SCORM2004 = """\
<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="m" version="1" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
          xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
          xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>2004 4th Edition</schemaversion>
  </metadata>
  <organizations default="org">
    <organization identifier="org">
      <title>Course</title>
      <item identifier="item" identifierref="sco">
        <title>Lesson</title>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="sco" type="webcontent" adlcp:scormType="sco" href="index.html">
      <file href="index.html"/>
    </resource>
  </resources>
</manifest>
"""

MAPINFO = """\
        <imsss:sequencing>
          <imsss:objectives>
            <imsss:primaryObjective objectiveID="passed">
              <imsss:mapInfo targetObjectiveID="global.passed"/>
            </imsss:primaryObjective>
          </imsss:objectives>
        </imsss:sequencing>
      </item>"""

IMSCP = """\
<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="m" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1">
  <organizations default="org">
    <organization identifier="org">
      <title>Course</title>
      <item identifier="item" identifierref="page">
        <title>Page</title>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="page" type="webcontent" href="index.html">
      <file href="index.html"/>
    </resource>
  </resources>
</manifest>
"""

PREFIXED_IMSCP = """\
<?xml version="1.0" encoding="UTF-8"?>
<cp:manifest identifier="m" xmlns:cp="http://www.imsglobal.org/xsd/imscp_v1p1">
  <cp:organizations/>
  <cp:resources>
    <cp:resource identifier="page" type="webcontent" href="index.html"/>
  </cp:resources>
</cp:manifest>
"""

PREFIXED_CC11 = """\
<?xml version="1.0" encoding="UTF-8"?>
<cc:manifest identifier="cc" xmlns:cc="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1">
  <cc:organizations>
    <cc:organization identifier="org" structure="rooted-hierarchy">
      <cc:item identifier="root">
        <cc:item identifier="week1"><cc:title>Week 1</cc:title></cc:item>
      </cc:item>
    </cc:organization>
  </cc:organizations>
  <cc:resources/>
</cc:manifest>
"""

CC11 = """\
<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="cc" xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
          xmlns:lom="http://ltsc.ieee.org/xsd/imsccv1p1/LOM/manifest">
  <metadata>
    <schema>IMS Common Cartridge</schema>
    <schemaversion>1.1.0</schemaversion>
    <lom:lom><lom:general><lom:title><lom:string>Course</lom:string></lom:title></lom:general></lom:lom>
  </metadata>
  <organizations>
    <organization identifier="org" structure="rooted-hierarchy">
      <item identifier="root">
        <item identifier="week1">
          <title>Week 1</title>
          <item identifier="i.page" identifierref="page">
            <title>Welcome</title>
          </item>
          <item identifier="i.quiz" identifierref="quiz">
            <title>Quiz</title>
          </item>
        </item>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="page" type="webcontent" href="page.html">
      <file href="page.html"/>
    </resource>
    <resource identifier="quiz" type="imsqti_xmlv1p2/imscc_xmlv1p1/assessment">
      <file href="quiz/assessment.xml"/>
    </resource>
  </resources>
</manifest>
"""

CC11_HEAD = CC11[: CC11.index("  <organizations>")]  # up to the end of <metadata>

QTI = """\
<?xml version="1.0" encoding="UTF-8"?>
<questestinterop xmlns="http://www.imsglobal.org/xsd/ims_qtiasiv1p2">
  <assessment ident="a1" title="Quiz">
    <qtimetadata>
      <qtimetadatafield>
        <fieldlabel>cc_profile</fieldlabel>
        <fieldentry>cc.exam.v0p1</fieldentry>
      </qtimetadatafield>
      <qtimetadatafield>
        <fieldlabel>qmd_assessmenttype</fieldlabel>
        <fieldentry>Examination</fieldentry>
      </qtimetadatafield>
    </qtimetadata>
    <section ident="s1">
      <item ident="q1" title="Ledgers">
        <itemmetadata>
          <qtimetadata>
            <qtimetadatafield>
              <fieldlabel>cc_profile</fieldlabel>
              <fieldentry>cc.true_false.v0p1</fieldentry>
            </qtimetadatafield>
          </qtimetadata>
        </itemmetadata>
        <presentation>
          <material>
            <mattext texttype="text/plain">A ledger can be shared.</mattext>
          </material>
          <response_lid ident="r1" rcardinality="Single">
            <render_choice>
              <response_label ident="true">
                <material><mattext texttype="text/plain">True</mattext></material>
              </response_label>
              <response_label ident="false">
                <material><mattext texttype="text/plain">False</mattext></material>
              </response_label>
            </render_choice>
          </response_lid>
        </presentation>
      </item>
    </section>
  </assessment>
</questestinterop>
"""

CC13 = """\
<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="cc" xmlns="http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1"
          xmlns:lom="http://ltsc.ieee.org/xsd/imsccv1p3/LOM/manifest">
  <metadata>
    <schema>IMS Common Cartridge</schema>
    <schemaversion>1.3.0</schemaversion>
    <lom:lom><lom:general><lom:title><lom:string>Course</lom:string></lom:title></lom:general></lom:lom>
  </metadata>
  <organizations>
    <organization identifier="org" structure="rooted-hierarchy">
      <item identifier="root">
        <item identifier="week1">
          <title>Week 1</title>
          <item identifier="i.link" identifierref="link">
            <title>Reading</title>
          </item>
          <item identifier="i.topic" identifierref="topic">
            <title>Discuss</title>
          </item>
        </item>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="link" type="imswl_xmlv1p3">
      <file href="link.xml"/>
    </resource>
    <resource identifier="topic" type="imsdt_xmlv1p3">
      <file href="topic.xml"/>
    </resource>
  </resources>
</manifest>
"""

WEB_LINK = """\
<?xml version="1.0" encoding="UTF-8"?>
<webLink xmlns="http://www.imsglobal.org/xsd/imsccv1p3/imswl_v1p3">
  <title>Reading</title>
  <url href="https://example.org/reading"/>
</webLink>
"""

TOPIC = """\
<?xml version="1.0" encoding="UTF-8"?>
<topic xmlns="http://www.imsglobal.org/xsd/imsccv1p3/imsdt_v1p3">
  <title>Discuss</title>
  <text texttype="text/plain">What is a ledger?</text>
</topic>
"""

CMI5 = """\
<?xml version="1.0" encoding="UTF-8"?>
<courseStructure xmlns="https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd">
  <course id="https://example.org/course">
    <title><langstring lang="en">Course</langstring></title>
    <description><langstring lang="en">A course.</langstring></description>
  </course>
  <au id="https://example.org/au/1">
    <title><langstring lang="en">One</langstring></title>
    <description><langstring lang="en">The first unit.</langstring></description>
    <url>au/index.html</url>
  </au>
</courseStructure>
"""

AU = CMI5[CMI5.index("  <au ") : CMI5.index("</courseStructure>")]

Files = Mapping[str, str | bytes] | Sequence[tuple[str, str | bytes]]


def make_zip(tmp_path: Path, files: Files, name: str = "package.zip") -> Path:
    """A zip holding ``files``; a sequence of pairs may repeat a name, as zips can."""
    path = tmp_path / name
    pairs = files.items() if isinstance(files, Mapping) else files
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w") as archive:
        warnings.simplefilter("ignore")  # zipfile warns about the duplicates we want
        for entry, content in pairs:
            archive.writestr(entry, content)
    return path


def scorm12(old: str = "", new: str = "") -> dict[str, str | bytes]:
    """The SCORM 1.2 package with ``old`` replaced by ``new`` in its manifest."""
    assert old in SCORM12
    return {"imsmanifest.xml": SCORM12.replace(old, new), "index.html": PAGE}


def scorm2004(old: str = "", new: str = "") -> dict[str, str | bytes]:
    assert old in SCORM2004
    return {"imsmanifest.xml": SCORM2004.replace(old, new), "index.html": PAGE}


def cc11(old: str = "", new: str = "", qti: str = QTI) -> dict[str, str | bytes]:
    assert old in CC11
    return {
        "imsmanifest.xml": CC11.replace(old, new),
        "page.html": PAGE,
        "quiz/assessment.xml": qti,
    }


def cc13(web_link: str = WEB_LINK) -> dict[str, str | bytes]:
    return {"imsmanifest.xml": CC13, "link.xml": web_link, "topic.xml": TOPIC}


def cmi5(old: str = "", new: str = "") -> dict[str, str | bytes]:
    assert old in CMI5
    return {"cmi5.xml": CMI5.replace(old, new), "au/index.html": PAGE}


def check(package: Path, schemas: Path | None = None) -> list[str]:
    return [problem.format() for problem in validate_package(package, schemas).problems]


@pytest.fixture(scope="module")
def built_scorm12(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    result = build([ROOTS / "minimal"], out, ["scorm12"])
    return result.packages[0].path


# --------------------------------------------------------------------------- clean packages


def test_a_sabaq_scorm12_package_validates_clean(built_scorm12: Path) -> None:
    report = validate_package(built_scorm12, SCHEMAS)
    assert [p.format() for p in report.problems] == []
    assert report.kind is not None and report.kind.id == "scorm12"
    assert report.passes(strict=True)


def test_an_unpacked_folder_is_checked_like_its_zip(built_scorm12: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(built_scorm12) as archive:
        archive.extractall(tmp_path / "unpacked")
    assert check(tmp_path / "unpacked", SCHEMAS) == []
    (tmp_path / "unpacked" / "index.html").unlink()
    manifest = (tmp_path / "unpacked" / "imsmanifest.xml").read_text(encoding="utf-8")
    line = next(n for n, text in enumerate(manifest.splitlines(), 1) if "<resource " in text)
    assert check(tmp_path / "unpacked") == [
        f"imsmanifest.xml:{line}: error[manifest.missing-launch]: resource 'res.minimal' "
        "launches 'index.html', which is not in the package; the LMS imports it anyway and "
        "learners get a 'file not found' page"
    ]


@pytest.mark.parametrize(
    ("files", "kind", "expected"),
    [
        (scorm12(), "scorm12", []),
        (scorm2004(), "scorm2004_4ed", []),
        (scorm2004("4th", "3rd"), "scorm2004_3ed", []),
        (scorm2004("2004 4th Edition", "CAM 1.3"), "scorm2004", []),
        ({"imsmanifest.xml": IMSCP, "index.html": PAGE}, "imscp114", []),
        (cc11(), "imscc11", []),
        (
            cc13(),
            "imscc13",
            [
                "imsmanifest.xml: warning[moodle.cc-version]: Moodle imports only Common Cartridge "
                "1.0 and 1.1 and says 'Unknown backup format' for this Common Cartridge 1.3 "
                "cartridge (Canvas, Brightspace and others accept it)"
            ],
        ),
        (cmi5(), "cmi5", []),
    ],
    ids=[
        "scorm12",
        "scorm2004-4th",
        "scorm2004-3rd",
        "scorm2004-cam13",
        "imscp",
        "cc11",
        "cc13",
        "cmi5",
    ],
)
def test_each_standard_is_detected_and_a_good_package_is_clean(
    tmp_path: Path, files: Files, kind: str, expected: list[str]
) -> None:
    report = validate_package(make_zip(tmp_path, files), SCHEMAS)
    assert report.kind is not None and report.kind.id == kind
    assert [p.format() for p in report.problems] == expected


# --------------------------------------------------------------------------- one rule each

BROKEN: dict[str, tuple[Files, list[str]]] = {
    "parent path": (
        {**scorm12(), "../evil.html": PAGE},
        [
            "error[zip.parent-path]: entry '../evil.html' contains '..'; extractors refuse it or "
            "write outside the course folder"
        ],
    ),
    "absolute path": (
        {**scorm12(), "/etc/evil.html": PAGE},
        [
            "error[zip.absolute-path]: entry '/etc/evil.html' has an absolute path; extractors "
            "refuse it or write outside the course folder"
        ],
    ),
    "backslash": (
        {**scorm12(), "content\\a.html": PAGE},
        [
            "error[zip.backslash]: entry 'content\\a.html' uses '\\' as a folder separator; zip "
            "requires '/', and on a Linux server the file is extracted under that literal name, "
            "so its links break"
        ],
    ),
    "duplicate entry": (
        [*scorm12().items(), ("index.html", "<p>other</p>")],
        [
            "error[zip.duplicate-entry]: the zip holds 2 entries named 'index.html'; extractors "
            "keep one of them, and which one depends on the tool"
        ],
    ),
    "case collision": (
        {**scorm12(), "Index.html": PAGE},
        [
            "error[zip.case-collision]: entries 'Index.html', 'index.html' differ only in letter "
            "case; extracted on Windows or macOS one overwrites the other"
        ],
    ),
    "manifest in a folder": (
        {f"course/{name}": content for name, content in scorm12().items()},
        [
            "error[package.manifest-not-at-root]: 'course/imsmanifest.xml' is not at the root of "
            "the package; Moodle refuses it with 'An imsmanifest.xml file was found but it was "
            "not in the root of your zip file' (zip the contents of the course folder, not the "
            "folder itself)"
        ],
    ),
    "manifest name case": (
        {"IMSManifest.xml": SCORM12, "index.html": PAGE},
        [
            "error[package.manifest-name-case]: the manifest is named 'IMSManifest.xml'; Moodle "
            "looks for exactly 'imsmanifest.xml' (lower case) and refuses the package"
        ],
    ),
    "no manifest": (
        {"index.html": PAGE},
        [
            "warning[package.no-manifest]: no imsmanifest.xml or cmi5.xml at the root: an LMS "
            "will not import this package; it was checked as an offline website (pages opened "
            "from disk)"
        ],
    ),
    "nothing to open": (
        {"readme.txt": "hello"},
        [
            "error[package.unknown-kind]: no imsmanifest.xml or cmi5.xml at the root of the "
            "package; expected imsmanifest.xml (SCORM, IMS Content Packaging, Common Cartridge) "
            "or cmi5.xml (cmi5)"
        ],
    ),
    "unknown namespace": (
        scorm12("http://www.imsproject.org/xsd/imscp_rootv1p1p2", "urn:example:cp"),
        [
            "imsmanifest.xml: error[package.unknown-kind]: imsmanifest.xml has <manifest> in the "
            "namespace 'urn:example:cp'; expected <manifest> in "
            "http://www.imsproject.org/xsd/imscp_rootv1p1p2 (SCORM 1.2), "
            "http://www.imsglobal.org/xsd/imscp_v1p1 (SCORM 2004, IMS Content Packaging) or "
            "http://www.imsglobal.org/xsd/imsccv1pN/imscp_v1p1 (Common Cartridge)"
        ],
    ),
    "malformed manifest": (
        scorm12("<title>Lesson</title>", "<title>Lesson</titel>"),
        [
            "imsmanifest.xml:12: error[xml.malformed]: not well-formed XML: Opening and ending "
            "tag mismatch: title line 12 and titel, line 12, column 30"
        ],
    ),
    "identifier with a space": (
        scorm12('identifier="org">', 'identifier="my org">'),
        [
            "imsmanifest.xml:8: error[manifest.default-organization]: organizations@default "
            "names 'org', but no organization has that identifier",
            "imsmanifest.xml:9: error[manifest.invalid-identifier]: identifier 'my org' is not a "
            "valid XML identifier: use letters, digits, '.', '-' and '_', starting with a letter "
            "or '_' (no spaces or ':')",
        ],
    ),
    "duplicate identifier": (
        scorm12('item identifier="item"', 'item identifier="sco"'),
        [
            "imsmanifest.xml:17: error[manifest.duplicate-identifier]: identifier 'sco' is used "
            "twice (first on line 11); identifiers must be unique in the manifest"
        ],
    ),
    "unresolved item": (
        scorm12('identifierref="sco"', 'identifierref="scorm"'),
        [
            "imsmanifest.xml: error[moodle.nothing-to-launch]: no item points to a resource with "
            "an href, so Moodle creates the activity with nothing to launch",
            "imsmanifest.xml:11: error[manifest.unresolved-ref]: item 'item' points to 'scorm', "
            "but no resource has that identifier",
        ],
    ),
    "unresolved dependency": (
        scorm12(
            '<file href="index.html"/>',
            '<file href="index.html"/><dependency identifierref="lib"/>',
        ),
        [
            "imsmanifest.xml:18: error[manifest.unresolved-ref]: resource 'sco' depends on 'lib', "
            "but no resource has that identifier"
        ],
    ),
    "default organization": (
        scorm12('default="org"', 'default="main"'),
        [
            "imsmanifest.xml:8: error[manifest.default-organization]: organizations@default names "
            "'main', but no organization has that identifier"
        ],
    ),
    "missing file": (
        scorm12(
            '<file href="index.html"/>', '<file href="index.html"/><file href="content/a.html"/>'
        ),
        [
            "imsmanifest.xml:18: error[manifest.missing-file]: resource 'sco' lists "
            "'content/a.html', which is not in the package"
        ],
    ),
    "launch missing behind xml:base": (
        scorm12('href="index.html">', 'xml:base="content/" href="index.html">'),
        [
            "imsmanifest.xml:17: error[manifest.missing-launch]: resource 'sco' launches "
            "'index.html' ('content/index.html' with xml:base), which is not in the package; the "
            "LMS imports it anyway and learners get a 'file not found' page"
        ],
    ),
    "launch in another letter case": (
        scorm12('href="index.html">', 'href="Index.html">'),
        [
            "imsmanifest.xml:17: error[manifest.missing-launch]: resource 'sco' launches "
            "'Index.html', which is not in the package (it holds 'index.html'; names are "
            "case-sensitive on the LMS server); the LMS imports it anyway and learners get a "
            "'file not found' page"
        ],
    ),
    "file outside the package": (
        scorm12('<file href="index.html"/>', '<file href="index.html"/><file href="../x.js"/>'),
        [
            "imsmanifest.xml:18: error[manifest.missing-file]: resource 'sco' lists '../x.js', "
            "which points outside the package"
        ],
    ),
    "no sco": (
        scorm12('adlcp:scormtype="sco"', 'adlcp:scormtype="asset"'),
        [
            "imsmanifest.xml: warning[manifest.no-sco]: no resource is marked "
            'adlcp:scormtype="sco", '
            "so Moodle treats every item as an asset: the pages open, but no progress, score or "
            "completion is recorded"
        ],
    ),
    "nothing to launch": (
        scorm12(' href="index.html">', ">"),
        [
            "imsmanifest.xml: error[moodle.nothing-to-launch]: no item points to a resource with "
            "an href, so Moodle creates the activity with nothing to launch"
        ],
    ),
    "xml:base Moodle ignores": (
        {
            "imsmanifest.xml": SCORM12.replace("<resources>", '<resources xml:base="content/">'),
            "content/index.html": PAGE,
        },
        [
            "imsmanifest.xml:16: error[moodle.xml-base]: Moodle's SCORM player ignores xml:base "
            "'content/' on <resources> and launches each resource's href without it; put the "
            "xml:base on every <resource>"
        ],
    ),
    "SCORM 1.2 says 1.3": (
        scorm12("<schemaversion>1.2<", "<schemaversion>CAM 1.3<"),
        [
            "imsmanifest.xml: error[moodle.schemaversion]: this SCORM 1.2 manifest has "
            "schemaversion 'CAM 1.3', so Moodle plays it with the SCORM 2004 API (API_1484_11) "
            "and the content finds no SCORM 1.2 API; write '1.2'"
        ],
    ),
    "ADL prefix": (
        {
            **scorm12(),
            "imsmanifest.xml": SCORM12.replace("adlcp:", "adl:")
            .replace("xmlns:adlcp", "xmlns:adl")
            .replace(
                "<title>Lesson</title>",
                "<title>Lesson</title><adl:masteryscore>80</adl:masteryscore>",
            ),
        },
        [
            "imsmanifest.xml:12: error[moodle.adl-prefix]: <adl:masteryscore> is an ADL element "
            "written without the prefix 'adlcp:'; Moodle reads the manifest without namespaces, "
            "understands only <adlcp:masteryscore> and ignores it",
            "imsmanifest.xml:17: error[moodle.adl-prefix]: attribute 'scormtype' in "
            "http://www.adlnet.org/xsd/adlcp_rootv1p2 is not written as 'adlcp:scormtype'; Moodle "
            "reads the manifest without namespaces and understands ADL attributes only with the "
            "literal prefix 'adlcp:'",
        ],
    ),
    "prefixed core elements": (
        {"imsmanifest.xml": PREFIXED_IMSCP, "index.html": PAGE},
        [
            "imsmanifest.xml:2: error[moodle.cp-prefix]: <cp:manifest> has a prefix; Moodle reads "
            "the manifest without namespaces and finds manifest, organization, item and resource "
            "elements only unprefixed, so write them in the default namespace "
            '(xmlns="http://www.imsglobal.org/xsd/imscp_v1p1")'
        ],
    ),
    "global objectives": (
        scorm2004("</title>\n      </item>", "</title>\n" + MAPINFO),
        [
            "imsmanifest.xml:17: error[moodle.mapinfo]: <imsss:mapInfo> (an objective mapped to a "
            "global objective) makes Moodle 5.0 fail the whole upload with 'Attempt to assign "
            'property "mapinfos" on null\'; remove the mapInfo elements for Moodle'
        ],
    ),
    "SCORM 2004 version Moodle does not know": (
        scorm2004("2004 4th Edition", "2004 2nd Edition"),
        [
            "imsmanifest.xml: error[moodle.schemaversion]: this SCORM 2004 manifest has "
            "schemaversion '2004 2nd Edition', which Moodle does not recognise, so Moodle plays "
            "it with the SCORM 1.2 API and the content finds no API_1484_11; write "
            "'2004 4th Edition' or '2004 3rd Edition'"
        ],
    ),
    "cartridge id starting with a digit": (
        cc11('"page"', '"2d7d5ca5"'),
        [
            "imsmanifest.xml:25: error[manifest.invalid-identifier]: identifier '2d7d5ca5' starts "
            "with a digit, which XML identifiers may not; Moodle's Common Cartridge import aborts "
            "on it (start it with a letter, e.g. 'i2d7d5ca5')"
        ],
    ),
    "cartridge namespace after 1 KB": (
        cc11("<manifest", f"<!-- {'x' * 1024} -->\n<manifest"),
        [
            "imsmanifest.xml:4: error[moodle.cc-namespace]: Moodle recognises a cartridge only "
            'when xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1" (the default '
            "namespace) appears in the first 1024 bytes of the manifest, and the declaration is "
            "not within the first 1024 bytes; Moodle says 'Unknown backup format'"
        ],
    ),
    "prefixed cartridge root": (
        {"imsmanifest.xml": PREFIXED_CC11},
        [
            "imsmanifest.xml:2: error[moodle.cc-namespace]: Moodle recognises a cartridge only "
            'when xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1" (the default '
            "namespace) appears in the first 1024 bytes of the manifest, and its root element "
            "has the prefix 'cc:'; Moodle says 'Unknown backup format'"
        ],
    ),
    "cartridge in the IMS CP namespace": (
        {
            "imsmanifest.xml": IMSCP.replace(
                "<organizations",
                "<metadata><schema>IMS Common Cartridge</schema></metadata>\n  <organizations",
            ),
            "index.html": PAGE,
        },
        [
            "imsmanifest.xml: error[moodle.cc-namespace]: the manifest says IMS Common Cartridge "
            "but uses the IMS CP namespace http://www.imsglobal.org/xsd/imscp_v1p1; Moodle's "
            "restore does not recognise it as a cartridge (a CC 1.1 manifest uses "
            'xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1")'
        ],
    ),
    "protected cartridge": (
        cc11("</manifest>", '  <authorizations access="cartridge" import="true"/>\n</manifest>'),
        [
            "imsmanifest.xml:32: error[moodle.cc-authorizations]: the cartridge declares "
            "<authorizations> (it is protected); Moodle refuses protected cartridges"
        ],
    ),
    "two root items": (
        cc11(
            "      </item>\n    </organization>",
            '      </item>\n      <item identifier="root2"/>\n    </organization>',
        ),
        [
            "imsmanifest.xml:10: error[moodle.cc-root-item]: the organization has 2 top-level "
            "items; Moodle expects exactly one root item, whose children become the course sections"
        ],
    ),
    "empty cartridge": (
        {
            "imsmanifest.xml": f"{CC11_HEAD}  <organizations/>\n  <resources/>\n</manifest>\n",
        },
        [
            "imsmanifest.xml: error[moodle.cc-empty-course]: the cartridge has no organization, so "
            "Moodle imports an empty course (the restore then fails with 'failed to load external "
            "entity …/moodle.xml'); Moodle imports only what the organization lists"
        ],
    ),
    "root item without children": (
        {
            "imsmanifest.xml": f"{CC11_HEAD}  <organizations>"
            '<organization identifier="org" structure="rooted-hierarchy"><item identifier="root"/>'
            "</organization></organizations>\n  <resources/>\n</manifest>\n",
        },
        [
            "imsmanifest.xml:9: error[moodle.cc-empty-course]: the organization's root item "
            "'root' has no children, so Moodle imports an empty course (the restore then fails "
            "with 'failed to load external entity …/moodle.xml'); Moodle imports only what the "
            "organization lists"
        ],
    ),
    "true/false answers not named true and false": (
        cc11(
            qti=QTI.replace('ident="true"', 'ident="8421"').replace('ident="false"', 'ident="8422"')
        ),
        [
            "quiz/assessment.xml:15: error[moodle.cc-true-false]: true/false question 'q1' has the "
            "answer identifiers '8421', '8422'; Moodle accepts only 'true' and 'false' and aborts "
            "the whole import on any other"
        ],
    ),
    "question profile Moodle drops": (
        cc11(qti=QTI.replace("cc.true_false.v0p1", "cc.matching.v0p1")),
        [
            "quiz/assessment.xml:15: warning[moodle.cc-question-dropped]: question 'q1' has "
            "cc_profile 'cc.matching.v0p1', which Moodle does not know, so Moodle drops the "
            "question when it imports the quiz"
        ],
    ),
    "malformed question file": (
        cc11(qti=QTI.replace("</section>", "</sektion>")),
        [
            "quiz/assessment.xml:40: error[xml.malformed]: not well-formed XML: Opening and "
            "ending tag mismatch: section line 14 and sektion, line 40, column 15"
        ],
    ),
    "malformed cmi5.xml": (
        cmi5("</au>", "</unit>"),
        [
            "cmi5.xml:11: error[xml.malformed]: not well-formed XML: Opening and ending tag "
            "mismatch: au line 7 and unit, line 11, column 10"
        ],
    ),
    "duplicate AU id": (
        cmi5("</courseStructure>", f"{AU}</courseStructure>"),
        [
            "cmi5.xml:12: error[cmi5.duplicate-id]: AU id 'https://example.org/au/1' is used "
            "twice (first on line 7); the LMS records progress per AU id, so the two would share "
            "one record"
        ],
    ),
    "missing AU": (
        cmi5("au/index.html", "au/start.html?mode=normal"),
        [
            "cmi5.xml:10: error[cmi5.missing-file]: AU 'https://example.org/au/1' launches "
            "'au/start.html?mode=normal', which is not in the package"
        ],
    ),
}


@pytest.mark.parametrize(("files", "expected"), BROKEN.values(), ids=BROKEN.keys())
def test_each_rule_reports_its_problem(tmp_path: Path, files: Files, expected: list[str]) -> None:
    assert check(make_zip(tmp_path, files)) == expected


# --------------------------------------------------------------------------- damaged archives


def test_a_file_that_is_not_a_zip_is_reported(tmp_path: Path) -> None:
    package = tmp_path / "course.zip"
    package.write_bytes(b"<manifest/>")
    report = validate_package(package)
    assert report.kind is None
    assert [p.format() for p in report.problems] == [
        "error[zip.corrupt]: the package is not a readable zip archive (File is not a zip "
        "file); LMSs accept packages only as zip files"
    ]


def test_an_entry_that_fails_its_checksum_is_reported(tmp_path: Path) -> None:
    package = tmp_path / "course.zip"
    with zipfile.ZipFile(package, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, content in scorm12().items():
            archive.writestr(name, content)
    package.write_bytes(package.read_bytes().replace(b"<p>Hello</p>", b"<p>Hallo</p>"))
    assert check(package) == [
        "index.html: error[zip.corrupt]: entry 'index.html' cannot be extracted (Bad CRC-32 for "
        "file 'index.html')"
    ]


# --------------------------------------------------------------------------- schemas


def test_schema_errors_name_the_file_and_line(tmp_path: Path) -> None:
    files = scorm12("<title>Lesson</title>", "<title>Lesson</title><launch>x</launch>")
    assert check(make_zip(tmp_path, files), SCHEMAS) == [
        "imsmanifest.xml:12: error[xsd.invalid]: does not match the SCORM 1.2 schema: Element "
        "'{http://www.imsproject.org/xsd/imscp_rootv1p1p2}launch': This element is not expected. "
        "Expected is one of ( {http://www.imsproject.org/xsd/imscp_rootv1p1p2}item, "
        "{http://www.imsproject.org/xsd/imscp_rootv1p1p2}metadata, "
        "##other{http://www.imsproject.org/xsd/imscp_rootv1p1p2}* )."
    ]
    assert check(make_zip(tmp_path, files)) == []  # schemas are checked only when asked for


def test_cartridge_descriptors_are_checked_against_their_schemas(tmp_path: Path) -> None:
    broken_link = WEB_LINK.replace('  <url href="https://example.org/reading"/>\n', "")
    assert check(make_zip(tmp_path, cc13(web_link=broken_link)), SCHEMAS)[1:] == [
        "link.xml:2: error[xsd.invalid]: does not match the Common Cartridge 1.3 schema: "
        "Element '{http://www.imsglobal.org/xsd/imsccv1p3/imswl_v1p3}webLink': Missing child "
        "element(s). Expected is ( {http://www.imsglobal.org/xsd/imsccv1p3/imswl_v1p3}url )."
    ]


def test_a_schema_folder_without_the_standard_is_reported(tmp_path: Path) -> None:
    package = make_zip(tmp_path, scorm12())
    (tmp_path / "schemas").mkdir()
    assert check(package, tmp_path / "schemas") == [
        f"error[xsd.unavailable]: the schema {tmp_path.as_posix()}/schemas/scorm12/_driver.xsd "
        "does not exist, so nothing was checked against it; --schemas names the folder holding "
        "scorm12/, imscc11/, … with the official XSDs"
    ]


def test_a_standard_without_official_schemas_is_a_warning(tmp_path: Path) -> None:
    manifest = CC11.replace("imsccv1p1", "imsccv1p2")
    assert check(make_zip(tmp_path, {**cc11(), "imsmanifest.xml": manifest}), SCHEMAS) == [
        "imsmanifest.xml: warning[xsd.unchecked]: no official schemas for Common Cartridge 1.2 "
        "are available, so the manifest was not checked against one",
        "imsmanifest.xml: warning[moodle.cc-version]: Moodle imports only Common Cartridge 1.0 "
        "and 1.1 and says 'Unknown backup format' for this Common Cartridge 1.2 cartridge "
        "(Canvas, Brightspace and others accept it)",
    ]


# --------------------------------------------------------------------------- the command


def test_the_command_passes_a_clean_package(built_scorm12: Path) -> None:
    result = sabaq("validate", str(built_scorm12), "--schemas", str(SCHEMAS))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{built_scorm12.as_posix()}: SCORM 1.2 — 0 errors, 0 warnings\n"


def test_the_command_lists_every_problem_and_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    make_zip(
        tmp_path, scorm12('<file href="index.html"/>', '<file href="content/a.html"/>'), "bad.zip"
    )
    make_zip(tmp_path, scorm12(), "good.zip")
    result = sabaq("validate", "bad.zip", "good.zip")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "bad.zip: SCORM 1.2 — 1 error, 0 warnings",
        "imsmanifest.xml:18: error[manifest.missing-file]: resource 'sco' lists 'content/a.html', "
        "which is not in the package",
        "good.zip: SCORM 1.2 — 0 errors, 0 warnings",
    ]


def test_warnings_fail_only_with_strict(tmp_path: Path) -> None:
    package = str(make_zip(tmp_path, scorm12('adlcp:scormtype="sco"', 'adlcp:scormtype="asset"')))
    assert sabaq("validate", package).exit_code == 0
    assert sabaq("validate", "--strict", package).exit_code == 1


def test_json_output_for_ci(tmp_path: Path) -> None:
    package = make_zip(tmp_path, scorm12('default="org"', 'default="main"'))
    result = sabaq("validate", "--json", str(package))
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [
        {
            "package": package.as_posix(),
            "kind": "scorm12",
            "problems": [
                {
                    "severity": "error",
                    "code": "manifest.default-organization",
                    "message": "organizations@default names 'main', but no organization has "
                    "that identifier",
                    "file": "imsmanifest.xml",
                    "line": 8,
                }
            ],
        }
    ]


def test_usage_errors_exit_with_2(tmp_path: Path) -> None:
    missing = sabaq("validate", str(tmp_path / "missing.zip"))
    assert missing.exit_code == 2
    assert "does not exist" in missing.stderr
    assert sabaq("validate").exit_code == 2


# --------------------------------------------------------------------------- pages and question banks

WEBSITE_PAGE = """<!doctype html>
<html><head><link rel="stylesheet" href="style.css"></head>
<body>
<img src="{image}" alt="A diagram">
<a href="{link}">next</a>
</body></html>
"""


def website(image: str = "diagram.svg", link: str = "next.html") -> dict[str, str | bytes]:
    return {
        "index.html": WEBSITE_PAGE.format(image=image, link=link),
        "style.css": "p {}",
        "diagram.svg": "<svg/>",
        "next.html": PAGE,
    }


def test_an_offline_website_is_recognised_and_clean(tmp_path: Path) -> None:
    report = validate_package(make_zip(tmp_path, website()))
    assert report.kind is not None and report.kind.label == "offline website"
    assert [p.code for p in report.problems] == ["package.no-manifest"]  # a warning
    assert report.passes()


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            website(image="https://cdn.example.org/d.svg"),
            "index.html:4: error[html.network-resource]: <img> loads 'https://cdn.example.org/d.svg' "
            "from the network; the page breaks where campus links are slow or filtered (put the "
            "file in the package)",
        ),
        (
            website(image="images/missing.svg"),
            "index.html:4: error[html.missing-file]: <img> points to 'images/missing.svg', which is "
            "not in the package",
        ),
        (
            website(link="chapter-2.html#top"),
            "index.html:5: error[html.broken-link]: <a> points to 'chapter-2.html#top', which is "
            "not in the package",
        ),
    ],
)
def test_pages_must_find_everything_they_use(
    tmp_path: Path, files: dict[str, str | bytes], expected: str
) -> None:
    report = validate_package(make_zip(tmp_path, files))
    assert [problem.format() for problem in report.errors] == [expected]


def test_pages_inside_lms_packages_are_checked_too(tmp_path: Path) -> None:
    files = scorm12()
    files["index.html"] = '<!doctype html><script src="//cdn.example.org/x.js"></script>'
    report = validate_package(make_zip(tmp_path, files))
    assert [p.code for p in report.problems] == ["html.network-resource"]


MOODLE_XML = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="multichoice">
    <answer fraction="{fraction}"><text>A</text></answer>
    <answer fraction="0"><text>B</text></answer>
  </question>
</quiz>
"""


def test_a_question_bank_with_a_grade_moodle_lacks_is_refused(tmp_path: Path) -> None:
    clean = validate_package(
        make_zip(tmp_path, {"moodle/c.xml": MOODLE_XML.format(fraction="33.33333")})
    )
    assert clean.kind is not None and clean.kind.label == "Moodle question bank files"
    assert clean.problems == ()
    broken = validate_package(
        make_zip(tmp_path, {"moodle/c.xml": MOODLE_XML.format(fraction="33")}, "b.zip")
    )
    assert [p.format() for p in broken.problems] == [
        "moodle/c.xml:4: error[moodle.grade-fraction]: answer grade 33% is not one of Moodle's grades; "
        "its import stops at the first such answer ('No questions have been imported')"
    ]
