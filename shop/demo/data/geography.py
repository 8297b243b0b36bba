"""Where the demo's fictitious producers get their telephone zone and jittered point (the regions,
municipalities and localities themselves are reference data: shop/reference/data)."""

from __future__ import annotations

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
