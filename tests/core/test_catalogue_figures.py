"""Figures kept until the catalogue changes (shop.core.page_cache.until_catalogue_changes)."""

from shop.core.page_cache import catalogue_changed, until_catalogue_changes


def test_a_figure_is_kept_until_the_catalogue_changes(app, db):
    computed = []

    def compute():
        computed.append(len(computed) + 1)
        return len(computed)

    assert until_catalogue_changes("test:figure", compute) == (1, False)
    assert until_catalogue_changes("test:figure", compute) == (1, True)
    assert until_catalogue_changes("test:other", compute) == (2, False)

    catalogue_changed("price")  # outside a transaction: at once
    assert until_catalogue_changes("test:figure", compute) == (3, False)
    assert until_catalogue_changes("test:figure", compute) == (3, True)


def test_a_change_inside_a_transaction_counts_when_it_ends(app, db):
    assert until_catalogue_changes("test:late", lambda: "before") == ("before", False)
    db.session.begin()
    catalogue_changed("stock")
    assert until_catalogue_changes("test:late", lambda: "during") == ("before", True)
    db.session.commit()
    assert until_catalogue_changes("test:late", lambda: "after") == ("after", False)
