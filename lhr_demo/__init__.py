"""LHR demo: local-government personnel see their own ก.พ.๗ after a ThaiD login and ask
their organization's HR officer to correct it. Every person in it is invented."""
