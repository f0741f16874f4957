from django.dispatch import Signal

# Sent inside the transaction by `stock_apply` with `product_ids`; stock is
# changed with UPDATE ... F(), which sends no post_save. Receivers that act on
# it should do so in `transaction.on_commit`.
stock_changed = Signal()
