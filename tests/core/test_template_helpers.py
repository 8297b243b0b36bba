"""The templates' fast helpers give what Flask-Babel and url_for give: the same translation in every language (also
inside force_locale), the same URL for the same values (the query string in their order, values of other types
kept apart)."""

from flask import render_template_string, url_for
from flask_babel import force_locale, get_locale, gettext, ngettext

from shop.core import i18n


def test_the_fast_translations_follow_the_visitors_language_and_force_locale(app):
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        assert i18n.current_language() == "fr"
        assert i18n.gettext("Uitverkocht") == gettext("Uitverkocht") == "Épuisé"
        assert render_template_string("{{ _('Uitverkocht') }}") == "Épuisé"
        with force_locale("en"):
            assert i18n.current_language() == "en"
            assert i18n.gettext("Uitverkocht") == gettext("Uitverkocht")
            assert render_template_string("{{ _('Uitverkocht') }}") == gettext("Uitverkocht") != "Épuisé"
        assert i18n.current_language() == "fr" == get_locale().language
        assert i18n.gettext("Uitverkocht") == "Épuisé"


def test_a_visitors_language_is_made_into_a_babel_locale_once_per_process(app):
    # Flask-Babel parses the language its selector answers on every request; given a Locale, it keeps it as it is.
    locales = []
    for language in ("fr", "nl", "fr"):
        with app.test_request_context("/", headers={"Accept-Language": language}):
            locales.append(get_locale())
    assert [str(locale) for locale in locales] == ["fr", "nl", "fr"]
    assert locales[0] is locales[2]


def test_the_fast_template_gettext_formats_and_escapes_as_jinjas_own(app):
    with app.test_request_context("/", headers={"Accept-Language": "nl"}):
        html = render_template_string(
            "{{ _('Zoeken naar “%(query)s”', query='<b>') }}|{{ ngettext('%(num)d product', '%(num)d producten', 3) }}"
            "|{{ ngettext('%(num)d product', '%(num)d producten', 1) }}|{{ _('100%%') }}"
        )
        assert html == "Zoeken naar “&lt;b&gt;”|3 producten|1 product|100%"
        assert i18n.ngettext("%(num)d product", "%(num)d producten", 2) == ngettext(
            "%(num)d product", "%(num)d producten", 2) == "2 producten"


def test_the_memo_of_urls_gives_url_fors_answer(app):
    memo = app.extensions["url_memo"]
    with app.test_request_context("/"):
        cases = [
            ("storefront.product_detail", {"slug": "kaas"}),
            ("storefront.product_list", {"categorie": ["kaas", "bier"], "pagina": ["2"]}),
            ("storefront.product_list", {"pagina": ["2"], "categorie": ["kaas", "bier"]}),
            ("storefront.product_list", {"seizoen": 1}),
            ("storefront.product_list", {"seizoen": True}),
            ("static", {"filename": "css/shop.css"}),
        ]
        for endpoint, values in cases * 2:  # the second time from the memo
            assert memo(endpoint, **values) == url_for(endpoint, **values)
        assert memo("storefront.product_list", seizoen=1) == "/producten?seizoen=1"
        assert memo("storefront.product_list", seizoen=True) == "/producten?seizoen=True"
    with app.test_request_context("/", base_url="http://localhost/winkel"):
        assert memo("storefront.product_detail", slug="kaas") == "/winkel/producten/kaas"
