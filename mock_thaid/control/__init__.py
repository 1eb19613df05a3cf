"""/_mock/* — the control API for CI and the RP-admin page. Off when control_api is false."""
