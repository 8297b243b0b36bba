"""Categories, labels, VAT categories and per-template texts for the demo catalogue.

The product templates themselves are in products.csv; this module adds what the CSV does not hold:
the subcategory and illustration of each template, its French name, its ingredients (allergens in
CAPITALS), sellable pack sizes for templates priced per kg or per 100 g, and name variants.

Every Dutch text a product is built from (ingredients, a variant's added ingredients, the allergen words of
the "may contain" sentence, storage advice, pack units) has a French (Belgian) and English counterpart in
a table next to it, so that the seed fills each product's translations.
"""

from __future__ import annotations

from datetime import date

# --- VAT ---------------------------------------------------------------------------------------
# (code, nl name, fr name, en name, rate percent, valid from)
VAT_CATEGORIES = [
    ("food", "Voeding", "Alimentation", "Food", 6, date(2000, 1, 1)),
    ("soft_drink", "Niet-alcoholische dranken", "Boissons non alcoolisées", "Soft drinks", 6, date(2000, 1, 1)),
    ("alcohol", "Alcoholische dranken", "Boissons alcoolisées", "Alcoholic drinks", 21, date(2000, 1, 1)),
    ("non_food", "Niet-voeding", "Non alimentaire", "Non-food", 21, date(2000, 1, 1)),
]

# --- Labels ------------------------------------------------------------------------------------
# slug: (nl name, nl description, fr name, en name)
LABELS = {
    "bio": ("Bio", "Gecontroleerd biologisch geteeld of gekweekt.", "Bio", "Organic"),
    "hoevewinkel": ("Hoevewinkel", "Je kunt ook op de hoeve zelf terecht.", "Magasin à la ferme", "Farm shop"),
    "erkend-streekproduct": (
        "Erkend streekproduct",
        "Erkend als Vlaams streekproduct (streekproduct.be) of Europees beschermd.",
        "Produit régional reconnu",
        "Recognised regional product",
    ),
    "beschermde-oorsprong": (
        "Europees beschermde naam",
        "Beschermde geografische aanduiding van de Europese Unie.",
        "Indication géographique protégée",
        "EU protected name",
    ),
    "korte-keten": (
        "Korte keten",
        "Rechtstreeks van de producent, met hoogstens één tussenschakel.",
        "Circuit court",
        "Short supply chain",
    ),
    "ambachtelijk": ("Ambachtelijk", "Met de hand en in kleine reeksen gemaakt.", "Artisanal", "Artisanal"),
    "weidemelk": ("Weidemelk", "De koeien lopen minstens 120 dagen per jaar buiten.", "Lait de pâturage", "Pasture milk"),
    "familiebedrijf": ("Familiebedrijf", "Al minstens drie generaties in dezelfde familie.", "Entreprise familiale", "Family business"),
}

# --- Categories ----------------------------------------------------------------------------------
# Top categories with their subcategories: (slug, nl, fr, en, illustration); illustrations are the SVG
# files in static/img/catalog/.
CATEGORIES = [
    (
        ("zuivel-kaas-eieren", "Zuivel, kaas & eieren", "Produits laitiers, fromages & œufs", "Dairy, cheese & eggs", "cheese"),
        [
            ("melk-room", "Melk & room", "Lait & crème", "Milk & cream", "milk"),
            ("kaas", "Kaas", "Fromages", "Cheese", "cheese"),
            ("boter-yoghurt", "Boter, yoghurt & plattekaas", "Beurre, yaourt & fromage blanc", "Butter, yoghurt & quark", "yoghurt"),
            ("ijs-desserts", "IJs & desserts", "Glaces & desserts", "Ice cream & desserts", "icecream"),
            ("eieren", "Eieren", "Œufs", "Eggs", "eggs"),
        ],
    ),
    (
        ("vlees-charcuterie", "Vlees & charcuterie", "Viandes & charcuterie", "Meat & charcuterie", "ham"),
        [
            ("vers-vlees", "Vers vlees", "Viande fraîche", "Fresh meat", "steak"),
            ("gevogelte", "Gevogelte", "Volaille", "Poultry", "chicken"),
            ("worsten", "Worsten", "Saucisses", "Sausages", "sausage"),
            ("charcuterie", "Charcuterie", "Charcuterie", "Cold cuts", "ham"),
        ],
    ),
    (
        ("groenten-fruit", "Groenten & fruit", "Fruits & légumes", "Fruit & vegetables", "vegetables"),
        [
            ("groenten", "Groenten", "Légumes", "Vegetables", "vegetables"),
            ("aardappelen-ajuin", "Aardappelen & ajuin", "Pommes de terre & oignons", "Potatoes & onions", "potatoes"),
            ("fruit", "Fruit", "Fruits", "Fruit", "apples"),
            ("zacht-fruit", "Aardbeien & zacht fruit", "Fraises & petits fruits", "Strawberries & soft fruit", "strawberries"),
        ],
    ),
    (
        ("brood-gebak", "Brood & gebak", "Pains & pâtisseries", "Bread & pastry", "bread"),
        [
            ("brood", "Brood", "Pains", "Bread", "bread"),
            ("taarten-vlaaien", "Taarten & vlaaien", "Tartes & flans", "Tarts & vlaai", "vlaai"),
        ],
    ),
    (
        ("zoetigheden", "Zoetigheden", "Douceurs", "Sweets", "cuberdons"),
        [
            ("koekjes", "Koekjes", "Biscuits", "Biscuits", "biscuits"),
            ("snoep", "Snoep", "Bonbons", "Confectionery", "cuberdons"),
            ("chocolade", "Chocolade", "Chocolat", "Chocolate", "chocolate"),
        ],
    ),
    (
        ("dranken", "Dranken", "Boissons", "Drinks", "beer"),
        [
            ("bier", "Bier", "Bières", "Beer", "beer"),
            ("wijn-cider", "Wijn & cider", "Vins & cidres", "Wine & cider", "wine"),
            ("sterke-drank-likeur", "Sterke drank & likeur", "Spiritueux & liqueurs", "Spirits & liqueurs", "jenever"),
            ("sap-frisdrank", "Sap & frisdrank", "Jus & limonades", "Juice & soft drinks", "juice"),
        ],
    ),
    (
        ("koffie-thee", "Koffie & thee", "Café & thé", "Coffee & tea", "coffee"),
        [
            ("koffie", "Koffie", "Café", "Coffee", "coffee"),
            ("thee", "Thee & kruiden", "Thés & tisanes", "Tea & herbs", "tea"),
        ],
    ),
    (
        ("honing-confituur", "Honing & confituur", "Miel & confitures", "Honey & jam", "honey"),
        [
            ("honing", "Honing", "Miel", "Honey", "honey"),
            ("confituur-stroop", "Confituur & stroop", "Confitures & sirops", "Jam & fruit spreads", "jam"),
        ],
    ),
    (
        ("sauzen-mosterd", "Sauzen & mosterd", "Sauces & moutardes", "Sauces & mustard", "mustard"),
        [
            ("mosterd", "Mosterd", "Moutardes", "Mustard", "mustard"),
            ("sauzen-pickles", "Sauzen, pickles & azijn", "Sauces, pickles & vinaigres", "Sauces, pickles & vinegar", "sauce"),
        ],
    ),
    (
        ("bereide-gerechten", "Bereide gerechten", "Plats préparés", "Ready meals", "stew"),
        [
            ("hoofdgerechten", "Hoofdgerechten", "Plats principaux", "Main dishes", "stew"),
            ("soepen", "Soepen", "Soupes", "Soups", "soup"),
        ],
    ),
]
