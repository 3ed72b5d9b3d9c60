#!/usr/bin/env python3
"""An independent .NET Message Framing peer for sessions upgraded to TLS.

Speaks [MC-NMF] (.NET Message Framing Protocol) duplex sessions whose preamble carries the
``application/ssl-tls`` stream upgrade, as NetTcpBinding's ``SecurityMode.Transport`` does. It
shares no code with the TypeScript implementation under test, so agreement between the two is
evidence about the wire, not about a common helper.

Records used ([MC-NMF] 2.2.3.x unless noted; sizes are the variable-length integers of 2.2.2):

- Version ``00 01 00`` (2.2.3.1), Mode ``01 02`` (2.2.3.2, duplex), Via ``02 <size> <utf-8>``
  (2.2.3.3), envelope encoding (2.2.3.4: KnownEncoding ``03 <byte>`` or ExtensibleEncoding
  ``04 <size> <content type>``).
- UpgradeRequest ``09 <size> "application/ssl-tls"`` (2.2.3.5) and UpgradeResponse ``0A``
  (2.2.3.6). The receiver's side of the upgrade is 3.1.4.7: answer UpgradeResponse and hand the
  stream to the upgrade handler, here a TLS handshake run directly on the TCP stream.
- PreambleEnd ``0C`` (2.2.3.7) and PreambleAck ``0B`` (2.2.3.8), both inside TLS once upgraded.
- End ``07`` (2.2.3.9), SizedEnvelope ``06 <size> <payload>`` (2.2.4.1) and Fault
  ``08 <size> <utf-8 fault uri>`` (2.2.5).

Two modes; each prints one JSON object as its last stdout line and exits 1 on failure:

    nmf_tls_peer.py client --host H --port P --via URI [--request FILE ...] [--ca PEM]
                           [--cert PEM --key PEM] [--server-name NAME] [--no-verify] [--plain]
                           [--max-tls 1.2|1.3] [--timeout SECONDS]
    nmf_tls_peer.py server --port P --cert PEM --key PEM [--reply FILE ...]
                           [--ca PEM [--require-client-cert]] [--max-tls 1.2|1.3]
                           [--timeout SECONDS]

The server first prints ``{"listening": PORT}`` and serves exactly one connection. See README.md
next to this file for the JSON fields.
"""

from __future__ import annotations

import argparse
import json
import socket
import ssl
import sys

# Record types ([MC-NMF] 2.2.3, 2.2.4, 2.2.5).
VERSION = 0x00
MODE = 0x01
VIA = 0x02
KNOWN_ENCODING = 0x03
EXTENSIBLE_ENCODING = 0x04
SIZED_ENVELOPE = 0x06
END = 0x07
FAULT = 0x08
UPGRADE_REQUEST = 0x09
UPGRADE_RESPONSE = 0x0A
PREAMBLE_ACK = 0x0B
PREAMBLE_END = 0x0C

MODE_DUPLEX = 0x02
ENCODING_BINARY_SESSION = 0x08  # application/soap+msbinsession1, what NetTcpBinding uses
TLS_UPGRADE = "application/ssl-tls"
# The fault WCF sends for an upgrade it does not offer; we send it for any protocol but TLS.
FAULT_UPGRADE_INVALID = "http://schemas.microsoft.com/ws/2006/05/framing/faults/UpgradeInvalid"

# .NET decodes sizes into a signed 32-bit int and refuses a fifth byte above 0x07; holding to
# the same limit makes a size .NET would reject an error here too, not a long wait for data.
MBINT_MAX = 0x7FFFFFFF

TLS_VERSIONS = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


class PeerError(Exception):
    """A session failure, reported as {"ok": false, ...} with the stage it happened in."""

    def __init__(self, message: str, *, fault: str | None = None, record: int | None = None):
        super().__init__(message)
        self.fault = fault
        self.record = record


class PeerClosed(PeerError):
    """The peer closed the connection. Its own class because EOF is sometimes the expected end."""

    def __init__(self, message: str = "EOF", *, between_records: bool = True):
        super().__init__(message)
        # False when the close cut a record short or came as a reset: never a normal ending.
        self.between_records = between_records


class Stage:
    """The step a session is in, so any exception can be reported against it."""

    def __init__(self, name: str):
        self.name = name


# ---------------------------------------------------------------------------------------------
# Variable-length sizes ([MC-NMF] 2.2.2)


def encode_mbint(value: int) -> bytes:
    if not 0 <= value <= MBINT_MAX:
        raise ValueError(f"size {value} does not fit an [MC-NMF] record size")
    out = bytearray()
    while True:
        group = value & 0x7F
        value >>= 7
        if value:
            out.append(group | 0x80)
        else:
            out.append(group)
            return bytes(out)


def sized(record_type: int, data: bytes) -> bytes:
    return bytes([record_type]) + encode_mbint(len(data)) + data


# ---------------------------------------------------------------------------------------------
# The connection


class Wire:
    """Reads exactly what each record needs and never more.

    Over-reading before the upgrade would swallow the start of the TLS handshake, so there is no
    buffering: every read asks the socket for at most the bytes still missing. After the upgrade
    ``sock`` is replaced by the SSL socket and every later byte goes through it.
    """

    def __init__(self, sock: socket.socket):
        self.sock = sock

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read_exact(self, count: int) -> bytes:
        buf = bytearray()
        while len(buf) < count:
            try:
                chunk = self.sock.recv(min(count - len(buf), 65536))
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                chunk = b""
            except ConnectionResetError as exc:
                raise PeerClosed(f"EOF (connection reset: {exc})", between_records=False) from exc
            if not chunk:
                if buf:
                    raise PeerClosed(f"EOF after {len(buf)} of {count} bytes", between_records=False)
                raise PeerClosed()
            buf += chunk
        return bytes(buf)

    def read_byte(self) -> int:
        return self.read_exact(1)[0]

    def read_byte_or_eof(self) -> int | None:
        """One record type, or None when the peer closed cleanly between records."""
        try:
            return self.read_byte()
        except PeerClosed as exc:
            if exc.between_records:
                return None
            raise

    def read_mbint(self) -> int:
        value = 0
        for index in range(5):
            byte = self.read_byte()
            if index == 4 and byte & 0xF8:
                raise PeerError(f"record size too large (fifth byte 0x{byte:02x})")
            value |= (byte & 0x7F) << (7 * index)
            if not byte & 0x80:
                return value
        raise AssertionError("unreachable: the fifth byte cannot carry a continuation bit")

    def read_sized(self) -> bytes:
        return self.read_exact(self.read_mbint())

    def read_text(self, what: str) -> str:
        data = self.read_sized()
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PeerError(f"{what} is not UTF-8: {exc}") from exc

    def read_fault(self) -> PeerError:
        uri = self.read_text("fault")
        return PeerError(f"peer sent a Fault record: {uri}", fault=uri)


def unexpected(record: int, expected: str) -> PeerError:
    return PeerError(f"expected {expected}, got record type 0x{record:02x}", record=record)


def describe(exc: BaseException) -> str:
    if isinstance(exc, PeerError):
        return str(exc)
    if isinstance(exc, TimeoutError):  # socket.timeout is TimeoutError since Python 3.10
        return "timed out"
    return f"{type(exc).__name__}: {exc}"


def set_nodelay(sock: socket.socket) -> None:
    # Records are small and each side waits for the other's; Nagle would add a delay per turn.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def read_payload(path: str) -> bytes:
    with open(path, "rb") as handle:
        data = handle.read()
    if not data:
        # [MC-NMF] 2.2.4.1: a SizedEnvelope's size MUST NOT be 0.
        raise PeerError(f"{path} is empty; a SizedEnvelope's size cannot be 0")
    return data


_RDN_SHORT = {
    "commonName": "CN",
    "countryName": "C",
    "localityName": "L",
    "stateOrProvinceName": "ST",
    "organizationName": "O",
    "organizationalUnitName": "OU",
    "streetAddress": "STREET",
    "domainComponent": "DC",
    "userId": "UID",
}


def _escape_rdn_value(value: str) -> str:
    out = "".join("\\" + ch if ch in ',+"\\<>;=' else ch for ch in value)
    if out.startswith((" ", "#")):
        out = "\\" + out
    if out.endswith(" ") and not out.endswith("\\ "):
        out = out[:-1] + "\\ "
    return out


def format_subject(cert: dict | None) -> str | None:
    """The subject in RFC 4514 form (most specific RDN first), e.g. ``CN=localhost,O=Interop``."""
    if not cert or not cert.get("subject"):
        return None
    rdns = []
    for rdn in reversed(cert["subject"]):
        rdns.append("+".join(f"{_RDN_SHORT.get(key, key)}={_escape_rdn_value(val)}" for key, val in rdn))
    return ",".join(rdns)


def close_tls(sock: socket.socket, grace: float) -> None:
    """Send close_notify and close without waiting long for the peer's.

    A bare close of the TCP socket looks like a truncation attack to strict TLS stacks, and
    unwrap() would otherwise block until the peer answers, which some peers never do.
    """
    if isinstance(sock, ssl.SSLSocket):
        try:
            sock.settimeout(grace)
            sock.unwrap()
        except (OSError, ValueError):
            pass
    try:
        sock.close()
    except OSError:
        pass


def drain_until_eof(sock: socket.socket, grace: float) -> None:
    """Read what the peer still sends until it closes, for at most ``grace`` seconds per read.

    Closing with unread bytes (the server's close_notify, say) makes the kernel answer with RST,
    which the peer may log as an error of its own; waiting briefly for its close avoids that.
    """
    try:
        sock.settimeout(grace)
        while True:
            try:
                if not sock.recv(4096):
                    return
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError, ConnectionResetError):
                return
    except (OSError, ValueError):
        return


def load_pem(what: str, load, *paths: str | None) -> None:
    """Runs one of SSLContext's loaders, naming the files when it fails (OpenSSL does not)."""
    try:
        load(*paths)
    except (OSError, ssl.SSLError) as exc:
        names = " / ".join(path for path in paths if path)
        raise PeerError(f"cannot load {what} from {names}: {describe(exc)}") from exc


def emit(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


# ---------------------------------------------------------------------------------------------
# Client


def client_context(args: argparse.Namespace) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if args.max_tls:
        ctx.maximum_version = TLS_VERSIONS[args.max_tls]
    if args.no_verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    elif args.ca:
        # The given CA is the only trust anchor: a server certificate from anywhere else fails.
        load_pem("CA certificates", ctx.load_verify_locations, args.ca)
    else:
        ctx.load_default_certs()
    if args.cert:
        load_pem("client certificate and key", ctx.load_cert_chain, args.cert, args.key)
    return ctx


def client_preamble(via: str) -> bytes:
    return (
        bytes([VERSION, 0x01, 0x00])
        + bytes([MODE, MODE_DUPLEX])
        + sized(VIA, via.encode("utf-8"))
        + bytes([KNOWN_ENCODING, ENCODING_BINARY_SESSION])
    )


def run_client(args: argparse.Namespace) -> int:
    stage = Stage("setup")
    out: dict = {
        "ok": True,
        "upgraded": False,
        "tls_version": None,
        "cipher": None,
        "peer_subject": None,
        "replies": [],
        "server_end": False,
    }
    sock: socket.socket | None = None
    try:
        requests = [read_payload(path) for path in args.request]
        ctx = None if args.plain else client_context(args)

        stage.name = "connect"
        sock = socket.create_connection((args.host, args.port), timeout=args.timeout)
        set_nodelay(sock)
        wire = Wire(sock)

        if args.plain:
            # A client with security off: the whole preamble in the clear, PreambleEnd included.
            wire.send(client_preamble(args.via) + bytes([PREAMBLE_END]))
        else:
            # PreambleEnd is held back: it belongs to the upgraded stream (3.1.4.7).
            wire.send(client_preamble(args.via) + sized(UPGRADE_REQUEST, TLS_UPGRADE.encode("ascii")))

            stage.name = "upgrade-response"
            record = wire.read_byte()
            if record == FAULT:
                raise wire.read_fault()
            if record != UPGRADE_RESPONSE:
                raise unexpected(record, "UpgradeResponse (0x0a)")

            stage.name = "handshake"
            tls = ctx.wrap_socket(sock, server_hostname=args.server_name or args.host)
            sock = wire.sock = tls
            out.update(
                upgraded=True,
                tls_version=tls.version(),
                cipher=tls.cipher()[0],
                peer_subject=format_subject(tls.getpeercert()),
            )
            wire.send(bytes([PREAMBLE_END]))

        stage.name = "preamble-ack"
        record = wire.read_byte()
        if record == FAULT:
            raise wire.read_fault()
        if record != PREAMBLE_ACK:
            raise unexpected(record, "PreambleAck (0x0b)")

        stage.name = "reply"
        for payload in requests:
            wire.send(sized(SIZED_ENVELOPE, payload))
            record = wire.read_byte()
            if record == FAULT:
                raise wire.read_fault()
            if record != SIZED_ENVELOPE:
                raise unexpected(record, "SizedEnvelope (0x06)")
            out["replies"].append(wire.read_sized().hex())

        stage.name = "end"
        wire.send(bytes([END]))
        record = wire.read_byte_or_eof()
        if record == FAULT:
            raise wire.read_fault()
        if record is not None and record != END:
            raise unexpected(record, "End (0x07) or EOF")
        out["server_end"] = record == END
        if record == END:
            drain_until_eof(sock, min(args.timeout, 2.0))
        sock.close()
    except Exception as exc:  # every failure becomes the JSON report, whatever raised it
        failure = {"ok": False, "stage": stage.name, "error": describe(exc), "fault": None}
        if isinstance(exc, PeerError):
            failure["fault"] = exc.fault
            if exc.record is not None:
                failure["first_byte" if stage.name == "upgrade-response" else "record"] = f"0x{exc.record:02x}"
            if isinstance(exc, PeerClosed):
                failure["closed"] = True
        failure.update({k: v for k, v in out.items() if k != "ok"})
        if sock is not None:
            sock.close()
        emit(failure)
        return 1
    emit(out)
    return 0


# ---------------------------------------------------------------------------------------------
# Server


def server_context(args: argparse.Namespace) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if args.max_tls:
        ctx.maximum_version = TLS_VERSIONS[args.max_tls]
    load_pem("server certificate and key", ctx.load_cert_chain, args.cert, args.key)
    if args.ca:
        load_pem("CA certificates", ctx.load_verify_locations, args.ca)
        # Without --require-client-cert a certificate is still asked for, so a client that sends
        # one has it checked and reported, and a client that does not is let in.
        ctx.verify_mode = ssl.CERT_REQUIRED if args.require_client_cert else ssl.CERT_OPTIONAL
    return ctx


def read_client_preamble(wire: Wire, out: dict) -> str | None:
    """Reads Version through the upgrade decision; returns the upgrade protocol or None."""
    record = wire.read_byte()
    if record != VERSION:
        raise unexpected(record, "Version (0x00)")  # 2.2.3.1: the Version record comes first
    major, minor = wire.read_exact(2)
    out["version"] = f"{major}.{minor}"

    record = wire.read_byte()
    if record != MODE:
        raise unexpected(record, "Mode (0x01)")
    out["mode"] = wire.read_byte()

    record = wire.read_byte()
    if record != VIA:
        raise unexpected(record, "Via (0x02)")
    out["via"] = wire.read_text("via")

    record = wire.read_byte()
    if record == KNOWN_ENCODING:
        out["encoding"] = wire.read_byte()
    elif record == EXTENSIBLE_ENCODING:
        out["encoding"] = wire.read_text("content type")
    else:
        raise unexpected(record, "KnownEncoding (0x03) or ExtensibleEncoding (0x04)")

    record = wire.read_byte()
    if record == UPGRADE_REQUEST:
        return wire.read_text("upgrade protocol")
    if record == PREAMBLE_END:
        return None
    raise unexpected(record, "UpgradeRequest (0x09) or PreambleEnd (0x0c)")


def run_server(args: argparse.Namespace) -> int:
    stage = Stage("setup")
    out: dict = {
        "ok": True,
        "version": None,
        "via": None,
        "mode": None,
        "encoding": None,
        "upgrade": None,
        "tls_version": None,
        "cipher": None,
        "client_subject": None,
        "requests": [],
        "client_end": False,
    }
    listener: socket.socket | None = None
    sock: socket.socket | None = None
    try:
        replies = [read_payload(path) for path in args.reply]
        ctx = server_context(args)  # before listening, so a bad PEM fails before a client waits

        stage.name = "listen"
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", args.port))
        listener.listen(1)
        emit({"listening": listener.getsockname()[1]})

        stage.name = "accept"
        listener.settimeout(args.timeout)
        sock, _ = listener.accept()
        listener.close()
        listener = None
        sock.settimeout(args.timeout)
        set_nodelay(sock)
        wire = Wire(sock)

        stage.name = "preamble"
        upgrade = read_client_preamble(wire, out)
        out["upgrade"] = upgrade

        stage.name = "upgrade-request"
        if upgrade is None:
            # A TLS-only server does not serve a clear-text session: abort without a Fault. The
            # whole preamble has been read, so the close is a clean FIN and the client sees EOF.
            raise PeerError("client sent PreambleEnd without an UpgradeRequest; connection aborted")
        if upgrade != TLS_UPGRADE:
            # 3.1.4.7: an upgrade not supported MAY be faulted and MUST close the session.
            wire.send(sized(FAULT, FAULT_UPGRADE_INVALID.encode("utf-8")))
            raise PeerError(f"unsupported upgrade {upgrade!r}; sent UpgradeInvalid fault", fault=FAULT_UPGRADE_INVALID)
        wire.send(bytes([UPGRADE_RESPONSE]))

        stage.name = "handshake"
        tls = ctx.wrap_socket(sock, server_side=True)
        sock = wire.sock = tls
        out["tls_version"] = tls.version()
        out["cipher"] = tls.cipher()[0]
        out["client_subject"] = format_subject(tls.getpeercert())

        stage.name = "preamble-end"
        record = wire.read_byte()
        if record != PREAMBLE_END:
            raise unexpected(record, "PreambleEnd (0x0c)")
        wire.send(bytes([PREAMBLE_ACK]))

        while True:
            stage.name = "request"
            record = wire.read_byte_or_eof()
            if record is None:
                break  # the client left without End; reported as client_end false
            if record == END:
                out["client_end"] = True
                stage.name = "end"
                wire.send(bytes([END]))
                break
            if record != SIZED_ENVELOPE:
                raise unexpected(record, "SizedEnvelope (0x06) or End (0x07)")
            out["requests"].append(wire.read_sized().hex())

            stage.name = "reply"
            index = len(out["requests"]) - 1
            if index >= len(replies):
                raise PeerError(f"request {index + 1} arrived but only {len(replies)} --reply file(s) were given")
            wire.send(sized(SIZED_ENVELOPE, replies[index]))

        close_tls(sock, min(args.timeout, 2.0))
        sock = None
    except Exception as exc:  # every failure becomes the JSON report, whatever raised it
        failure = {"ok": False, "stage": stage.name, "error": describe(exc)}
        if isinstance(exc, PeerError):
            if exc.fault is not None:
                failure["fault"] = exc.fault
            if exc.record is not None:
                failure["record"] = f"0x{exc.record:02x}"
            if isinstance(exc, PeerClosed):
                failure["closed"] = True
        failure.update({k: v for k, v in out.items() if k != "ok"})
        for leftover in (sock, listener):
            if leftover is not None:
                leftover.close()
        emit(failure)
        return 1
    emit(out)
    return 0


# ---------------------------------------------------------------------------------------------
# Command line


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="[MC-NMF] peer for sessions upgraded to TLS (application/ssl-tls).")
    modes = parser.add_subparsers(dest="mode", required=True)

    client = modes.add_parser("client", help="connect, upgrade to TLS, send requests, print one JSON object")
    client.add_argument("--host", required=True)
    client.add_argument("--port", required=True, type=int)
    client.add_argument("--via", required=True, help="the Via record's URI, e.g. net.tcp://localhost:8000/svc")
    client.add_argument("--request", action="append", default=[], metavar="FILE", help="one envelope payload (raw bytes); repeatable")
    client.add_argument("--ca", metavar="PEM", help="the only trust anchor for the server certificate")
    client.add_argument("--cert", metavar="PEM", help="client certificate chain")
    client.add_argument("--key", metavar="PEM", help="client private key")
    client.add_argument("--server-name", metavar="NAME", help="name to check the server certificate against (default: --host)")
    client.add_argument("--no-verify", action="store_true", help="accept any server certificate")
    client.add_argument("--plain", action="store_true", help="no upgrade: PreambleEnd in the clear, as with security off")
    client.add_argument("--max-tls", choices=sorted(TLS_VERSIONS), help="highest TLS version to offer")
    client.add_argument("--timeout", type=float, default=20.0, metavar="SECONDS")

    server = modes.add_parser("server", help="serve one connection on 127.0.0.1, print one JSON object")
    server.add_argument("--port", type=int, default=0, help="0 picks a free port (printed first)")
    server.add_argument("--cert", required=True, metavar="PEM", help="server certificate chain")
    server.add_argument("--key", required=True, metavar="PEM", help="server private key")
    server.add_argument("--reply", action="append", default=[], metavar="FILE", help="payload answering the n-th request; repeatable")
    server.add_argument("--ca", metavar="PEM", help="trust anchor for client certificates (asks for one)")
    server.add_argument("--require-client-cert", action="store_true", help="refuse clients without a certificate from --ca")
    server.add_argument("--max-tls", choices=sorted(TLS_VERSIONS), help="highest TLS version to accept")
    server.add_argument("--timeout", type=float, default=20.0, metavar="SECONDS")

    args = parser.parse_args(argv)
    if args.mode == "client" and args.key and not args.cert:
        parser.error("--key needs --cert")
    if args.mode == "server" and args.require_client_cert and not args.ca:
        parser.error("--require-client-cert needs --ca")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    return run_client(args) if args.mode == "client" else run_server(args)


if __name__ == "__main__":
    sys.exit(main())
