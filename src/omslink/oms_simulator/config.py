"""The simulator's settings: its webhook secret and encryption key, its ERP API key and URL.

`omslink up` keeps them in a JSON file of mode 0600 in the data dir, so a restart reuses the
same secrets and the OMS app made for the simulator keeps working.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import asdict, dataclass, replace
from pathlib import Path


@dataclass(frozen=True)
class SimulatorConfig:
    webhook_secret: str
    encryption_key: str | None
    api_key: str
    org_unit: str
    erp_url: str
    port: int

    @classmethod
    def fresh(cls, *, org_unit: str, erp_url: str, port: int) -> SimulatorConfig:
        """New secrets; the API key is filled in once the ERP has issued one."""
        return cls(
            webhook_secret="whsec_" + base64.b64encode(secrets.token_bytes(24)).decode(),
            encryption_key=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            api_key="",
            org_unit=org_unit,
            erp_url=erp_url,
            port=port,
        )

    @classmethod
    def load(cls, path: Path) -> SimulatorConfig:
        raw = json.loads(path.read_text())
        return cls(
            webhook_secret=str(raw["webhook_secret"]),
            encryption_key=str(raw["encryption_key"]) if raw.get("encryption_key") else None,
            api_key=str(raw.get("api_key", "")),
            org_unit=str(raw["org_unit"]),
            erp_url=str(raw["erp_url"]),
            port=int(raw["port"]),
        )

    def save(self, path: Path) -> None:
        """Write atomically, readable by the owner only: the file holds secrets."""
        temporary = path.with_name(path.name + ".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(asdict(self), handle, indent=2)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)

    def with_changes(self, **changes: object) -> SimulatorConfig:
        return replace(self, **changes)  # type: ignore[arg-type]
