"""Compile an ISO Schematron file (queryBinding xslt2) into a standalone XSLT 2.0
validator producing SVRL, using SchXslt 1.10.1 (bundled in ./schxslt, MIT licence)
run by saxonche.  Re-run it whenever OpenPeppol publishes a new PEPPOL-EN16931-UBL.sch:

    python tools/peppol/compile_schematron.py shop/invoicing/peppol/openpeppol/PEPPOL-EN16931-UBL.sch \
        shop/invoicing/peppol/openpeppol/PEPPOL-EN16931-UBL.xslt

(see shop/invoicing/peppol/SOURCES.md; then run tests/invoicing)
"""
import hashlib
import re
import sys
from pathlib import Path

from saxonche import PySaxonProcessor

HERE = Path(__file__).resolve().parent


def compile_schematron(sch: Path, out: Path) -> None:
    src = sch.read_bytes()
    with PySaxonProcessor(license=False) as proc:
        exe = proc.new_xslt30_processor().compile_stylesheet(
            stylesheet_file=str(HERE / "schxslt" / "pipeline-for-svrl.xsl"))
        xslt = exe.transform_to_string(source_file=str(sch))
    if not xslt or "<xsl:transform" not in xslt:
        raise SystemExit(f"compilation of {sch} produced no stylesheet")
    version = re.search(rb"Last update:[^\n]*", src)
    note = (f"\n<!-- Generated file, do not edit. Compiled with SchXslt 1.10.1 from {sch.name}"
            f" ({version.group(0).decode().strip().rstrip('.') if version else 'version unknown'};"
            f" sha256 {hashlib.sha256(src).hexdigest()}). -->\n")
    xslt = re.sub(r"^(<\?xml[^>]*\?>)", lambda m: m.group(1) + note, xslt, count=1)
    out.write_text(xslt, encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    compile_schematron(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"wrote {sys.argv[2]}")
