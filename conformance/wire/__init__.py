"""Codecs both sides of a wire use, so the client never borrows the server's decoder."""
