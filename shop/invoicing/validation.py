"""Offline validation of e-invoices (UBL 2.1 Invoice and CreditNote) as a Peppol access point checks them:
well-formed XML without a DOCTYPE, the OASIS UBL 2.1 schema, then the EN 16931 rules (CEN) and the Peppol BIS
Billing 3.0 rules, both compiled Schematron run by Saxon. The rules are data files in shop/invoicing/peppol
(SOURCES.md says where each comes from; tools/peppol recompiles a new Peppol release).

Nothing is fetched from the network: the schemas import each other by relative path and the parser refuses
DTDs, external entities and network access. Loading the rules takes most of a second, so one validator per
process is built on first use and shared; a validation takes about 10 ms.
"""

from __future__ import annotations

import re
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from lxml import etree

RULES = Path(__file__).resolve().parent / "peppol"
RULESETS = {  # name -> compiled XSLT 2.0 that reports in SVRL, run in this order
    "EN16931": RULES / "cen" / "EN16931-UBL-validation.xslt",
    "PEPPOL": RULES / "openpeppol" / "PEPPOL-EN16931-UBL.xslt",
}
_MAINDOC = RULES / "ubl-2.1" / "xsdrt" / "maindoc"
SCHEMAS = {  # root element -> its OASIS UBL 2.1 schema
    "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice": _MAINDOC / "UBL-Invoice-2.1.xsd",
    "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote": _MAINDOC / "UBL-CreditNote-2.1.xsd",
}
BLOCKING_FLAGS = frozenset({"fatal", "error"})
_SVRL = "{http://purl.oclc.org/dsdl/svrl}"
_REPORTS = (_SVRL + "failed-assert", _SVRL + "successful-report")


def _parser() -> etree.XMLParser:
    # No DTD, no entity expansion, no network: an e-invoice is plain XML, and a validator must not fetch.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False)


@dataclass(frozen=True)
class Finding:
    """One broken rule: its id (BR-CO-14, PEPPOL-EN16931-R003, UBL-XSD, ...), flag (fatal, error or warning),
    where in the document (an XPath without namespaces), the rule's text, and the rule set that reported it
    (XML, XSD, EN16931, PEPPOL)."""

    rule: str
    flag: str
    location: str
    message: str
    ruleset: str

    @property
    def blocking(self) -> bool:
        """A fatal or error finding: an access point refuses the document."""
        return self.flag in BLOCKING_FLAGS

    def as_dict(self) -> dict[str, str]:
        """As stored with an e-invoice delivery (EInvoiceDelivery.findings)."""
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.rule} [{self.flag}] {self.location}: {self.message}"


def blocking_findings(findings: list[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.blocking]


def _short_location(location: str) -> str:
    """/Q{urn:...}Invoice[1]/Q{urn:...}TaxTotal[1] -> /Invoice[1]/TaxTotal[1]."""
    location = re.sub(r"\*:([\w.-]+)\[namespace-uri\(\)='[^']*'\]", r"\1", location)
    return re.sub(r"Q\{[^}]*\}", "", location) or "/"


def _short_names(message: str) -> str:
    """{urn:...CommonBasicComponents-2}ID -> cbc:ID in the schema's messages."""
    message = message.replace("{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}", "cbc:")
    message = message.replace("{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}", "cac:")
    return re.sub(r"\{[^}]*\}", "", message)


def _svrl_findings(svrl: str, ruleset: str) -> list[Finding]:
    findings = []
    for element in etree.fromstring(svrl.encode("utf-8"), _parser()).iter(*_REPORTS):
        text_element = element.find(_SVRL + "text")
        text = " ".join("".join(text_element.itertext()).split()) if text_element is not None else ""
        rule = element.get("id") or "NO-ID"
        message = re.sub(r"^\[" + re.escape(rule) + r"\]\s*-?\s*", "", text)
        findings.append(Finding(rule, element.get("flag") or "fatal", _short_location(element.get("location", "")),
                                message, ruleset))
    return findings


class UblValidator:
    """The UBL schemas and both rule sets, loaded once; ``validate`` may then be called many times, from any
    thread (one validation at a time: neither lxml's schema error log nor a Saxon executable is shared safely)."""

    def __init__(self) -> None:
        from saxonche import PySaxonProcessor

        self._schemas = {root: etree.XMLSchema(etree.parse(str(path), _parser())) for root, path in SCHEMAS.items()}
        self._processor = PySaxonProcessor(license=False)
        compiler = self._processor.new_xslt30_processor()
        self._rulesets = {name: compiler.compile_stylesheet(stylesheet_file=str(path))
                          for name, path in RULESETS.items()}
        self._lock = threading.Lock()

    def validate(self, xml: bytes) -> list[Finding]:
        """Every finding on the document: XML and schema problems first (a document the schema refuses is not
        checked further: the rules assume its structure), then EN 16931, then Peppol."""
        try:
            tree = etree.ElementTree(etree.fromstring(xml, _parser()))
        except (etree.XMLSyntaxError, ValueError) as error:
            return [Finding("XML-WELLFORMED", "fatal", "/", str(error), "XML")]
        if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:  # UBL needs none; refusing it stops XXE
            return [Finding("XML-DOCTYPE", "fatal", "/", "DOCTYPE declarations are not accepted", "XML")]
        root = tree.getroot().tag
        if root not in SCHEMAS:
            return [Finding("UBL-ROOT", "fatal", "/", f"root element {root} is not a UBL 2.1 Invoice or CreditNote",
                            "XML")]
        with self._lock:
            schema = self._schemas[root]
            if not schema.validate(tree):
                return [Finding("UBL-XSD", "fatal", f"{error.path} (line {error.line})", _short_names(error.message),
                                "XSD") for error in schema.error_log]
            document = self._processor.parse_xml(xml_text=etree.tostring(tree, encoding="unicode"))
            findings: list[Finding] = []
            for name, executable in self._rulesets.items():
                try:
                    svrl = executable.transform_to_string(xdm_node=document)
                except Exception as error:  # a dynamic error inside a rule's XPath: report it, never pass it
                    findings.append(Finding(f"{name}-XSLT-ERROR", "fatal", "/", str(error), name))
                    continue
                findings += _svrl_findings(svrl or "<none/>", name)
        return findings


_validator: UblValidator | None = None
_validator_lock = threading.Lock()


def get_validator() -> UblValidator:
    """The process's validator, loaded on first use (about 0.7 s) by one thread while others wait."""
    global _validator
    if _validator is None:
        with _validator_lock:
            if _validator is None:
                _validator = UblValidator()
    return _validator


def validate_ubl(xml: bytes) -> list[Finding]:
    """The findings of the offline Peppol BIS Billing 3.0 validation of a UBL Invoice or CreditNote; a document
    with a blocking finding (``Finding.blocking``) would be refused by an access point and must not be sent."""
    return get_validator().validate(xml)
