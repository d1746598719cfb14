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


def test_hash_and_verify():
    h = hash_password("Niebieska-Woda-2026")
    assert h.startswith("$argon2id$")
    assert verify_password(h, "Niebieska-Woda-2026")
    assert not verify_password(h, "niebieska-woda-2026")
    assert not verify_password("", "anything")
    assert not verify_password("not-a-hash", "anything")
