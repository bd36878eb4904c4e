"""Indian states and union territories: the two-letter codes the contract uses, and GST codes.

Both the ISO 3166-2:IN letters and the ones printed on vehicle plates are accepted (CT/CG,
OR/OD, TG/TS, UT/UK), because OMS vendors send either; each maps to one GST state code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class State:
    gst_code: str
    name: str


_STATES = {
    "JK": State("01", "Jammu and Kashmir"),
    "HP": State("02", "Himachal Pradesh"),
    "PB": State("03", "Punjab"),
    "CH": State("04", "Chandigarh"),
    "UT": State("05", "Uttarakhand"),
    "HR": State("06", "Haryana"),
    "DL": State("07", "Delhi"),
    "RJ": State("08", "Rajasthan"),
    "UP": State("09", "Uttar Pradesh"),
    "BR": State("10", "Bihar"),
    "SK": State("11", "Sikkim"),
    "AR": State("12", "Arunachal Pradesh"),
    "NL": State("13", "Nagaland"),
    "MN": State("14", "Manipur"),
    "MZ": State("15", "Mizoram"),
    "TR": State("16", "Tripura"),
    "ML": State("17", "Meghalaya"),
    "AS": State("18", "Assam"),
    "WB": State("19", "West Bengal"),
    "JH": State("20", "Jharkhand"),
    "OR": State("21", "Odisha"),
    "CT": State("22", "Chhattisgarh"),
    "MP": State("23", "Madhya Pradesh"),
    "GJ": State("24", "Gujarat"),
    "DH": State("26", "Dadra and Nagar Haveli and Daman and Diu"),
    "MH": State("27", "Maharashtra"),
    "KA": State("29", "Karnataka"),
    "GA": State("30", "Goa"),
    "LD": State("31", "Lakshadweep"),
    "KL": State("32", "Kerala"),
    "TN": State("33", "Tamil Nadu"),
    "PY": State("34", "Puducherry"),
    "AN": State("35", "Andaman and Nicobar Islands"),
    "TG": State("36", "Telangana"),
    "AP": State("37", "Andhra Pradesh"),
    "LA": State("38", "Ladakh"),
}
_ALIASES = {"CG": "CT", "OD": "OR", "TS": "TG", "UK": "UT", "DD": "DH", "DN": "DH"}

STATE_CODES = frozenset(_STATES) | frozenset(_ALIASES)


def canonical_state_code(code: str) -> str:
    """The one code a state is stored under, so CG and CT compare equal."""
    return _ALIASES.get(code, code)


def state(code: str) -> State:
    return _STATES[canonical_state_code(code)]


def state_choices() -> list[tuple[str, str]]:
    """(code, name) of every state and union territory, by name, for select boxes."""
    return sorted(((code, entry.name) for code, entry in _STATES.items()), key=lambda pair: pair[1])
