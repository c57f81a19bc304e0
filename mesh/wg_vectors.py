#!/usr/bin/python3
"""Independent oracle for meshd's unit-test vectors (tests/unit/test_wg_*.c).

Written from the WireGuard whitepaper with Python's hashlib/hmac and the
'cryptography' package (Debian's python3-cryptography): HMAC-BLAKE2s, HKDF,
TAI64N, and a full Noise_IKpsk2 handshake with fixed keys, printing each
message as hex so the C code can be checked byte for byte.
"""
import hashlib
import hmac
import struct

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives import serialization

RAW = serialization.Encoding.Raw


def HASH(b):
    return hashlib.blake2s(b).digest()


def MAC(key, b):
    return hashlib.blake2s(b, key=key, digest_size=16).digest()


def HMAC(key, b):
    return hmac.new(key, b, hashlib.blake2s).digest()


def KDF(n, key, inp):
    t0 = HMAC(key, inp)
    out, prev = [], b""
    for i in range(1, n + 1):
        prev = HMAC(t0, prev + bytes([i]))
        out.append(prev)
    return out


def clamp(k):
    k = bytearray(k)
    k[0] &= 248
    k[31] = (k[31] & 127) | 64
    return bytes(k)


def pub(priv):
    return X25519PrivateKey.from_private_bytes(priv).public_key().public_bytes(
        RAW, serialization.PublicFormat.Raw)


def DH(priv, pubk):
    return X25519PrivateKey.from_private_bytes(priv).exchange(X25519PublicKey.from_public_bytes(pubk))


def AEAD(key, counter, plain, ad):
    return ChaCha20Poly1305(key).encrypt(b"\0" * 4 + struct.pack("<Q", counter), plain, ad)


def hx(b):
    return b.hex()


def tai64n(sec, nsec):
    return struct.pack(">QI", 0x400000000000000A + sec, nsec - nsec % (1 << 24))


def main():
    # KDF vectors
    key = bytes(range(32))
    print("hmac", hx(HMAC(key, b"WireGuard")))
    print("hmac_long", hx(HMAC(bytes(range(100)), b"x" * 200)))
    for n in (1, 2, 3):
        print("kdf%d" % n, " ".join(hx(t) for t in KDF(n, key, b"input key material")))
    print("kdf_empty", " ".join(hx(t) for t in KDF(2, key, b"")))
    print("mac", hx(MAC(key, b"mac input")))
    print("tai64n", hx(tai64n(1700000000, 123456789)))

    # handshake with fixed keys
    si = clamp(bytes([1] * 32)); sr = clamp(bytes([2] * 32))
    ei = clamp(bytes([3] * 32)); er = clamp(bytes([4] * 32))
    psk = bytes([5] * 32)
    Si, Sr = pub(si), pub(sr)
    C = HASH(b"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s")
    H = HASH(C + b"WireGuard v1 zx2c4 Jason@zx2c4.com")
    H = HASH(H + Sr)
    Ei = pub(ei)
    C = KDF(1, C, Ei)[0]
    H = HASH(H + Ei)
    C, k = KDF(2, C, DH(ei, Sr))
    enc_static = AEAD(k, 0, Si, H)
    H = HASH(H + enc_static)
    C, k = KDF(2, C, DH(si, Sr))
    ts = tai64n(1700000000, 0)
    enc_ts = AEAD(k, 0, ts, H)
    H = HASH(H + enc_ts)
    init = struct.pack("<II", 1, 0x11223344) + Ei + enc_static + enc_ts
    mac1 = MAC(HASH(b"mac1----" + Sr), init)
    init += mac1 + b"\0" * 16
    print("init", hx(init))

    Er = pub(er)
    C = KDF(1, C, Er)[0]
    H = HASH(H + Er)
    C = KDF(1, C, DH(er, Ei))[0]
    C = KDF(1, C, DH(er, Si))[0]
    C, tau, k = KDF(3, C, psk)
    H = HASH(H + tau)
    empty = AEAD(k, 0, b"", H)
    H = HASH(H + empty)
    resp = struct.pack("<III", 2, 0x55667788, 0x11223344) + Er + empty
    resp += MAC(HASH(b"mac1----" + Si), resp) + b"\0" * 16
    print("resp", hx(resp))
    ti, tr = KDF(2, C, b"")
    print("keys", hx(ti), hx(tr))
    data = struct.pack("<IIQ", 4, 0x55667788, 7) + AEAD(ti, 7, b"hello wireguard!", b"")
    print("data", hx(data))


main()
