"""A caregiver's day of four visits in Toronto, with the positions and times that make its
drives: what the mileage and travel tests pay and bill.

Every place is on the meridian 79.40 W, so each great-circle distance is the Earth's mean
radius times the difference of latitudes: 6,371,008.8 m x 0.1 deg x pi / 180 = 11,119.5 m.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.factories import Agency, create_patient, create_user
from tests.factories_payroll import account_settings, visit

LONGITUDE = -79.40
SERVICES = [
    {"code": "PSW", "description": "Personal support", "billRate": "34.00", "payRate": "20.00",
     "taxes": ["HST"], "billMileage": True, "mileageBillRate": "0.75"},
    {"code": "HMK", "description": "Homemaking", "billRate": "30.00", "payRate": "20.00"},
]  # fmt: skip
TAXES = [{"code": "HST", "label": "HST 13%", "rate": "13"}]


def place(latitude: float) -> dict[str, float]:
    return {"latitude": latitude, "longitude": LONGITUDE}


def address(latitude: float) -> dict[str, Any]:
    return {"city": "Toronto", "geo": place(latitude)}


@dataclass
class Day:
    """The caregiver, the patients, and the punchcards in visit order (the fifth is Tuesday's)."""

    caregiver: str
    patients: dict[str, str]
    cards: list[dict[str, Any]]


async def travel_agency(agency: Agency, **payroll: Any) -> None:
    """PSW bills mileage at 0.75 a km (with HST), HMK does not; payroll as given."""
    await account_settings(agency, services=SERVICES, taxes=TAXES, payrollSettings=payroll)


async def four_visit_day(agency: Agency) -> Day:
    """Ada's Monday March 3, 2025 (EST: 13:00 UTC is 08:00), then a Tuesday visit:

    1. 13:00-15:00 Ann (PSW, 2 h at 20.00): Ann lives at 43.55 N, Ada clocks out at 43.60 N
       (an errand for her): the drive after it starts there.
    2. 15:25-16:55 Bea (PSW, 1.5 h at 20.00) at 43.70 N: 0.10 deg from 43.60, a 25 min gap.
    3. 18:30-20:00 Cal (HMK, 1.5 h at 20.00) at 43.75 N: 0.05 deg, a 95 min gap.
    4. 20:10-21:55 Bea (PSW, 1.75 h at 24.00) by telephony, no position: her address, 43.95 N;
       0.20 deg from Cal's clock-out, a 10 min gap.
    5. Tuesday 13:00-15:00 Ann (PSW, 2 h at 20.00): the first visit of its day.
    """
    ada = (await create_user(agency, name={"first": "Ada", "last": "Osei"}))["id"]
    names = {"Ann": 43.55, "Bea": 43.95, "Cal": 43.75}
    patients = {
        name: (await create_patient(agency, name={"first": name, "last": "Roy"}))["id"]
        for name in names
    }

    def gps(at_in: float, at_out: float) -> dict[str, Any]:
        return {"method": "GPS", "clockInLocation": place(at_in),
                "clockOutLocation": place(at_out)}  # fmt: skip

    def bill(hours: str, rate: str = "34.00") -> dict[str, Any]:
        return {"hours": hours, "rate": rate}

    cards = [
        await visit(agency, ada, 0, (13, 0), "2", patient=patients["Ann"],
                    location=address(43.55), actual=gps(43.55, 43.60), bill=bill("2")),
        await visit(agency, ada, 0, (15, 25), "1.5", patient=patients["Bea"],
                    location=address(43.70), actual=gps(43.70, 43.70), bill=bill("1.5")),
        await visit(agency, ada, 0, (18, 30), "1.5", service="HMK",
                    patient=patients["Cal"], location=address(43.75),
                    actual=gps(43.75, 43.75), bill=bill("1.5", "30.00")),
        await visit(agency, ada, 0, (20, 10), "1.75", rate="24.00",
                    patient=patients["Bea"], location=address(43.95),
                    bill=bill("1.75")),
        await visit(agency, ada, 1, (13, 0), "2", patient=patients["Ann"],
                    location=address(43.55), actual=gps(43.55, 43.55), bill=bill("2")),
    ]  # fmt: skip
    return Day(ada, patients, cards)
