"""Memory: what each NPC remembers of each player, and their relationship."""
