"""Static files as production serves them: hashed names (manifest) and precompressed copies.

WhiteNoise compresses every file with gzip and, when the ``brotli`` module is present (WeasyPrint's
font tools bring it), with Brotli at its slowest quality, 11: about 20 s of ``sanzhi init`` for the
API docs' bundles alone. Quality 5 compresses nearly as well at a small fraction of the time, so a
fresh install (and ``make demo``) does not wait on it.
"""

from __future__ import annotations

from typing import Any

from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage

BROTLI_QUALITY = 5


class QuickBrotliCompressor(Compressor):
    @staticmethod
    def compress_brotli(data: bytes) -> bytes:
        import brotli

        return bytes(brotli.compress(data, quality=BROTLI_QUALITY))


class StaticStorage(CompressedManifestStaticFilesStorage):
    def create_compressor(self, **kwargs: Any) -> Compressor:
        return QuickBrotliCompressor(**kwargs)
