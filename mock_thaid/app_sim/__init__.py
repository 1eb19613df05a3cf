"""The phone-frame "ThaiD app" pages served by the mock (scan, consent, PIN)."""
