"""The QR login: a session per authorization request, moved along by the ThaiD app."""
