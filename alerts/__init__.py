"""The alerting stage: saved searches and spike rules evaluated on
``articles.tagged`` as it streams.
"""
