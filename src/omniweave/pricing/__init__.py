"""Promotions, the price calculation, coupons and the loyalty points ledger (issue 7)."""
