"""soulterm.tui"""
