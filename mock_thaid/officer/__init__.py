"""The district-office officer console (registration with an officer, manual §๒.๒)."""
