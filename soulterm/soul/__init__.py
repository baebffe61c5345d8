"""soulterm.soul"""
