"""Company gift orders: a company's list of recipients, checked row by row, ordered as one order with one
shipment per recipient (/bedrijfsgeschenken)."""
