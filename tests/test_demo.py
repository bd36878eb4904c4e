"""The demo data set lands whole or not at all, so a failed first start can simply be rerun."""

from __future__ import annotations

import pytest

from omslink.accounts.services import user_create
from omslink.core.errors import Conflict
from omslink.demo import DEMO_LOGIN, load_demo_if_empty
from omslink.inventory.models import StockBalance
from omslink.masters.models import Item, OrgUnit
from tests.conftest import built_in_roles_restore


@pytest.mark.django_db(transaction=True)
def test_a_failure_midway_leaves_nothing_and_a_rerun_loads_everything() -> None:
    built_in_roles_restore()  # an earlier transactional test's flush removed them
    squatter = user_create(username=DEMO_LOGIN.warehouse, password="correct-horse-9", role="Viewer")
    with pytest.raises(Conflict):
        load_demo_if_empty()
    assert not OrgUnit.objects.exists()
    assert not Item.objects.exists()
    squatter.delete()
    assert load_demo_if_empty() is True
    assert sorted(OrgUnit.objects.values_list("code", flat=True)) == ["OU1", "OU2"]
    assert StockBalance.objects.filter(site__code="WH1", on_hand__gt=0).count() == 12
    assert load_demo_if_empty() is False
