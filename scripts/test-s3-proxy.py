"""A loopback front for the test S3 server (SeaweedFS), started by scripts/test-services, for what
loopback alone cannot show:
 - Faults: a plain request is answered `500 InternalError` (S3's own body) the first FAILS times its
   request line (method and target) is seen, then passed through, so a client's retries can be
   tested against the real store. Counted per request line, so tests running at once (each with its
   own keys) do not take each other's failures.
 - Names: `CONNECT any-host:port` opens a tunnel to the S3 server whatever the name, so a client
   configured with this as its HTTP proxy reaches `bucket.s3.doorstep.test` (virtual-host
   addressing) without DNS or /etc/hosts. Tunnelled bytes are never altered.
usage: test-s3-proxy.py UPSTREAM_PORT FAILS   (prints the port it listens on, on 127.0.0.1)"""
import asyncio
import collections
import sys

upstream_port, fails = int(sys.argv[1]), int(sys.argv[2])
seen = collections.Counter()
ERROR = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InternalError</Code>'
         b'<Message>We encountered an internal error. Please try again.</Message></Error>')


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def handle(reader, writer):
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        writer.close()
        return
    request_line = head.split(b"\r\n", 1)[0]
    method = request_line.split(b" ", 1)[0]
    if method != b"CONNECT":
        seen[request_line] += 1
        if seen[request_line] <= fails:
            length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            if length:
                await reader.readexactly(length)
            writer.write(b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/xml\r\n"
                         b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(ERROR) + ERROR)
            await writer.drain()
            writer.close()
            return
    up_reader, up_writer = await asyncio.open_connection("127.0.0.1", upstream_port)
    if method == b"CONNECT":
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
    else:
        up_writer.write(head)
    await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()

asyncio.run(main())
