"""Figures: the read model of the record (applications, queue, feedback), kept by a consumer of their events."""
