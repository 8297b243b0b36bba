"""Which values of a long facet are shown at once (shop/core/facets.py)."""

from dataclasses import dataclass, field

from shop.core.facets import facet_view, tree_facet_view


@dataclass
class Value:
    value: str
    count: int
    selected: bool = False
    children: list = field(default_factory=list)


def test_a_facet_shows_its_six_biggest_values_and_the_selected_ones_in_its_own_order():
    values = [Value(name, count) for name, count in zip("abcdefghijkl", [1, 9, 3, 9, 2, 8, 7, 1, 6, 5, 1, 4], strict=True)]
    values[0].selected = True
    view = facet_view(values)
    assert [v.value for v in view.top] == ["a", "b", "d", "f", "g", "i", "j"]
    assert [v.value for v in view.rest] == ["c", "e", "h", "k", "l"]
    assert view.total == 12 and view.rest_in_page


def test_a_facet_of_up_to_eight_values_is_shown_whole():
    view = facet_view([Value(str(n), n) for n in range(8)])
    assert len(view.top) == 8 and view.rest == []


def test_a_long_rest_is_left_out_of_the_page_unless_the_facet_is_opened():
    values = [Value(str(n), n) for n in range(30)]
    assert not facet_view(values).rest_in_page
    assert facet_view(values, opened=True).rest_in_page


def test_a_tree_shows_the_children_of_chosen_branches_only_when_it_is_big():
    tops = [Value(f"t{t}", 3, children=[Value(f"t{t}c{c}", 1) for c in range(3)]) for t in range(4)]
    tops[1].children[2].selected = True
    view = tree_facet_view(tops)
    assert [(top.value, [c.value for c in children]) for top, children in view.branches] == [
        ("t0", []), ("t1", ["t1c0", "t1c1", "t1c2"]), ("t2", []), ("t3", [])]
    assert view.hidden_children == 9 and view.total == 16
    assert tree_facet_view(tops, opened=True).hidden_children == 0
    assert tree_facet_view(tops[:3]).hidden_children == 0  # 12 values: shown whole
