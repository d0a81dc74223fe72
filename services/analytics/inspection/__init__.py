"""The weekly quality inspection (质检抽查): the seeded draw, its event stream per ISO week, the scores."""
