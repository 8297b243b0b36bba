"""Reference data: the facts every shop database needs whether or not it holds a demo catalogue.

VAT categories and their dated rates, the two-level product categories, the quality labels, the regions
(streken), the province's municipalities and localities. They live as CSV files in ``data/`` (sources and
licences in ``data/SOURCES.md``); :func:`shop.reference.loader.load_reference_data` brings a database in
line with them, and ``flask --app shop reference-data`` runs it. The demo seed calls the same loader first.

Every Belgian postcode with its municipality (``data/belgian_postcodes.csv``) is read into memory instead, by
:mod:`shop.reference.postcodes`, the one check of an address's postcode and place.
"""
