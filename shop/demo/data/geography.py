"""The seven streken of the demo catalogue and the telephone zones of the municipalities."""

from __future__ import annotations

# (slug, nl name, nl description, fr name, fr description, en name, en description); the nl name is the
# `region` value of municipalities.csv.
REGIONS = (
    ("meetjesland", "Meetjesland",
     "Het noordwesten van de provincie: polders, kreken en houtkanten tussen Gent en de Nederlandse grens.",
     "Meetjesland", "Le nord-ouest de la province : polders, criques et haies entre Gand et la frontière néerlandaise.",
     "Meetjesland", "The north-west of the province: polders, creeks and hedgerows between Ghent and the Dutch border."),
    ("waasland", "Waasland",
     "Vlak en vruchtbaar land tussen Gent en Antwerpen, met brede akkers, oude hoeves en de Schelde als grens.",
     "Pays de Waes", "Terre plate et fertile entre Gand et Anvers, avec de grands champs, de vieilles fermes et l'Escaut.",
     "Waasland", "Flat, fertile land between Ghent and Antwerp, with wide fields, old farms and the Scheldt."),
    ("vlaamse-ardennen", "Vlaamse Ardennen",
     "Heuvels, kasseiwegen en beekvalleien in het zuiden, rond Oudenaarde, Ronse en Geraardsbergen.",
     "Ardennes flamandes", "Collines, routes pavées et vallons au sud, autour d'Audenarde, Renaix et Grammont.",
     "Flemish Ardennes", "Hills, cobbled roads and brook valleys in the south, around Oudenaarde, Ronse and Geraardsbergen."),
    ("leiestreek", "Leiestreek",
     "De vallei van de Leie tussen Deinze en Gent, met vlasvelden, kastelen en schildersdorpen.",
     "Région de la Lys", "La vallée de la Lys entre Deinze et Gand : champs de lin, châteaux et villages de peintres.",
     "Leie region", "The Leie valley between Deinze and Ghent: flax fields, castles and painters' villages."),
    ("scheldeland", "Scheldeland",
     "Meersen, dijken en knotwilgen langs de Schelde en de Durme, tussen Gent en Dendermonde.",
     "Pays de l'Escaut", "Prés humides, digues et saules têtards le long de l'Escaut et de la Durme.",
     "Scheldeland", "Water meadows, dykes and pollard willows along the Scheldt and the Durme."),
    ("denderstreek", "Denderstreek",
     "De vallei van de Dender rond Aalst, Ninove en Dendermonde: land van hop, paarden en bakkerstradities.",
     "Région de la Dendre", "La vallée de la Dendre autour d'Alost, Ninove et Termonde : houblon, chevaux et pâtisseries.",
     "Dender region", "The Dender valley around Aalst, Ninove and Dendermonde: hops, horses and baking traditions."),
    ("gent-en-rand", "Gent en rand",
     "De stad Gent en haar rand, met de Groentenmarkt, het Groot Vleeshuis en de tuinbouw van Lochristi.",
     "Gand et environs", "La ville de Gand et ses alentours : le Groentenmarkt, le Groot Vleeshuis et l'horticulture de Lochristi.",
     "Ghent and surroundings", "The city of Ghent and its outskirts: the Groentenmarkt, the Groot Vleeshuis and Lochristi's horticulture."),
)

# English names for the few municipalities that have one.
ENGLISH_NAMES = {"Gent": "Ghent"}

# Landline zone per municipality (Belgian numbering); 09 when not listed.
PHONE_ZONES = {
    "03": ("Sint-Niklaas", "Beveren-Kruibeke-Zwijndrecht", "Temse", "Stekene", "Sint-Gillis-Waas"),
    "052": ("Hamme", "Waasmunster", "Zele", "Berlare", "Dendermonde", "Buggenhout", "Lebbeke"),
    "053": ("Aalst", "Lede", "Erpe-Mere", "Haaltert", "Denderleeuw", "Wichelen", "Herzele", "Sint-Lievens-Houtem"),
    "054": ("Ninove", "Geraardsbergen", "Lierde"),
    "055": ("Oudenaarde", "Ronse", "Kluisbergen", "Maarkedal", "Horebeke", "Wortegem-Petegem", "Brakel", "Zwalm"),
    "050": ("Maldegem",),
}

# The province's bounding box (with a margin); jittered points are kept inside it.
LATITUDE_BOUNDS = (50.70, 51.40)
LONGITUDE_BOUNDS = (3.30, 4.40)
