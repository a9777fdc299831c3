"""The seller's services: products and their fields (products.py), listing versions and the
prepared listing, publishing on the catalog and marketplaces, negotiating, waiting buyers,
the seller's currency and rules.

May import agents.domain, agents.llm's listing writer and the loose agents modules; the
conversation and jobs sub-packages call it.
"""
