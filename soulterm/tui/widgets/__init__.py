"""soulterm.tui/widgets"""
