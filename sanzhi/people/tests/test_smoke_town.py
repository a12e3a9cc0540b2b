from sanzhi.core.testing import Town
from sanzhi.grids.selectors import subtree_totals


def test_town_counts_roll_up(town: Town) -> None:
    assert subtree_totals(town.county).households == 3
    assert subtree_totals(town.village).residents == 3
    assert subtree_totals(town.other_village).households == 1
