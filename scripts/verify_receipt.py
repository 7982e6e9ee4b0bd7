#!/usr/bin/env python3
"""Verifies a Verdict signed receipt with the `cryptography` package, independently of Verdict.

    python3 scripts/verify_receipt.py RECEIPT.json KEYS.json

RECEIPT.json is a signed receipt document ({"receipt": {...}, "signature": {"alg": "EdDSA",
"kid", "value", "receipt_digest"}}); KEYS.json is the server's JWKS
(GET /.well-known/verdict-keys.json). The signature covers the RFC 8785 (JCS) canonical JSON of
the "receipt" member, which this script computes itself (a receipt holds only strings,
integers, booleans, nulls, arrays and objects, so JCS needs no number formatting beyond
integers). Exits 0 and prints "verified" when the signature holds; 1 otherwise, saying why.
"""

import base64
import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def jcs(value):
    """RFC 8785 canonical JSON for the value types a receipt holds."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int):
        if abs(value) > 2**53:
            raise ValueError("integer beyond 2^53: JCS would round it")
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(jcs(item) for item in value) + "]"
    if isinstance(value, dict):
        # Members sorted by their names' UTF-16 code units.
        names = sorted(value, key=lambda name: name.encode("utf-16-be"))
        return "{" + ",".join(jcs(name) + ":" + jcs(value[name]) for name in names) + "}"
    raise ValueError(f"a receipt holds no {type(value).__name__}")


def unbase64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify(document, jwks):
    signature = document["signature"]
    if signature.get("alg") != "EdDSA":
        return "signature.alg is not EdDSA"
    keys = {
        key["kid"]: key
        for key in jwks.get("keys", [])
        if key.get("kty") == "OKP" and key.get("crv") == "Ed25519"
    }
    key = keys.get(signature["kid"])
    if key is None:
        return f"no trusted key has kid {signature['kid']!r}"
    canonical = jcs(document["receipt"]).encode("utf-8")
    digest = signature.get("receipt_digest")
    if digest is not None and digest != "sha256:" + hashlib.sha256(canonical).hexdigest():
        return "the receipt was altered: it does not match signature.receipt_digest"
    public = Ed25519PublicKey.from_public_bytes(unbase64url(key["x"]))
    try:
        public.verify(unbase64url(signature["value"]), canonical)
    except InvalidSignature:
        return "the signature does not verify over the receipt's canonical bytes"
    if document["receipt"].get("key_id") != signature["kid"]:
        return "receipt.key_id is not the signing key"
    return None


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as file:
        document = json.load(file)
    with open(sys.argv[2], encoding="utf-8") as file:
        jwks = json.load(file)
    try:
        problem = verify(document, jwks)
    except (KeyError, TypeError, ValueError) as error:
        problem = f"not a signed receipt: {error!r}"
    if problem:
        print(f"NOT verified: {problem}")
        return 1
    receipt = document["receipt"]
    print(f"verified: decision {receipt['decision_id']} {receipt['status']}, key {receipt['key_id']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
