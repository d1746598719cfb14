from backend.accounts.passwords import hash_password, policy_error, verify_password


def test_policy():
    assert policy_error("krótkie", "Wodociągi Demo") == "password_too_short"
    assert policy_error("x" * 201, "Wodociągi Demo") == "password_too_long"
    assert policy_error("1234567890", "Wodociągi Demo") == "password_too_common"
    assert policy_error("QWERTYUIOP", "Wodociągi Demo") == "password_too_common"
    assert policy_error("moje-WODOCIAGI-1", "Wodociągi Demo") == "password_contains_utility_name"
    assert policy_error("Wodociągidemo!!", "Wodociągi Demo") == "password_contains_utility_name"
    assert policy_error("Łódka-na-jeziorze-7", "Wodociągi Demo") is None
    assert policy_error("Łódka-na-jeziorze-7", "Łódka") == "password_contains_utility_name"


async def test_hash_and_verify():
    h = await hash_password("Niebieska-Woda-2026")
    assert h.startswith("$argon2id$")
    assert await verify_password(h, "Niebieska-Woda-2026")
    assert not await verify_password(h, "niebieska-woda-2026")
    assert not await verify_password("", "anything")
    assert not await verify_password("not-a-hash", "anything")


LOOP_PROBE = """
import asyncio, json, time
from backend.accounts import passwords

async def main():
    gaps, stop = [], False
    async def ticker():
        last = time.perf_counter()
        while not stop:
            await asyncio.sleep(0.002)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now
    started = time.perf_counter()
    await passwords.hash_password("Haslo-alone-Niebieskie")
    single = time.perf_counter() - started  # one hash with the cores to itself
    task = asyncio.create_task(ticker())
    await asyncio.sleep(0.02)
    first = len(gaps)
    started = time.perf_counter()
    hashes = await asyncio.gather(*(passwords.hash_password(f"Haslo-{i}-Niebieskie") for i in range(4)))
    ok = await asyncio.gather(*(passwords.verify_password(h, f"Haslo-{i}-Niebieskie") for i, h in enumerate(hashes)))
    busy = time.perf_counter() - started
    stop = True
    await task
    during = sorted(gaps[first:])
    print(json.dumps({"hash": hashes[0], "ok": all(ok), "single": single, "busy": busy, "ticks": len(during),
                      "median_gap": during[len(during) // 2]}))

asyncio.run(main())
"""


def test_real_parameters_are_owasps_and_hashing_leaves_the_event_loop_free():
    """With the real Argon2id parameters (not the tests' cheapest), eight hashes and checks run off
    the event loop: it keeps turning while they work."""
    import json
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "EBOK_ARGON2_PROFILE"}
    out = subprocess.run([sys.executable, "-c", LOOP_PROBE], env=env, capture_output=True, text=True, check=True)
    probe = json.loads(out.stdout.strip().splitlines()[-1])
    assert probe["hash"].startswith("$argon2id$v=19$m=19456,t=2,p=1$") and probe["ok"]
    # the parameters are in the hash itself. On the loop the four hashes and four checks would block
    # it in turn: at most one tick between each, nine in all, each gap as long as a hash. Off it, the
    # ticker runs beside them. The gap is compared with this run's own hash time, so a loaded machine
    # slows both sides alike (a median, not the maximum: the OS alone may pause any thread).
    assert probe["ticks"] > 9 + 2 and probe["median_gap"] < probe["single"] / 2, probe
