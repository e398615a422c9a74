"""Forward a TCP port on 127.0.0.1 to an address inside a network namespace (up --hosts).

Usage: python -m network.lib.forward LISTEN_PORT TARGET_HOST TARGET_PORT [NETNS]

With ``network.sh up --hosts`` every org's gateway listens on its host's test address, inside
that host's namespace; this forward, run by network.sh on the developer's side, is the only
thing that makes it reachable on 127.0.0.1 (the same port number). With NETNS it listens here
and then connects from inside that namespace, not over the bridge: the org's own users still
reach their gateway when the org's host is cut off from the others (`network.sh link`), as a
department's staff on its own LAN would.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import socket
import sys

CLONE_NEWNET = 0x40000000


def enter_netns(name: str) -> None:
    """Move this (single-threaded) process into network namespace NAME (`ip netns` names)."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns into {name} failed")
    finally:
        os.close(fd)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def serve(listen: socket.socket, host: str, port: int) -> None:
    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            target_r, target_w = await asyncio.wait_for(asyncio.open_connection(host, port), 5)
        except (OSError, TimeoutError):
            client_w.close()
            return
        await asyncio.gather(_pipe(client_r, target_w), _pipe(target_r, client_w))

    server = await asyncio.start_server(handle, sock=listen)
    async with server:
        await server.serve_forever()


def main(argv: list[str]) -> int:
    if len(argv) not in (4, 5):
        print(__doc__, file=sys.stderr)
        return 2
    listen = socket.create_server(("127.0.0.1", int(argv[1])))  # here, before entering NETNS
    if len(argv) == 5:
        enter_netns(argv[4])
    asyncio.run(serve(listen, argv[2], int(argv[3])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
