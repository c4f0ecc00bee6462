"""Demo files: care plans and consent forms of some patients, caregivers' certificates and the
agency's client policy, generated as small text and PDF documents and stored by upload."""

from __future__ import annotations

from typing import Any

from app.common.demo import DemoAccount, RawDoc
from app.common.services import decode
from app.common.text import full_name
from app.data.scope import Scope
from app.files.documents import FileOwnerType, FileType
from app.files.services import Owner, UploadDetails, upload_file

PATIENTS_WITH_FILES = 8
CAREGIVERS_WITH_CERTIFICATES = 3


def simple_pdf(title: str, lines: list[str]) -> bytes:
    """A valid one-page PDF showing a title and lines of text in Helvetica."""

    def text(value: str) -> str:
        return value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    operations = ["BT", "/F1 16 Tf", "72 750 Td", f"({text(title)}) Tj", "/F1 11 Tf", "0 -30 Td"]
    for line in lines:
        operations += [f"({text(line)}) Tj", "0 -16 Td"]
    operations.append("ET")
    stream = "\n".join(operations).encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    table = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        table,
    )
    return bytes(pdf)


def _full_name(person: RawDoc) -> str:
    return full_name(person.get("name")) or "Client"


def care_plan(patient: RawDoc, agency: str) -> str:
    """A care plan as an agency writes one: needs, services and the visit checklist."""
    data: dict[str, Any] = decode(patient)
    lines = [f"CARE PLAN - {_full_name(data)}", f"Prepared by {agency}", ""]
    lines.append("Health conditions:")
    for problem in data.get("problems") or [{"title": "None recorded"}]:
        severity = f" ({problem['severity']})" if problem.get("severity") else ""
        lines.append(f"  - {problem.get('title')}{severity}")
    lines += ["", "Services:"]
    for service in data.get("services") or []:
        hours = service.get("hours_per_week")
        lines.append(f"  - {service.get('code')}: {hours or 'as needed'} hours a week")
    lines += ["", "At every visit:"]
    for item in (data.get("checklist") or {}).get("items") or []:
        lines.append(f"  [ ] {item.get('title')}")
    languages = ", ".join(lang.get("name") or lang["code"] for lang in data.get("languages") or [])
    if languages:
        lines += ["", f"Speaks: {languages}"]
    lines += ["", "Review this plan with the client and family every 90 days."]
    return "\n".join(lines) + "\n"


def _slug(text: str) -> str:
    return "-".join("".join(c for c in word if c.isalnum()) for word in text.lower().split())


async def seed(demo: DemoAccount) -> None:
    agency = str((demo.account.get("name") or {}).get("display") or "The agency")
    made: list[RawDoc] = []
    scope = Scope(demo.database, demo.actor)

    async def store(owner: Owner, name: str, kind: FileType, content: bytes, notes: str) -> None:
        details = UploadDetails(owner=owner, name=name, type=kind, notes=notes)
        made.append(await upload_file(scope, details, content))

    policy = simple_pdf(
        f"{agency} - Client policy",
        [
            "1. Visits start within 15 minutes of the scheduled time.",
            "2. Cancel at least 24 hours ahead, or the visit is billed.",
            "3. Caregivers do not administer medication; they remind.",
            "4. Concerns go to your case coordinator, who answers within one business day.",
        ],
    )
    await store(
        Owner(FileOwnerType.ACCOUNT, demo.account["_id"]),
        "client-policy.pdf",
        FileType.DOCUMENT,
        policy,
        "Given to every new client.",
    )
    count = min(PATIENTS_WITH_FILES, len(demo.patients))
    for index, patient in enumerate(demo.rng.sample(demo.patients, count)):
        owner, name = Owner(FileOwnerType.PATIENT, patient["_id"]), _full_name(patient)
        await store(
            owner,
            f"care-plan-{_slug(name)}.txt",
            FileType.CARE_PLAN,
            care_plan(patient, agency).encode(),
            "Agreed at the intake visit.",
        )
        if index % 2 == 0:
            consent = simple_pdf(
                "Consent to care",
                [f"I, {name}, consent to receive home care from {agency}.", "Signed on file."],
            )
            await store(owner, "consent-form.pdf", FileType.CONTRACT, consent, "Signed copy.")
    count = min(CAREGIVERS_WITH_CERTIFICATES, len(demo.caregivers))
    for caregiver in demo.rng.sample(demo.caregivers, count):
        name = _full_name(caregiver)
        certificate = simple_pdf(
            "Certificate of completion",
            [f"{name} has completed CPR and First Aid (level C).", "Valid for one year."],
        )
        await store(
            Owner(FileOwnerType.USER, caregiver["_id"]),
            f"cpr-certificate-{_slug(name)}.pdf",
            FileType.CERTIFICATE,
            certificate,
            "Checked against the original.",
        )
    demo.made["files"] = made
