"""The consumer's shop front: the home page, product listings and pages, producer pages (blueprint "catalog": /, /producten, /producenten), composed from the catalogue, packages and pickup days."""
