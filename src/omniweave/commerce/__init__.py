"""Commerce: the catalog and its price lists, stock per store and warehouse, one cart per
person across channels, orders with their statuses and buy online, pick up in store.

The pricing engine (promotions, coupons, loyalty) reads the catalog through one function,
``catalog_repo.price_lines``; its contract is in that docstring.
"""
