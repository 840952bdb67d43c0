"""A throw-away certificate chain for C2PA signing in tests, benchmarks and local trials.

NOT for production: the CA's key is discarded and nothing chains to a trust list, so
viewers will show the credentials as valid but untrusted (``signingCredential.untrusted``).
Production deployments point ``REELBOT_PROVENANCE__CERT_FILE``/``KEY_FILE`` at a
certificate from a CA on the C2PA trust list.

What c2pa accepts (checked with c2pa-python 0.38): an ES256 leaf with digitalSignature key
usage, the emailProtection extended key usage, ``CA:false``, subject/authority key
identifiers, issued by a CA with keyCertSign. Needs ``cryptography`` (a dev dependency).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any


def _name(common: str, organization: str) -> Any:
    """An x509 subject/issuer name: common name plus organisation (what viewers show)."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        ]
    )


def _usage(*, sign_certs: bool) -> Any:
    """Key usage: both certificates sign; only the CA may sign certificates and CRLs."""
    from cryptography import x509

    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=sign_certs,
        crl_sign=sign_certs,
        encipher_only=False,
        decipher_only=False,
    )


def _builder(subject: Any, issuer: Any, public_key: Any, *, days: int, ca: bool) -> Any:
    """The part the CA and the leaf share: names, key, serial, validity from yesterday, basic
    constraints and key usage (so the two cannot drift apart)."""
    from cryptography import x509

    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(_usage(sign_certs=ca), critical=True)
    )


def generate_dev_certificate(
    folder: Path, *, days: int = 30, organization: str = "reelbot dev"
) -> tuple[Path, Path]:
    """Write ``chain.pem`` (leaf + CA) and ``leaf.key`` (mode 600) into ``folder``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(f"{organization} CA", organization)
    ca_cert = _builder(ca_name, ca_name, ca_key.public_key(), days=days, ca=True).sign(
        ca_key, hashes.SHA256()
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf_cert = (
        _builder(
            _name(f"{organization} signer", organization),
            ca_cert.subject,
            leaf_key.public_key(),
            days=days,
            ca=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    chain = folder / "chain.pem"
    chain.write_bytes(
        leaf_cert.public_bytes(serialization.Encoding.PEM) + ca_cert.public_bytes(serialization.Encoding.PEM)
    )
    key = folder / "leaf.key"
    key.touch(mode=0o600)
    key.write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key.chmod(0o600)
    return chain, key
