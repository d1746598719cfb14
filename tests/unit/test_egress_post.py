"""egress.PostClient, the push sender's HTTP/1.1 client, against a local server that answers as
scripted: keep-alive, the body forms of HTTP/1.1, a server that closes, one that never answers."""

from __future__ import annotations

import asyncio

import pytest

from backend.core import egress


class Server:
    """Answers each request with the next of `answers` (raw bytes; the last repeats); b"" closes
    the connection without an answer, None keeps silent. An HTTP/1.0 or `Connection: close`
    answer closes the connection after it."""

    def __init__(self, answers: list[bytes | None]) -> None:
        self.answers = answers
        self.requests: list[tuple[bytes, dict[str, str], bytes]] = []
        self.connections = 0

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while line := await reader.readline():
                headers = {}
                while (h := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = h.decode().partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                self.requests.append((line, headers, body))
                answer = self.answers[min(len(self.requests) - 1, len(self.answers) - 1)]
                if answer is None:
                    await asyncio.sleep(3600)
                if not answer:
                    return
                writer.write(answer)
                await writer.drain()
                if answer.startswith(b"HTTP/1.0") or b"Connection: close" in answer:
                    return  # the body ends with the connection
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def stop(self) -> None:
        self.server.close()


CREATED = b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"


async def test_requests_share_one_kept_alive_connection_and_carry_their_headers():
    server = Server([CREATED])
    origin = await server.start()
    async with egress.PostClient(allowed_hosts=["127.0.0.1"], connections_per_origin=4) as client:
        for i in range(3):
            r = await client.post(f"{origin}/push/a?x={i}", {"ttl": "60"}, b"body%d" % i)
            assert r.status_code == 201
    await server.stop()
    assert server.connections == 1
    assert [req[0] for req in server.requests] == [b"POST /push/a?x=%d HTTP/1.1\r\n" % i for i in range(3)]
    line, headers, body = server.requests[2]
    assert headers["ttl"] == "60" and headers["host"] == origin.removeprefix("http://") and body == b"body2"


@pytest.mark.parametrize("answer, status, body, headers", [
    (b"HTTP/1.1 429 Too Many\r\nRetry-After: 7\r\nContent-Length: 4\r\n\r\nslow", 429, b"slow", {"retry-after": "7"}),
    (b"HTTP/1.1 410 Gone\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=1\r\nde\r\n0\r\n\r\n", 410, b"abcde", {}),
    (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", 201, b"ok", {}),
])
async def test_the_forms_of_an_answer(answer, status, body, headers):
    server = Server([answer])
    origin = await server.start()
    async with egress.PostClient(allowed_hosts=["127.0.0.1"]) as client:
        for _ in range(2):  # and the connection is still good for the next request
            r = await client.post(f"{origin}/p", {}, b"x")
            assert (r.status_code, r.body) == (status, body)
            assert headers.items() <= r.headers.items()
    await server.stop()
    assert server.connections == 1


async def test_an_answer_that_ends_with_the_connection():
    server = Server([b"HTTP/1.1 400 Bad\r\nConnection: close\r\nContent-Length: 3\r\n\r\nbad",
                     b"HTTP/1.0 500 Oops\r\n\r\nuntil the end"])
    origin = await server.start()
    async with egress.PostClient(allowed_hosts=["127.0.0.1"]) as client:
        r = await client.post(f"{origin}/p", {}, b"x")
        assert (r.status_code, r.text) == (400, "bad")
        r = await client.post(f"{origin}/p", {}, b"x")
        assert (r.status_code, r.text) == (500, "until the end")
    await server.stop()
    assert server.connections == 2


async def test_a_kept_alive_connection_the_server_dropped_is_replaced_once():
    server = Server([CREATED, b"", CREATED])  # the 2nd request finds its connection closed
    origin = await server.start()
    async with egress.PostClient(allowed_hosts=["127.0.0.1"]) as client:
        assert (await client.post(f"{origin}/p", {}, b"1")).status_code == 201
        assert (await client.post(f"{origin}/p", {}, b"2")).status_code == 201
    await server.stop()
    assert server.connections == 2 and len(server.requests) == 3


async def test_no_answer_refused_and_not_public_are_told_apart():
    server = Server([None])
    origin = await server.start()
    async with egress.PostClient(allowed_hosts=["127.0.0.1"], timeout=0.5) as client:
        with pytest.raises(egress.NetworkError, match="no answer"):
            await client.post(f"{origin}/p", {}, b"x")
        with pytest.raises(egress.NetworkError, match="cannot connect"):
            await client.post("http://127.0.0.1:9/p", {}, b"x")
    async with egress.PostClient() as client:  # 127.0.0.1 not allowed: never connected to
        with pytest.raises(egress.ForbiddenAddress):
            await client.post(f"{origin}/p", {}, b"x")
        with pytest.raises(ValueError):
            await client.post("ftp://push.example/x", {}, b"x")
        with pytest.raises(ValueError):
            await client.post("https://push.example/x", {"topic": "a\r\nb: c"}, b"x")
    await server.stop()
    assert len(server.requests) == 1


async def test_as_many_connections_as_allowed_and_no_more():
    server = Server([CREATED])
    origin = await server.start()
    async with egress.PostClient(allowed_hosts=["127.0.0.1"], connections_per_origin=3) as client:
        codes = await asyncio.gather(*(client.post(f"{origin}/p", {}, b"x") for _ in range(20)))
    await server.stop()
    assert {r.status_code for r in codes} == {201} and len(server.requests) == 20
    assert server.connections == 3
