"""``/api/v1/points/``: the points bank (积分制) — schemes, accounts, the ledger, the review and the
points supermarket (积分超市). Views call the services of ``sanzhi.points``; reads go through its
scoped selectors."""
