"""The mock's pure domain: registration state machine, dates, offices, the card marker,
the registration error table. No Flask, no database; store/ and the views depend on it."""
