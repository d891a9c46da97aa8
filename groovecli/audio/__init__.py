"""Audio, a leaf: the drum part rendered through a SoundFont (the bundled kit by default)."""
