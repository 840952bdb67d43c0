"""Finish for Shorts: turn a silent 480p draft into an uploadable 1080×1920 Short.

One module per job — :mod:`.audio` (soundtrack, EBU R128), :mod:`.captions` (SRT and
burned-in ASS), :mod:`.upscale`, :mod:`.interpolate`, :mod:`.colour` (extension drift),
:mod:`.beats` (cuts on the beat) — and :mod:`.pipeline`, which runs them as one job.
Everything goes through the ffmpeg binary imageio-ffmpeg ships.
"""
