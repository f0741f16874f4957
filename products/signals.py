from django.dispatch import Signal

# Sent inside the transaction by `stock_apply` with `product_ids`, `stocks_before`
# (`{product id: stock before the change}`; the new stock is on the row) and `products`
# (`{product id: the row as locked, with its new stock}`: what a receiver would read back,
# already in memory); stock is changed with UPDATE ... F(), which sends no post_save.
# Receivers that act on it should do so in `transaction.on_commit`.
stock_changed = Signal()
