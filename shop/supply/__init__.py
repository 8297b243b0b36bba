"""Supply from producers: open demand, weekly producer order lists, purchase lists, shortages."""
