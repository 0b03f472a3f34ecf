"""JUnit XML, for CI systems: one testsuite per graded submission."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from sandbox.results import Result, Status, TestStatus


def to_junit(suites: list[tuple[str, Result]]) -> str:
    """[(suite name, result)] -> an XML document. 'Could not grade' maps to <error>, not <failure>."""
    root = ET.Element("testsuites", name="backend-sandbox")
    for name, result in suites:
        tests = result.tests
        failures = sum(1 for t in tests if t.status is TestStatus.FAILED)
        errors = sum(1 for t in tests if t.status in (TestStatus.ERROR, TestStatus.NOT_RUN))
        suite = ET.SubElement(root, "testsuite", name=name, tests=str(max(len(tests), 1)),
                              failures=str(failures), errors=str(errors), time=f"{result.duration_s:.3f}")
        props = ET.SubElement(suite, "properties")
        for key, value in (("status", str(result.status)), ("score", f"{result.score:g}"),
                           ("max_score", f"{result.max_score:g}"), ("exercise", result.exercise)):
            ET.SubElement(props, "property", name=key, value=value)
        if not tests:
            case = ET.SubElement(suite, "testcase", name="grading", classname=name)
            if result.status is not Status.PASS:
                ET.SubElement(case, "error", message=str(result.status), type=str(result.status)).text = result.message
        for t in tests:
            case = ET.SubElement(suite, "testcase", name=t.name, classname=name, time=f"{t.duration_s:.3f}")
            if t.status is TestStatus.FAILED:
                ET.SubElement(case, "failure", message=t.message[:500], type="failed").text = t.message
            elif t.status in (TestStatus.ERROR, TestStatus.NOT_RUN):
                ET.SubElement(case, "error", message=t.message[:500], type=str(t.status)).text = t.message
            if t.output:
                ET.SubElement(case, "system-out").text = t.output
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
