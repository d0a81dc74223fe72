"""The web pages: the sign-in page and the operators' dashboard."""
