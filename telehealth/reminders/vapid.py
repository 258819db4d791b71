"""The VAPID public key clients subscribe with, derived from the private key push is signed with."""

from __future__ import annotations

import base64
import functools
import logging
import os

from flask import current_app

log = logging.getLogger(__name__)


def public_key() -> str | None:
    """base64url of the uncompressed P-256 point, as PushManager.subscribe() takes it; None when
    Web Push is not configured (PushSender needs the key and the contact email both)."""
    config = current_app.config
    private_key, contact = config.get("VAPID_PRIVATE_KEY"), config.get("VAPID_CLAIMS_EMAIL")
    if not private_key or not contact:
        return None
    return _derive(private_key)


@functools.lru_cache(maxsize=4)
def _derive(private_key: str) -> str | None:
    # Imported here: cryptography and py_vapid cost a web worker ~10 MiB, and only this answer reads them.
    from cryptography.hazmat.primitives import serialization
    from py_vapid import Vapid

    # Read the way pywebpush reads it when sending: a PEM file's path, or the key itself.
    try:
        if os.path.isfile(private_key):
            vapid = Vapid.from_file(private_key_file=private_key)
        else:
            vapid = Vapid.from_string(private_key=private_key)
    except Exception:  # py_vapid raises bare errors of several kinds for a malformed key
        log.error("VAPID_PRIVATE_KEY cannot be read; Web Push stays off until it is fixed")
        return None
    point = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(point).rstrip(b"=").decode()
