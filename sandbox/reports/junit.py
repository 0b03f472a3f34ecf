"""JUnit XML, for CI systems: one testsuite per graded submission."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from sandbox.results import Result, Status, TestStatus

# Characters XML 1.0 cannot hold; learner output and messages may contain any of them.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def to_junit(suites: list[tuple[str, Result]]) -> str:
    """[(suite name, result)] -> an XML document. 'Could not grade' maps to <error>, not <failure>."""
    root = ET.Element("testsuites", name="backend-sandbox")
    for name, result in suites:
        tests = result.tests
        failures = sum(1 for t in tests if t.status is TestStatus.FAILED)
        errors = sum(1 for t in tests if t.status in (TestStatus.ERROR, TestStatus.NOT_RUN))
        if not tests and result.status is not Status.PASS:
            errors = 1  # the single 'grading' testcase below carries an <error>
        suite = ET.SubElement(
            root,
            "testsuite",
            name=name,
            tests=str(max(len(tests), 1)),
            failures=str(failures),
            errors=str(errors),
            time=f"{result.duration_s:.3f}",
        )
        props = ET.SubElement(suite, "properties")
        for key, value in (
            ("status", str(result.status)),
            ("score", f"{result.score:g}"),
            ("max_score", f"{result.max_score:g}"),
            ("exercise", result.exercise),
        ):
            ET.SubElement(props, "property", name=key, value=value)
        if not tests:
            case = ET.SubElement(suite, "testcase", name="grading", classname=name)
            if result.status is not Status.PASS:
                ET.SubElement(
                    case, "error", message=str(result.status), type=str(result.status)
                ).text = _xml(result.message)
        for t in tests:
            case = ET.SubElement(
                suite, "testcase", name=t.name, classname=name, time=f"{t.duration_s:.3f}"
            )
            if t.status is TestStatus.FAILED:
                ET.SubElement(
                    case, "failure", message=_xml(t.message[:500]), type="failed"
                ).text = _xml(t.message)
            elif t.status in (TestStatus.ERROR, TestStatus.NOT_RUN):
                ET.SubElement(
                    case, "error", message=_xml(t.message[:500]), type=str(t.status)
                ).text = _xml(t.message)
            if t.output:
                ET.SubElement(case, "system-out").text = _xml(t.output)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
