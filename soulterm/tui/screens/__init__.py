"""soulterm.tui/screens"""
