"""IMS Content Packaging 1.1.4, for Moodle's "IMS content package" activity.

No tracking: Moodle shows the organisation as a table of contents beside each page,
so the organisation is the course outline, one item per lesson page.
"""

from __future__ import annotations

from typing import ClassVar

from builder.formats.base import PackageFormat
from builder.manifest import MANIFEST, Dialect, manifest_xml, outline_model
from builder.render import Site

NS_CP = "http://www.imsglobal.org/xsd/imscp_v1p1"

DIALECT = Dialect(
    namespace=NS_CP,
    nsmap={},
    schema="IMS Content",
    schema_version="1.1.4",
    schema_locations=f"{NS_CP} imscp_v1p1.xsd",
)


class ImsCp(PackageFormat):
    name: ClassVar[str] = "imscp"
    label: ClassVar[str] = "IMS Content Packaging 1.1.4"

    def package(self, site: Site) -> dict[str, bytes]:
        entries = dict(site.files)
        entries[MANIFEST] = manifest_xml(outline_model(site), DIALECT)
        return entries
