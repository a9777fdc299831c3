"""The seller's services: products and their fields (products.py), listing versions and the
prepared listing, publishing on the catalog and marketplaces, negotiating, waiting buyers,
the seller's currency and rules.

May import agents.domain, agents.llm's listing writer, the loose agents modules, the buyer
facts (negotiating) and the jobs' notices (publishing); the conversation and jobs call it.
"""
