"""soulterm.player"""
