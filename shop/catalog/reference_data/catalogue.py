"""Categories, labels, VAT categories and per-template texts for the demo catalogue.

The product templates themselves are in products.csv; this module adds what the CSV does not hold:
the subcategory and illustration of each template, its French name, its ingredients (allergens in
CAPITALS), sellable pack sizes for templates priced per kg or per 100 g, and name variants.
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

# --- Templates -----------------------------------------------------------------------------------
# template number: (subcategory slug, illustration, French name, Dutch ingredients with allergens in CAPITALS)
TEMPLATES = {
    1: ("melk-room", "milk", "Lait entier de la ferme", "Volle koeMELK, gepasteuriseerd."),
    2: ("melk-room", "milk", "Babeurre", "Karnemelk (MELK), melkzuurculturen."),
    3: ("melk-room", "milk", "Lait chocolaté de la ferme", "Volle MELK, suiker, cacaopoeder (4 %), verdikkingsmiddel: carrageen."),
    4: ("boter-yoghurt", "butter", "Beurre de ferme", "ROOM (MELK), zuursel. Ongezouten."),
    5: ("boter-yoghurt", "yoghurt", "Yaourt fermier nature", "Volle MELK, yoghurtculturen."),
    6: ("boter-yoghurt", "yoghurt", "Yaourt fermier à la fraise", "Volle MELK, aardbeien (12 %), suiker, yoghurtculturen."),
    7: ("boter-yoghurt", "yoghurt", "Fromage blanc entier", "Volle MELK, melkzuurculturen, stremsel."),
    8: ("ijs-desserts", "yoghurt", "Riz au lait flamand", "Volle MELK, rijst (12 %), suiker, saffraan, vanille."),
    9: ("ijs-desserts", "yoghurt", "Matten de Grammont", "Rauwe MELK, KARNEMELK."),
    10: ("kaas", "cheese", "Fromage fermier jeune", "Rauwe koeMELK, zout, stremsel, kaaskweek. Korst niet eetbaar."),
    11: ("kaas", "cheese", "Fromage fermier demi-affiné", "Rauwe koeMELK, zout, stremsel, kaaskweek. Korst niet eetbaar."),
    12: ("kaas", "cheese", "Fromage de chèvre frais", "GeitenMELK, zout, melkzuurculturen, stremsel."),
    13: ("boter-yoghurt", "yoghurt", "Fromage blanc de brebis", "SchapenMELK, melkzuurculturen, stremsel."),
    14: ("kaas", "cheese", "Fromage fermier de brebis du Scheldeland", "Rauwe schapenMELK, zout, stremsel, kaaskweek. Korst niet eetbaar."),
    15: ("kaas", "cheese", "Fromage Adriaen Brouwer", "Rauwe koeMELK, zout, stremsel, kaaskweek. Korst niet eetbaar."),
    16: ("ijs-desserts", "icecream", "Glace de la ferme, vanille", "Volle MELK, ROOM, suiker, EIGEEL, vanille."),
    17: ("eieren", "eggs", "Œufs fermiers de poules élevées en plein air", "Scharreleieren (EIEREN) van de hoeve."),
    18: ("eieren", "eggs", "Œufs fermiers de poules élevées en plein air", "Scharreleieren (EIEREN) van de hoeve."),
    19: ("eieren", "eggs", "Œufs bio", "Biologische EIEREN."),
    20: ("eieren", "eggs", "Œufs de caille", "KwartelEIEREN."),
    21: ("vers-vlees", "steak", "Haché mixte porc-bœuf", "Varkensvlees (50 %), rundvlees (50 %)."),
    22: ("vers-vlees", "steak", "Entrecôte de bœuf", "Rundvlees (entrecote)."),
    23: ("vers-vlees", "steak", "Bœuf à braiser", "Rundvlees (schouder en borst) in blokjes."),
    24: ("vers-vlees", "steak", "Burger de la ferme", "Rundvlees, varkensvlees, paneermeel (TARWEBLOEM, gist, zout), EIEREN, ui, zout, peper, nootmuskaat."),
    25: ("vers-vlees", "steak", "Côte de porc", "Varkensvlees (kotelet)."),
    26: ("worsten", "sausage", "Saucisse fraîche", "Varkensvlees, water, beschuit (TARWEBLOEM), zout, kruiden, natuurdarm."),
    27: ("gevogelte", "chicken", "Poulet fermier entier", "Hoevekip, schoongemaakt."),
    28: ("gevogelte", "chicken", "Filet de poulet", "Kippenfilet."),
    29: ("vers-vlees", "steak", "Gigot d'agneau", "Lamsvlees (bout)."),
    30: ("charcuterie", "ham", "Jambon séché", "Varkensbil, zeezout. Minstens tien maanden gedroogd."),
    31: ("charcuterie", "ham", "Jambon d'abbaye d'Ename", "Varkensbil, zout, peper. Lang gerijpt."),
    32: ("charcuterie", "ham", "Jambon cuit de la ferme", "Varkensvlees, water, zout, dextrose, specerijen, antioxidant: natriumascorbaat, conserveermiddel: natriumnitriet."),
    33: ("charcuterie", "ham", "Filet d'Anvers", "Rundvlees, zout, specerijen, conserveermiddel: natriumnitriet. Gerookt boven beukenhout."),
    34: ("charcuterie", "ham", "Pâté de la ferme", "Varkensvlees, varkenslever, spek, ui, broodkruim (TARWE), EIEREN, MELK, zout, peper, tijm."),
    35: ("worsten", "sausage", "Boudin blanc", "Varkensvlees, MELK, wit brood (TARWEBLOEM), EIEREN, ui, zout, nootmuskaat, natuurdarm."),
    36: ("charcuterie", "ham", "Tête pressée", "Varkenskop, ui, azijn, zout, peper, kruiden."),
    37: ("worsten", "sausage", "Saucisse de cheval de Lokeren (crue)", "Paardenvlees (70 %), varkensspek, zout, peper, specerijen, natuurdarm."),
    38: ("charcuterie", "ham", "Viande de cheval fumée", "Paardenvlees, zout, specerijen, conserveermiddel: natriumnitriet. Gerookt."),
    39: ("worsten", "sausage", "Saucisson sec", "Varkensvlees, spek, zout, peper, look, starterculturen, conserveermiddel: natriumnitriet."),
    40: ("aardappelen-ajuin", "potatoes", "Pommes de terre à chair ferme", "Aardappelen (ras: Nicola of Charlotte)."),
    41: ("groenten", "carrots", "Carottes", "Wortelen."),
    42: ("aardappelen-ajuin", "potatoes", "Oignons", "Gele ajuin."),
    43: ("groenten", "leek", "Poireaux", "Prei."),
    44: ("groenten", "witloof", "Chicons", "Witloof."),
    45: ("groenten", "witloof", "Chicons de pleine terre", "Grondwitloof, in volle grond getrokken."),
    46: ("groenten", "vegetables", "Choux de Bruxelles", "Spruitjes."),
    47: ("groenten", "vegetables", "Chou-fleur", "Bloemkool."),
    48: ("groenten", "vegetables", "Laitue", "Kropsla."),
    49: ("groenten", "vegetables", "Tomates", "Tomaten."),
    50: ("groenten", "vegetables", "Courgette", "Courgette."),
    51: ("groenten", "vegetables", "Céleri-rave", "Knolselder (SELDERIJ)."),
    52: ("groenten", "vegetables", "Potiron", "Pompoen."),
    53: ("groenten", "leek", "Asperges blanches", "Witte asperges, klasse I."),
    54: ("groenten", "vegetables", "Épinards", "Spinazie."),
    55: ("groenten", "vegetables", "Chou rouge", "Rode kool."),
    56: ("groenten", "vegetables", "Champignons de Paris", "Witte champignons."),
    57: ("groenten", "leek", "Rhubarbe", "Rabarber."),
    58: ("groenten", "carrots", "Légumes pour potage", "Wortel, prei, SELDERIJ, ui, peterselie."),
    59: ("groenten", "vegetables", "Panier de légumes de saison", "Groenten van het seizoen, meestal met SELDERIJ."),
    60: ("fruit", "apples", "Pommes Jonagold", "Appels (Jonagold)."),
    61: ("fruit", "apples", "Pommes Elstar", "Appels (Elstar)."),
    62: ("fruit", "apples", "Poires Conférence", "Peren (Conference)."),
    63: ("zacht-fruit", "strawberries", "Fraises", "Aardbeien."),
    64: ("zacht-fruit", "strawberries", "Fraises de Lochristi", "Aardbeien uit Lochristi."),
    65: ("zacht-fruit", "strawberries", "Framboises", "Frambozen."),
    66: ("zacht-fruit", "strawberries", "Myrtilles", "Blauwe bessen."),
    67: ("zacht-fruit", "strawberries", "Cerises", "Kersen."),
    68: ("fruit", "apples", "Prunes", "Pruimen."),
    69: ("fruit", "apples", "Compote de pommes", "Appels (90 %), suiker, citroensap."),
    70: ("fruit", "apples", "Rondelles de pomme séchées", "Gedroogde appel, antioxidant: zwaveldioxide (SULFIETEN)."),
    71: ("brood", "bread", "Pain de ferme blanc", "TARWEBLOEM, water, gist, zout, zonnebloemolie."),
    72: ("brood", "bread", "Pain complet", "Volkoren TARWEMEEL, water, gist, zout, TARWEGLUTEN."),
    73: ("brood", "bread", "Pain au levain", "TARWEBLOEM, volkoren ROGGEMEEL, water, desem, zout."),
    74: ("brood", "bread", "Pain au sucre", "TARWEBLOEM, parelsuiker (20 %), MELK, EIEREN, BOTER, gist, zout."),
    75: ("brood", "bread", "Cramique", "TARWEBLOEM, rozijnen (25 %), MELK, EIEREN, BOTER, suiker, gist, zout."),
    76: ("brood", "bread", "Mastel de Flandre-Orientale", "TARWEBLOEM, MELK, BOTER, EIEREN, suiker, gist, kaneel, zout."),
    77: ("taarten-vlaaien", "vlaai", "Tarte au maton de Grammont", "Bladerdeeg (TARWEBLOEM, BOTER), matten (MELK, KARNEMELK), EIEREN, suiker."),
    78: ("taarten-vlaaien", "vlaai", "Maaltjes de la région de Ninove", "TARWEBLOEM, matten (MELK), EIEREN, BOTER, suiker, gist, zout."),
    79: ("taarten-vlaaien", "vlaai", "Flan de la région de Ninove", "MELK, EIEREN, suiker, TARWEBLOEM, BOTER, kaneel."),
    80: ("taarten-vlaaien", "vlaai", "Flan d'Oostakker", "MELK, EIEREN, suiker, ontkorst wit brood (TARWE), BOTER, kaneel."),
    81: ("taarten-vlaaien", "vlaai", "Flan gantois", "Oud brood (TARWE), MELK, EIEREN, kandijsiroop, BOTER, kaneel, nootmuskaat."),
    82: ("taarten-vlaaien", "vlaai", "Tarte Adriaen Brouwer", "AMANDELEN, suiker, TARWEBLOEM, BOTER, EIEREN, ananas (12 %), MELK, poedersuiker."),
    83: ("taarten-vlaaien", "vlaai", "Tarte aux pommes", "Appels (45 %), TARWEBLOEM, BOTER, suiker, EIEREN, MELK, kaneel, zout."),
    84: ("koekjes", "biscuits", "Pain d'épices", "ROGGEMEEL, TARWEBLOEM, honing, kandijsuiker, specerijen, rijsmiddel: natriumcarbonaat."),
    85: ("snoep", "cuberdons", "Cuberdons (nez de Gand)", "Suiker, glucosestroop, water, gom arabicum, natuurlijk frambozenaroma, kleurstof: karmijn."),
    86: ("koekjes", "biscuits", "Mokken de Gand", "TARWEBLOEM, bruine suiker, BOTER, anijs, kaneel, rijsmiddel: natriumcarbonaat."),
    87: ("snoep", "cuberdons", "Sucette de Flandre-Orientale", "Suiker, glucosestroop, water, natuurlijk aroma, kleurstof: karmijn."),
    88: ("koekjes", "biscuits", "Gavers Valeirke", "TARWEBLOEM, suiker, HAZELNOTEN, AMANDELEN, BOTER, EIEREN, citroenschil."),
    89: ("koekjes", "biscuits", "Spéculoos de la ferme", "TARWEBLOEM, kandijsuiker, BOTER, speculaaskruiden, rijsmiddel: natriumcarbonaat."),
    90: ("koekjes", "biscuits", "Gaufres au beurre", "TARWEBLOEM, BOTER (25 %), EIEREN, suiker, vanille, zout."),
    91: ("koekjes", "biscuits", "Dentelles aux amandes", "AMANDELEN (30 %), suiker, BOTER, TARWEBLOEM, kaneel."),
    92: ("koekjes", "biscuits", "Meringues", "EIWIT (EIEREN), suiker."),
    93: ("snoep", "cuberdons", "Caramels au beurre", "Suiker, ROOM (MELK), BOTER (12 %), glucosestroop, zout."),
    94: ("chocolade", "chocolate", "Pralines du chocolatier fermier", "Suiker, cacaoboter, cacaomassa, volle MELKpoeder, HAZELNOTEN, ROOM, emulgator: SOJAlecithine, vanille."),
    95: ("chocolade", "chocolate", "Tablette de chocolat au lait", "Suiker, cacaoboter, volle MELKpoeder, cacaomassa, emulgator: SOJAlecithine, vanille. Cacao: minstens 33 %."),
    96: ("bier", "beer", "Bière brune d'Audenarde", "Water, GERSTEMOUT, mais, suiker, hop, gist."),
    97: ("bier", "beer", "Bière brune d'Audenarde", "Water, GERSTEMOUT, mais, suiker, hop, gist."),
    98: ("bier", "beer", "Bière de ferme blonde", "Water, GERSTEMOUT, TARWEMOUT, hop, suiker, gist."),
    99: ("bier", "beer", "Triple", "Water, GERSTEMOUT, kandijsuiker, hop, koriander, gist."),
    100: ("bier", "beer", "Double", "Water, GERSTEMOUT, donkere kandijsuiker, hop, gist."),
    101: ("bier", "beer", "Saison", "Water, GERSTEMOUT, TARWEMOUT, hop, peper, gist."),
    102: ("bier", "beer", "Bière blanche", "Water, GERSTEMOUT, ongemoute TARWE, HAVER, hop, koriander, curaçaoschil, gist."),
    103: ("bier", "beer", "Bière aux cerises", "Water, GERSTEMOUT, TARWE, krieken (20 %), hop, gist."),
    104: ("bier", "beer", "Bière aux herbes (gruit)", "Water, GERSTEMOUT, HAVER, gagel, rozemarijn, duizendblad, gist."),
    105: ("bier", "beer", "Bière de table", "Water, GERSTEMOUT, suiker, hop, gist."),
    106: ("bier", "beer", "Bière sans alcool", "Water, GERSTEMOUT, hop, natuurlijk aroma."),
    107: ("bier", "beer", "Coffret de bières régionales", "Zes streekbieren: water, GERSTEMOUT, TARWEMOUT, suiker, hop, gist."),
    108: ("wijn-cider", "wine", "Cidre fermier (pomme)", "Appelsap (100 %) gegist, antioxidant: SULFIETEN."),
    109: ("wijn-cider", "wine", "Poiré", "Perensap gegist, antioxidant: SULFIETEN."),
    110: ("wijn-cider", "wine", "Vin blanc", "Druiven. Bevat SULFIETEN."),
    111: ("wijn-cider", "wine", "Vin rouge", "Druiven. Bevat SULFIETEN."),
    112: ("wijn-cider", "wine", "Vin mousseux", "Druiven, suiker (dosage). Bevat SULFIETEN."),
    113: ("sterke-drank-likeur", "jenever", "Genièvre de grain de Flandre-Orientale (O'de Flander)", "Graanalcohol (rogge, mout, maïs), moutwijn, water, jeneverbes."),
    114: ("sterke-drank-likeur", "jenever", "Vieux genièvre de grain", "Graanalcohol, moutwijn (minstens 15 %), water, jeneverbes."),
    115: ("sterke-drank-likeur", "jenever", "Genièvre de Zelzate", "Graanalcohol, moutwijn, water, jeneverbes."),
    116: ("sterke-drank-likeur", "jenever", "Genièvre à la framboise", "Graanjenever, frambozensap (20 %), suiker."),
    117: ("sterke-drank-likeur", "jenever", "Liqueur de cuberdon", "Graanalcohol, suiker, water, natuurlijk frambozenaroma, kleurstof: karmijn."),
    118: ("sterke-drank-likeur", "jenever", "Advocaat (liqueur aux œufs)", "EIEREN (20 %), suiker, graanalcohol, vanille."),
    119: ("sterke-drank-likeur", "jenever", "Genièvre au houblon", "Graanjenever, hop, water."),
    120: ("sterke-drank-likeur", "jenever", "Liqueur de noix", "Graanalcohol, suiker, WALNOTEN, water."),
    121: ("sterke-drank-likeur", "jam", "Griottes au genièvre", "Krieken (50 %), graanjenever, suiker."),
    122: ("sap-frisdrank", "juice", "Jus de pomme de la ferme", "Appelsap (100 %), niet uit concentraat."),
    123: ("sap-frisdrank", "juice", "Jus pomme-poire", "Appelsap (70 %), perensap (30 %)."),
    124: ("sap-frisdrank", "juice", "Jus pomme-rhubarbe", "Appelsap (80 %), rabarbersap (20 %)."),
    125: ("sap-frisdrank", "juice", "Jus de pomme en bag-in-box", "Appelsap (100 %), niet uit concentraat."),
    126: ("sap-frisdrank", "juice", "Sirop de fleurs de sureau", "Suiker, water, vlierbloesem (8 %), citroensap."),
    127: ("sap-frisdrank", "juice", "Limonade artisanale", "Water, suiker, citroensap (10 %), koolzuur."),
    128: ("sap-frisdrank", "juice", "Jus de tomate", "Tomatensap (99 %), zout."),
    129: ("koffie", "coffee", "Café du pays d'Alost", "Gebrande koffiebonen (arabica en robusta)."),
    130: ("thee", "tea", "Tisane de la ferme", "Gedroogde munt, citroenmelisse, kamille, brandnetel."),
    131: ("honing", "honey", "Miel de printemps", "Honing (koolzaad, fruitbloesem, paardenbloem)."),
    132: ("honing", "honey", "Miel d'été", "Honing (linde, klaver, braam)."),
    133: ("honing", "honey", "Miel crémeux", "Honing, fijn gekristalliseerd."),
    134: ("confituur-stroop", "jam", "Confiture de fraises", "Aardbeien (55 %), suiker, citroensap, geleermiddel: pectine."),
    135: ("confituur-stroop", "jam", "Confiture de framboises", "Frambozen (55 %), suiker, citroensap, geleermiddel: pectine."),
    136: ("confituur-stroop", "jam", "Confiture de griottes", "Krieken (55 %), suiker, citroensap, geleermiddel: pectine."),
    137: ("confituur-stroop", "jam", "Confiture de rhubarbe", "Rabarber (55 %), suiker, citroensap, geleermiddel: pectine."),
    138: ("confituur-stroop", "jam", "Sirop de pommes et poires", "Peren, appels, suiker. Ingekookt."),
    139: ("mosterd", "mustard", "Moutarde de Gand", "Water, MOSTERDZAAD, azijn, zout."),
    140: ("mosterd", "mustard", "Moutarde de Gand", "Water, MOSTERDZAAD (bruin), azijn, zout, kurkuma."),
    141: ("mosterd", "mustard", "Moutarde à l'ancienne", "Water, MOSTERDZAAD (grof gemalen), azijn, zout."),
    142: ("sauzen-pickles", "sauce", "Mayonnaise de la ferme", "Zonnebloemolie, EIGEEL, MOSTERD, azijn, zout, peper."),
    143: ("sauzen-pickles", "sauce", "Sauce tartare", "Zonnebloemolie, EIGEEL, MOSTERD, augurk, kappertjes, ui, peterselie, azijn."),
    144: ("sauzen-pickles", "sauce", "Pickles flamands", "Bloemkool, augurk, ui, azijn, suiker, MOSTERDZAAD, kurkuma, maïszetmeel."),
    145: ("sauzen-pickles", "sauce", "Ketchup de la ferme", "Tomaten (70 %), suiker, azijn, ui, zout, specerijen."),
    146: ("sauzen-pickles", "sauce", "Vinaigre de cidre", "Appelciderazijn. Bevat SULFIETEN."),
    147: ("hoofdgerechten", "soup", "Waterzooi gantois au poulet", "Hoevekip (30 %), water, wortel, prei, SELDERIJ, ROOM (MELK), EIGEEL, ui, zout, peper."),
    148: ("hoofdgerechten", "stew", "Carbonnade flamande", "Rundvlees (50 %), bruin bier (GERSTEMOUT), ui, brood (TARWE), MOSTERD, bruine suiker, laurier, tijm."),
    149: ("hoofdgerechten", "stew", "Saucisses de cheval de Lokeren à la sauce tomate", "Paardenworst (45 %), tomaten, ui, SELDERIJ, zout, peper, tijm."),
    150: ("hoofdgerechten", "stew", "Saucisses de cheval de Termonde", "Paardenworst (50 %), donker tafelbier (GERSTEMOUT), ui, TARWEBLOEM, zout, peper."),
    151: ("hoofdgerechten", "stew", "Boulettes à la sauce tomate", "Gehakt (varken en rund), tomaten, paneermeel (TARWE), EIEREN, ui, SELDERIJ, zout, peper."),
    152: ("hoofdgerechten", "stew", "Vol-au-vent au poulet fermier", "Hoevekip, kippenbouillon (SELDERIJ), champignons, ROOM (MELK), TARWEBLOEM, BOTER, EIGEEL, balletjes, citroensap."),
    153: ("soepen", "soup", "Potage aux légumes", "Water, wortel, prei, SELDERIJ, ui, aardappel, zout, peper."),
    154: ("hoofdgerechten", "stew", "Hochepot flamand", "Varkensvlees, rundvlees, savooikool, wortelen, prei, SELDERIJ, aardappelen, ui, zout, peper."),
}

# Templates that a fictitious producer must not sell under that name (a trademark of one real firm):
# the generic template (Gentse mosterd) covers it.
SKIPPED_TEMPLATES = {139}

# Renames for brand names (the CSV's note asks fictitious producers to use the generic name).
RENAMED_TEMPLATES = {30: ("Gedroogde ham", "Jambon séché", "Dry-cured ham")}

# Protected or place-bound names: only producers in one of these municipalities may use them.
# A value "region:X" means any municipality of that streek.
ORIGIN_BOUND = {
    9: ["Geraardsbergen", "Lierde"],
    13: ["Haaltert"],
    14: ["region:scheldeland"],
    15: ["Oudenaarde"],
    31: ["Oudenaarde"],
    37: ["Lokeren"],
    38: ["Hamme", "Zele"],
    64: ["Lochristi"],
    76: ["Ninove"],
    77: ["Geraardsbergen", "Lierde"],
    78: ["Ninove"],
    79: ["Ninove"],
    80: ["Gent"],
    81: ["Gent"],
    82: ["Oudenaarde"],
    85: ["Gent", "Eeklo"],
    86: ["Gent"],
    87: ["Sint-Niklaas"],
    88: ["Gavere"],
    96: ["Oudenaarde"],
    97: ["Oudenaarde"],
    115: ["Zelzate"],
    129: ["Aalst"],
    140: ["Gent"],
    149: ["Lokeren"],
    150: ["Dendermonde"],
}

# What an origin-bound template becomes outside its place (None: not sold there at all).
GENERIC_OUTSIDE_ORIGIN = {129: ("Koffie huismelange", "Café mélange maison", "House-blend coffee")}

# Recognitions that earn the 'erkend-streekproduct' label, and EU protection that earns 'beschermde-oorsprong'.
RECOGNISED = {9, 13, 14, 76, 77, 78, 79, 80, 81, 82, 85, 87, 88, 113, 115, 118, 129, 140, 150}
EU_PROTECTED = {77, 113}

# --- Packs for templates priced per kg or per 100 g (stock is counted in whole packs) ---------------
# (unit label, net quantity in grams, price factor against the template price)
PACKS_PER_KG = {
    "kaas": [("ca. 250 g", 250, 0.25), ("ca. 500 g", 500, 0.5), ("ca. 1 kg", 1000, 1.0)],
    "vers-vlees": [("ca. 500 g", 500, 0.5), ("ca. 1 kg", 1000, 1.0)],
    "worsten": [("ca. 500 g", 500, 0.5), ("4 stuks, ca. 600 g", 600, 0.6)],
    "gevogelte": [("ca. 500 g", 500, 0.5), ("ca. 1 kg", 1000, 1.0)],
    "groenten": [("1 kg", 1000, 1.0), ("500 g", 500, 0.55)],
    "aardappelen-ajuin": [("1 kg", 1000, 1.0), ("2,5 kg", 2500, 2.3)],
    "fruit": [("1 kg", 1000, 1.0), ("2 kg", 2000, 1.85)],
    "zacht-fruit": [("500 g", 500, 0.55), ("1 kg", 1000, 1.0)],
}
PACKS_BY_TEMPLATE = {
    22: [("2 stuks, ca. 500 g", 500, 0.5), ("ca. 300 g", 300, 0.3)],
    25: [("2 stuks, ca. 450 g", 450, 0.45), ("4 stuks, ca. 900 g", 900, 0.9)],
    27: [("ca. 1,6 kg", 1600, 1.6), ("ca. 2 kg", 2000, 2.0)],
    28: [("2 stuks, ca. 400 g", 400, 0.4), ("ca. 1 kg", 1000, 1.0)],
    29: [("ca. 1,2 kg", 1200, 1.2), ("ca. 2 kg", 2000, 2.0)],
    53: [("1 kg", 1000, 1.0), ("500 g", 500, 0.55)],
}
PACKS_PER_100G = [("150 g", 150, 1.5), ("200 g", 200, 2.0), ("100 g", 100, 1.0)]

# Alternative sizes for fixed units: template number -> [(unit, net, net unit, price factor)].
EXTRA_SIZES = {
    5: [("1 kg", 1000, "g", 1.8)],
    10: [],
    96: [],
    98: [("75 cl", 750, "ml", 2.25)],
    99: [("75 cl", 750, "ml", 2.25)],
    100: [("75 cl", 750, "ml", 2.25)],
    101: [("75 cl", 750, "ml", 2.25)],
    122: [("3 l bag-in-box", 3000, "ml", 2.4)],
    129: [("500 g", 500, "g", 1.9), ("1 kg", 1000, "g", 3.6)],
    131: [("250 g", 250, "g", 0.6), ("1 kg", 1000, "g", 2.0)],
    132: [("250 g", 250, "g", 0.6), ("1 kg", 1000, "g", 2.0)],
    133: [("250 g", 250, "g", 0.6)],
    134: [("250 g", 250, "g", 0.72)],
    135: [("250 g", 250, "g", 0.72)],
    141: [("100 g", 100, "g", 0.6)],
    140: [("100 g", 100, "g", 0.6)],
    113: [("35 cl", 350, "ml", 0.55)],
    114: [("35 cl", 350, "ml", 0.55)],
}

# --- Name variants ------------------------------------------------------------------------------
# template number -> [(nl name, fr name, en name, price factor, extra ingredients, extra allergens,
#                      alcohol % or None)]; the first entry is the plain template.
# Ingredient additions are appended to the template's ingredients.
VARIANTS: dict[int, list[tuple]] = {
    10: [
        ("Jonge hoevekaas met bieslook", "Fromage fermier jeune à la ciboulette", "Young farmhouse cheese with chives", 1.05, "bieslook", [], None),
        ("Jonge hoevekaas met fenegriek", "Fromage fermier jeune au fenugrec", "Young farmhouse cheese with fenugreek", 1.05, "fenegriek", [], None),
        ("Jonge hoevekaas met mosterdzaad", "Fromage fermier jeune aux graines de moutarde", "Young farmhouse cheese with mustard seed", 1.06, "MOSTERDZAAD", ["mustard"], None),
        ("Jonge hoevekaas met look en kruiden", "Fromage fermier jeune à l'ail et aux herbes", "Young farmhouse cheese with garlic and herbs", 1.05, "look, peterselie, basilicum", [], None),
        ("Jonge hoevekaas met brandnetel", "Fromage fermier jeune aux orties", "Young farmhouse cheese with nettle", 1.05, "brandnetel", [], None),
        ("Jonge hoevekaas met komijn", "Fromage fermier jeune au cumin", "Young farmhouse cheese with cumin", 1.04, "komijn", [], None),
    ],
    11: [
        ("Oude hoevekaas", "Vieux fromage fermier", "Aged farmhouse cheese", 1.15, "", [], None),
        ("Extra belegen hoevekaas", "Fromage fermier extra-affiné", "Extra-matured farmhouse cheese", 1.08, "", [], None),
        ("Belegen hoevekaas met truffel", "Fromage fermier affiné à la truffe", "Matured farmhouse cheese with truffle", 1.35, "zomertruffel (1 %)", [], None),
    ],
    12: [
        ("Verse geitenkaas met honing", "Fromage de chèvre frais au miel", "Fresh goat's cheese with honey", 1.1, "honing", [], None),
        ("Verse geitenkaas met peper", "Fromage de chèvre frais au poivre", "Fresh goat's cheese with pepper", 1.05, "zwarte peper", [], None),
        ("Geitenkaasje met as", "Petit chèvre cendré", "Ash-coated goat's cheese", 1.1, "plantaardige as", [], None),
    ],
    6: [
        ("Hoeveyoghurt met framboos", "Yaourt fermier à la framboise", "Raspberry farm yoghurt", 1.0, "", [], None),
        ("Hoeveyoghurt met kers", "Yaourt fermier à la cerise", "Cherry farm yoghurt", 1.0, "", [], None),
        ("Hoeveyoghurt met vanille", "Yaourt fermier à la vanille", "Vanilla farm yoghurt", 0.97, "", [], None),
        ("Hoeveyoghurt met rabarber", "Yaourt fermier à la rhubarbe", "Rhubarb farm yoghurt", 1.0, "", [], None),
    ],
    16: [
        ("Hoeve-ijs chocolade", "Glace de la ferme, chocolat", "Farm ice cream, chocolate", 1.05, "cacao, SOJAlecithine", ["soybeans"], None),
        ("Hoeve-ijs speculoos", "Glace de la ferme, spéculoos", "Farm ice cream, speculoos", 1.05, "speculoos (TARWEBLOEM)", ["gluten"], None),
        ("Hoeve-ijs aardbei", "Glace de la ferme, fraise", "Farm ice cream, strawberry", 1.0, "aardbeien (15 %)", [], None),
        ("Hoeve-ijs mokka", "Glace de la ferme, moka", "Farm ice cream, mocha", 1.0, "koffie", [], None),
        ("Hoeve-ijs stracciatella", "Glace de la ferme, stracciatella", "Farm ice cream, stracciatella", 1.05, "chocolade (SOJAlecithine)", ["soybeans"], None),
    ],
    24: [
        ("Hoeveburger met kaas", "Burger de la ferme au fromage", "Farm burger with cheese", 1.15, "kaas (MELK)", ["milk"], None),
        ("Hoeveburger met spek", "Burger de la ferme au lard", "Farm burger with bacon", 1.12, "gerookt spek", [], None),
    ],
    26: [
        ("Kruidige braadworst", "Saucisse fraîche aux herbes", "Herbed pork sausage", 1.03, "peterselie, tijm", [], None),
        ("Braadworst met look", "Saucisse fraîche à l'ail", "Garlic pork sausage", 1.03, "look", [], None),
        ("Chipolata", "Chipolata", "Chipolata", 1.06, "", [], None),
        ("Barbecueworst", "Saucisse barbecue", "Barbecue sausage", 1.05, "paprika, ui", [], None),
    ],
    34: [
        ("Hoevepaté met peper", "Pâté de la ferme au poivre", "Farmhouse pâté with pepper", 1.03, "groene peper", [], None),
        ("Hoevepaté met appel en calvados", "Pâté de la ferme pomme-calvados", "Farmhouse pâté with apple and calvados", 1.1, "appel, calvados", [], None),
        ("Grove paté met bruin bier", "Pâté de campagne à la bière brune", "Coarse pâté with brown ale", 1.05, "bruin bier (GERST)", [], None),
    ],
    39: [
        ("Droge worst met look", "Saucisson sec à l'ail", "Dry-cured sausage with garlic", 1.0, "extra look", [], None),
        ("Droge worst met hazelnoot", "Saucisson sec aux noisettes", "Dry-cured sausage with hazelnuts", 1.1, "HAZELNOTEN (5 %)", ["nuts"], None),
        ("Droge worst met pepers", "Saucisson sec aux poivres", "Dry-cured sausage with peppercorns", 1.0, "zwarte en groene peper", [], None),
    ],
    71: [
        ("Hoevebrood met zaden", "Pain de ferme aux graines", "Farm bread with seeds", 1.15, "SESAMZAAD, zonnebloempitten, lijnzaad", ["sesame"], None),
    ],
    72: [
        ("Volkorenbrood met noten", "Pain complet aux noix", "Wholemeal bread with walnuts", 1.2, "WALNOTEN (8 %)", ["nuts"], None),
        ("Speltbrood", "Pain d'épeautre", "Spelt bread", 1.15, "SPELT", [], None),
    ],
    83: [
        ("Kriekentaart", "Tarte aux griottes", "Sour-cherry tart", 1.05, "krieken", [], None),
        ("Rijsttaart", "Tarte au riz", "Rice tart", 1.0, "rijst", [], None),
        ("Suikertaart", "Tarte au sucre", "Sugar tart", 0.95, "bruine suiker", [], None),
        ("Pruimentaart", "Tarte aux prunes", "Plum tart", 1.0, "pruimen", [], None),
        ("Abrikozenvlaai", "Flan aux abricots", "Apricot vlaai", 1.0, "abrikozen", [], None),
    ],
    89: [
        ("Speculaas met amandelen", "Spéculoos aux amandes", "Speculoos with almonds", 1.1, "AMANDELEN (8 %)", ["nuts"], None),
    ],
    90: [
        ("Lukken", "Lukken (gaufrettes du Nouvel An)", "Lukken (New Year wafers)", 1.05, "kaneel", [], None),
    ],
    93: [
        ("Boterkaramellen met zeezout", "Caramels au beurre salé", "Salted butter caramels", 1.05, "zeezout", [], None),
    ],
    94: [
        ("Pralines met advocaat", "Pralines à l'advocaat", "Advocaat pralines", 1.05, "advocaat (EIEREN, alcohol)", ["eggs"], None),
        ("Pralines met jenever", "Pralines au genièvre", "Jenever pralines", 1.05, "graanjenever", [], None),
    ],
    95: [
        ("Pure chocolade reep", "Tablette de chocolat noir", "Dark chocolate bar", 1.0, "", [], None),
        ("Chocolade reep met hazelnoten", "Tablette de chocolat aux noisettes", "Chocolate bar with hazelnuts", 1.08, "HAZELNOTEN (15 %)", ["nuts"], None),
        ("Chocolade reep met speculoos", "Tablette de chocolat au spéculoos", "Chocolate bar with speculoos", 1.05, "speculoos (TARWEBLOEM)", ["gluten"], None),
        ("Witte chocolade reep met framboos", "Tablette de chocolat blanc à la framboise", "White chocolate bar with raspberry", 1.05, "gevriesdroogde framboos", [], None),
    ],
    98: [
        ("Amber", "Ambrée", "Amber ale", 1.0, "karamelmout", [], 6.0),
        ("Hop", "Houblonnée", "Hoppy ale", 1.05, "extra aromahop", [], 6.5),
        ("Winter", "Bière d'hiver", "Winter ale", 1.1, "specerijen", [], 8.5),
        ("Bruin", "Brune", "Brown ale", 1.0, "geroosterde mout", [], 6.0),
    ],
    108: [
        ("Hoevecider brut", "Cidre fermier brut", "Dry farm cider", 1.05, "", [], 6.5),
        ("Hoevecider rosé", "Cidre fermier rosé", "Rosé farm cider", 1.1, "rode appelrassen", [], 5.0),
    ],
    110: [
        ("Johanniter", "Johanniter", "Johanniter", 1.0, "", [], 12.0),
        ("Solaris", "Solaris", "Solaris", 1.05, "", [], 13.0),
        ("Chardonnay", "Chardonnay", "Chardonnay", 1.15, "", [], 12.5),
    ],
    111: [
        ("Pinot noir", "Pinot noir", "Pinot noir", 1.2, "", [], 12.5),
        ("Regent", "Regent", "Regent", 1.0, "", [], 12.0),
    ],
    112: [
        ("Brut rosé", "Brut rosé", "Brut rosé", 1.05, "", [], 12.0),
    ],
    114: [
        ("Jonge graanjenever", "Jeune genièvre de grain", "Young grain jenever", 0.85, "", [], 30.0),
    ],
    116: [
        ("Fruitjenever kers", "Genièvre à la cerise", "Cherry jenever", 1.0, "", [], 20.0),
        ("Fruitjenever citroen", "Genièvre au citron", "Lemon jenever", 1.0, "", [], 20.0),
        ("Fruitjenever appel", "Genièvre à la pomme", "Apple jenever", 1.0, "", [], 20.0),
        ("Fruitjenever peer", "Genièvre à la poire", "Pear jenever", 1.0, "", [], 20.0),
        ("Fruitjenever cuberdon", "Genièvre au cuberdon", "Cuberdon jenever", 1.05, "", [], 20.0),
    ],
    122: [
        ("Appel-kersensap", "Jus pomme-cerise", "Apple and cherry juice", 1.15, "kersensap (20 %)", [], None),
        ("Appel-aardbeiensap", "Jus pomme-fraise", "Apple and strawberry juice", 1.15, "aardbeiensap (15 %)", [], None),
        ("Troebel appelsap Boskoop", "Jus de pomme trouble Boskoop", "Cloudy Boskoop apple juice", 1.05, "", [], None),
    ],
    127: [
        ("Rabarberlimonade", "Limonade à la rhubarbe", "Rhubarb lemonade", 1.05, "rabarbersap", [], None),
        ("Vlierbloesemlimonade", "Limonade au sureau", "Elderflower lemonade", 1.05, "vlierbloesemsiroop", [], None),
    ],
    129: [
        ("Espresso", "Espresso", "Espresso", 1.08, "", [], None),
        ("Decafé", "Décaféiné", "Decaf", 1.1, "", [], None),
        ("Mokka-melange", "Mélange moka", "Mocha blend", 1.05, "", [], None),
    ],
    130: [
        ("Muntthee van de hoeve", "Thé à la menthe de la ferme", "Farm mint tea", 1.0, "", [], None),
        ("Kamillethee", "Tisane de camomille", "Camomile tea", 0.95, "", [], None),
        ("Brandnetelthee", "Tisane d'orties", "Nettle tea", 0.95, "", [], None),
        ("Citroenverbena", "Verveine citronnelle", "Lemon verbena", 1.05, "", [], None),
    ],
    131: [
        ("Koolzaadhoning", "Miel de colza", "Rapeseed honey", 0.95, "", [], None),
        ("Fruitbloesemhoning", "Miel de fleurs d'arbres fruitiers", "Fruit-blossom honey", 1.05, "", [], None),
    ],
    132: [
        ("Lindehoning", "Miel de tilleul", "Lime-blossom honey", 1.1, "", [], None),
        ("Bloemenhoning", "Miel de fleurs", "Wildflower honey", 1.0, "", [], None),
        ("Kastanjehoning", "Miel de châtaignier", "Chestnut honey", 1.15, "", [], None),
    ],
    134: [
        ("Aardbei-rabarberconfituur", "Confiture fraise-rhubarbe", "Strawberry and rhubarb jam", 1.0, "", [], None),
        ("Pruimenconfituur", "Confiture de prunes", "Plum jam", 1.0, "", [], None),
        ("Bramenconfituur", "Confiture de mûres", "Blackberry jam", 1.05, "", [], None),
        ("Zwarte-bessenconfituur", "Confiture de cassis", "Blackcurrant jam", 1.05, "", [], None),
        ("Appel-kaneelconfituur", "Confiture pomme-cannelle", "Apple and cinnamon jam", 0.95, "", [], None),
    ],
    141: [
        ("Honingmosterd", "Moutarde au miel", "Honey mustard", 1.05, "honing", [], None),
        ("Mosterd met bruin bier", "Moutarde à la bière brune", "Brown-ale mustard", 1.08, "bruin bier (GERST)", ["gluten"], None),
        ("Dragonmosterd", "Moutarde à l'estragon", "Tarragon mustard", 1.05, "dragon", [], None),
    ],
    142: [
        ("Lookmayonaise", "Mayonnaise à l'ail", "Garlic mayonnaise", 1.0, "look", [], None),
        ("Cocktailsaus", "Sauce cocktail", "Cocktail sauce", 1.0, "tomatenpuree, cognac", [], None),
        ("Andalousesaus", "Sauce andalouse", "Andalouse sauce", 1.0, "tomaat, paprika, ui", [], None),
    ],
    153: [
        ("Tomatensoep met balletjes", "Soupe tomate aux boulettes", "Tomato soup with meatballs", 1.25, "tomaten, balletjes (varkensvlees, paneermeel: TARWE, EIEREN)", ["gluten", "eggs"], None),
        ("Pompoensoep", "Soupe au potiron", "Pumpkin soup", 1.05, "pompoen", [], None),
        ("Preisoep", "Soupe aux poireaux", "Leek soup", 1.0, "extra prei, ROOM (MELK)", ["milk"], None),
        ("Witloofsoep", "Soupe aux chicons", "Chicory soup", 1.05, "witloof, ROOM (MELK)", ["milk"], None),
    ],
}

# Beer styles: for breweries the name becomes "<brand> <style>" (e.g. "Hoppeke Tripel").
BEER_STYLES = {
    98: ("Blond", "Blonde", "Blond"),
    99: ("Tripel", "Triple", "Tripel"),
    100: ("Dubbel", "Double", "Dubbel"),
    101: ("Saison", "Saison", "Saison"),
    102: ("Wit", "Blanche", "Wheat beer"),
    103: ("Kriek", "Kriek", "Kriek"),
    104: ("Gruit", "Gruit", "Gruit"),
    105: ("Tafelbier", "Bière de table", "Table beer"),
    106: ("0,4 %", "0,4 %", "0.4 %"),
}
WINE_TEMPLATES = {110: ("Witte wijn", "Vin blanc", "White wine"), 111: ("Rode wijn", "Vin rouge", "Red wine"),
                  112: ("Mousserende wijn", "Vin mousseux", "Sparkling wine")}

# Storage advice, shelf life in days: by subcategory, with the template's perishable flag.
STORAGE = {
    "melk-room": ("Gekoeld bewaren (max. 4 °C). Na opening binnen 3 dagen gebruiken.", 8),
    "kaas": ("Gekoeld bewaren (max. 7 °C), goed verpakt. Een half uur voor gebruik uit de koelkast halen.", 45),
    "boter-yoghurt": ("Gekoeld bewaren (max. 4 °C). Na opening binnen 3 dagen gebruiken.", 14),
    "ijs-desserts": ("Gekoeld bewaren (max. 4 °C).", 7),
    "eieren": ("Koel en droog bewaren, na aankoop bij voorkeur in de koelkast.", 28),
    "vers-vlees": ("Gekoeld bewaren (max. 4 °C). Kan ingevroren worden op de dag van ontvangst.", 4),
    "gevogelte": ("Gekoeld bewaren (max. 4 °C). Goed doorbakken.", 4),
    "worsten": ("Gekoeld bewaren (max. 4 °C).", 5),
    "charcuterie": ("Gekoeld bewaren (max. 7 °C). Na opening binnen 4 dagen opeten.", 10),
    "groenten": ("Koel en donker bewaren, bij voorkeur in de groentelade van de koelkast.", 7),
    "aardappelen-ajuin": ("Koel, droog en donker bewaren, niet in de koelkast.", 60),
    "fruit": ("Koel bewaren, uit de zon.", 21),
    "zacht-fruit": ("Gekoeld bewaren en binnen 2 dagen opeten. Pas vlak voor gebruik wassen.", 3),
    "brood": ("Droog bewaren op kamertemperatuur in een broodzak; kan ingevroren worden.", 3),
    "taarten-vlaaien": ("Gekoeld bewaren (max. 7 °C) en binnen 2 dagen opeten.", 3),
    "koekjes": ("Droog bewaren in een goed gesloten trommel, op kamertemperatuur.", 120),
    "snoep": ("Droog en koel bewaren (15–18 °C), uit de zon.", 90),
    "chocolade": ("Droog en koel bewaren (15–18 °C), niet in de koelkast.", 180),
    "bier": ("Rechtop, koel en donker bewaren.", 540),
    "wijn-cider": ("Liggend, koel en donker bewaren. Na opening gekoeld en binnen 3 dagen gebruiken.", 720),
    "sterke-drank-likeur": ("Rechtop en op kamertemperatuur bewaren, uit de zon.", 1095),
    "sap-frisdrank": ("Koel en donker bewaren. Na opening gekoeld en binnen 5 dagen gebruiken.", 365),
    "koffie": ("Droog en luchtdicht bewaren, op kamertemperatuur.", 365),
    "thee": ("Droog en luchtdicht bewaren, uit de zon.", 540),
    "honing": ("Op kamertemperatuur en goed gesloten bewaren. Honing kan kristalliseren; dat is natuurlijk.", 730),
    "confituur-stroop": ("Koel en droog bewaren. Na opening in de koelkast en binnen 3 weken gebruiken.", 365),
    "mosterd": ("Koel bewaren. Na opening in de koelkast.", 365),
    "sauzen-pickles": ("Koel bewaren. Na opening in de koelkast en binnen 2 weken gebruiken.", 180),
    "hoofdgerechten": ("Gekoeld bewaren (max. 4 °C). Opwarmen tot minstens 75 °C; kan ingevroren worden.", 5),
    "soepen": ("Gekoeld bewaren (max. 4 °C). Opwarmen tot tegen de kook.", 5),
}
# Perishable shelf-stable exceptions: a few templates keep much shorter or longer than their subcategory.
SHELF_LIFE_BY_TEMPLATE = {
    1: 8, 2: 10, 3: 10, 4: 30, 9: 5, 16: 180, 17: 28, 20: 21, 30: 120, 31: 120, 39: 60, 36: 7,
    40: 90, 52: 60, 55: 30, 60: 60, 62: 45, 69: 365, 70: 365, 74: 4, 75: 4, 84: 120,
    85: 21, 142: 21, 143: 21, 147: 5,
}
STORAGE_BY_TEMPLATE = {
    16: "Diepvries bewaren (-18 °C). Eens ontdooid niet opnieuw invriezen.",
    36: "Gekoeld bewaren (max. 4 °C) en binnen 5 dagen opeten.",
    39: "Koel en droog bewaren; na aansnijden in de koelkast.",
    30: "Koel bewaren (max. 12 °C); na opening gekoeld en binnen 5 dagen opeten.",
    31: "Koel bewaren (max. 12 °C); na opening gekoeld en binnen 5 dagen opeten.",
    69: "Koel en droog bewaren. Na opening in de koelkast en binnen 5 dagen gebruiken.",
    70: "Droog bewaren in een goed gesloten verpakking.",
    85: "Droog en koel bewaren, niet in de koelkast. Best binnen drie weken opeten: daarna kristalliseert het hart.",
    125: "Koel en donker bewaren. Na opening gekoeld en binnen 4 weken gebruiken.",
    121: "Koel en donker bewaren.",
}

# Product descriptions per subcategory: (nl, fr, en) with {producer} and {place}.
DESCRIPTIONS = {
    "melk-room": ("Verse melk van de koeien van {producer} in {place}, zacht gepasteuriseerd en niet gestandaardiseerd.",
                  "Lait frais des vaches de {producer} à {place}, pasteurisé en douceur.",
                  "Fresh milk from the cows of {producer} in {place}, gently pasteurised."),
    "kaas": ("Ambachtelijke kaas van {producer} uit {place}, met de hand gekeerd en geduldig gerijpt.",
             "Fromage artisanal de {producer} à {place}, retourné à la main et affiné patiemment.",
             "Craft cheese from {producer} in {place}, turned by hand and patiently ripened."),
    "boter-yoghurt": ("Gemaakt op de hoeve van {producer} in {place}, met melk van de eigen dieren.",
                      "Fabriqué à la ferme de {producer} à {place}, avec le lait de ses propres bêtes.",
                      "Made on the farm of {producer} in {place}, with milk from its own animals."),
    "ijs-desserts": ("Een zuiveldessert van {producer} uit {place}, zoals vroeger bij grootmoeder.",
                     "Un dessert lacté de {producer} à {place}, comme chez grand-mère.",
                     "A dairy dessert from {producer} in {place}, just like grandmother's."),
    "eieren": ("Eieren van scharrelkippen van {producer} in {place}, elke ochtend met de hand geraapt.",
               "Œufs de poules en plein air de {producer} à {place}, ramassés chaque matin.",
               "Free-range eggs from {producer} in {place}, collected by hand every morning."),
    "vers-vlees": ("Vers vlees van {producer} uit {place}, van dieren uit de streek en vakkundig versneden.",
                   "Viande fraîche de {producer} à {place}, de bêtes de la région, découpée avec soin.",
                   "Fresh meat from {producer} in {place}, from local animals, skilfully cut."),
    "gevogelte": ("Gevogelte van {producer} in {place}, traag gegroeid met graan en ruimte om te scharrelen.",
                  "Volaille de {producer} à {place}, élevée lentement au grain et en plein air.",
                  "Poultry from {producer} in {place}, slow-grown on grain with room to roam."),
    "worsten": ("Worst van {producer} uit {place}, volgens het eigen recept van het huis.",
                "Saucisse de {producer} à {place}, selon la recette de la maison.",
                "Sausage from {producer} in {place}, to the house recipe."),
    "charcuterie": ("Charcuterie van {producer} uit {place}, met de hand gezouten en geduldig gerijpt.",
                    "Charcuterie de {producer} à {place}, salée à la main et affinée patiemment.",
                    "Charcuterie from {producer} in {place}, salted by hand and patiently cured."),
    "groenten": ("Vers geoogst bij {producer} in {place}, van het veld rechtstreeks naar je keuken.",
                 "Fraîchement récolté chez {producer} à {place}, du champ à votre cuisine.",
                 "Freshly picked at {producer} in {place}, straight from the field to your kitchen."),
    "aardappelen-ajuin": ("Van de akkers van {producer} in {place}, koel en donker bewaard tot ze bij je zijn.",
                          "Des champs de {producer} à {place}, conservés au frais et à l'obscurité.",
                          "From the fields of {producer} in {place}, stored cool and dark until they reach you."),
    "fruit": ("Fruit van {producer} uit {place}, geplukt als het echt rijp is.",
              "Fruits de {producer} à {place}, cueillis bien mûrs.",
              "Fruit from {producer} in {place}, picked when truly ripe."),
    "zacht-fruit": ("'s Ochtends geplukt bij {producer} in {place}, zoet en geurig.",
                    "Cueillis le matin chez {producer} à {place}, sucrés et parfumés.",
                    "Picked in the morning at {producer} in {place}, sweet and fragrant."),
    "brood": ("Gebakken door {producer} in {place}, met meel van molens uit de streek en veel geduld.",
              "Cuit par {producer} à {place}, avec la farine de moulins de la région.",
              "Baked by {producer} in {place}, with flour from local mills and plenty of patience."),
    "taarten-vlaaien": ("Uit de oven van {producer} in {place}, volgens een recept dat al generaties meegaat.",
                        "Sorti du four de {producer} à {place}, selon une recette transmise depuis des générations.",
                        "From the oven of {producer} in {place}, to a recipe handed down for generations."),
    "koekjes": ("Koekjes van {producer} uit {place}, in kleine reeksen gebakken.",
                "Biscuits de {producer} à {place}, cuits en petites séries.",
                "Biscuits from {producer} in {place}, baked in small batches."),
    "snoep": ("Snoep van {producer} uit {place}, nog met de hand gemaakt.",
              "Confiserie de {producer} à {place}, encore faite à la main.",
              "Sweets from {producer} in {place}, still made by hand."),
    "chocolade": ("Chocolade van {producer} uit {place}, met de hand gegoten.",
                  "Chocolat de {producer} à {place}, coulé à la main.",
                  "Chocolate from {producer} in {place}, poured by hand."),
    "bier": ("Gebrouwen door {producer} in {place}, hergist op fles en niet gefilterd.",
             "Brassée par {producer} à {place}, refermentée en bouteille et non filtrée.",
             "Brewed by {producer} in {place}, bottle-conditioned and unfiltered."),
    "wijn-cider": ("Van {producer} uit {place}, gemaakt van eigen fruit of druiven.",
                   "De {producer} à {place}, élaboré à partir de ses propres fruits ou raisins.",
                   "From {producer} in {place}, made from its own fruit or grapes."),
    "sterke-drank-likeur": ("Gestookt of gemaakt door {producer} in {place}. Geniet met mate.",
                            "Distillé ou élaboré par {producer} à {place}. À consommer avec modération.",
                            "Distilled or made by {producer} in {place}. Enjoy in moderation."),
    "sap-frisdrank": ("Van {producer} uit {place}, zonder toegevoegde bewaarmiddelen.",
                      "De {producer} à {place}, sans conservateurs ajoutés.",
                      "From {producer} in {place}, without added preservatives."),
    "koffie": ("Traag gebrand door {producer} in {place}.",
               "Torréfié lentement par {producer} à {place}.",
               "Slow-roasted by {producer} in {place}."),
    "thee": ("Kruiden geteeld en gedroogd door {producer} in {place}.",
             "Herbes cultivées et séchées par {producer} à {place}.",
             "Herbs grown and dried by {producer} in {place}."),
    "honing": ("Honing van de bijen van {producer} rond {place}, koud geslingerd.",
               "Miel des abeilles de {producer} autour de {place}, extrait à froid.",
               "Honey from the bees of {producer} around {place}, cold-extracted."),
    "confituur-stroop": ("In kleine ketels gekookt door {producer} in {place}.",
                         "Cuit en petits chaudrons par {producer} à {place}.",
                         "Cooked in small pans by {producer} in {place}."),
    "mosterd": ("Mosterd van {producer} uit {place}, vers gemalen en pittig.",
                "Moutarde de {producer} à {place}, fraîchement moulue et piquante.",
                "Mustard from {producer} in {place}, freshly ground and sharp."),
    "sauzen-pickles": ("Huisgemaakt door {producer} in {place}, zonder overbodige toevoegingen.",
                       "Fait maison par {producer} à {place}, sans additifs superflus.",
                       "Home-made by {producer} in {place}, without needless additives."),
    "hoofdgerechten": ("Bereid door {producer} in {place}: enkel nog opwarmen.",
                       "Préparé par {producer} à {place} : il suffit de réchauffer.",
                       "Made by {producer} in {place}: just heat and serve."),
    "soepen": ("Verse soep van {producer} uit {place}, met groenten van het seizoen.",
               "Soupe fraîche de {producer} à {place}, avec des légumes de saison.",
               "Fresh soup from {producer} in {place}, with seasonal vegetables."),
}
RECOGNITION_NOTES = {
    "erkend-streekproduct": ("Erkend Vlaams streekproduct.", "Produit régional flamand reconnu.", "Recognised Flemish regional product."),
    "beschermde-oorsprong": ("Beschermde naam in de Europese Unie.", "Nom protégé dans l'Union européenne.", "Protected name in the European Union."),
}

# Cross-contact ("may contain") that producers of a subcategory often declare: allergen -> probability.
MAY_CONTAIN = {
    "brood": {"sesame": 0.3, "nuts": 0.25, "soybeans": 0.1, "milk": 0.15, "eggs": 0.15},
    "taarten-vlaaien": {"nuts": 0.5, "soybeans": 0.1},
    "koekjes": {"nuts": 0.5, "eggs": 0.2, "soybeans": 0.15, "sesame": 0.1},
    "chocolade": {"nuts": 0.6, "peanuts": 0.25, "gluten": 0.2, "eggs": 0.1},
    "snoep": {"nuts": 0.3, "milk": 0.15, "gluten": 0.1},
    "ijs-desserts": {"nuts": 0.35, "gluten": 0.2, "soybeans": 0.1},
    "charcuterie": {"mustard": 0.25, "celery": 0.25, "milk": 0.15},
    "worsten": {"mustard": 0.2, "celery": 0.2, "milk": 0.1},
    "hoofdgerechten": {"mustard": 0.25, "gluten": 0.25, "milk": 0.2, "celery": 0.2},
    "soepen": {"gluten": 0.15, "milk": 0.2},
    "sauzen-pickles": {"celery": 0.2, "eggs": 0.1},
    "mosterd": {"celery": 0.15, "sulphites": 0.2},
}
ALLERGEN_WORDS_NL = {
    "gluten": "gluten", "crustaceans": "schaaldieren", "eggs": "eieren", "fish": "vis", "peanuts": "aardnoten",
    "soybeans": "soja", "milk": "melk", "nuts": "noten", "celery": "selderij", "mustard": "mosterd",
    "sesame": "sesamzaad", "sulphites": "sulfieten", "lupin": "lupine", "molluscs": "weekdieren",
}

# Templates too big or too plain for a gift package: never picked by a package slot.
NOT_FOR_PACKAGES = {27, 29, 40, 42, 59, 107, 125}
# Templates that producers of the right type sometimes sell under their own name ("Belegen hoevekaas
# 'Ter Zande'"), with the producer types that do so.
OWN_NAME_TEMPLATES = {10: ("cheese", "dairy"), 11: ("cheese", "dairy"), 14: ("sheep",), 114: ("distillery",),
                      113: ("distillery",), 131: ("beekeeper",), 132: ("beekeeper",)}
