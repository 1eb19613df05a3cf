"""mock_thaid — an offline stand-in for ThaiD (DOPA Digital ID), Thailand's OpenID provider."""

__version__ = "0.1.0"
