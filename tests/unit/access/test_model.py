from omniweave.access.model import Principal, Scope, hash_secret, new_secret


def test_scopes():
    admin, read, write = (Principal(1, 1, s) for s in (Scope.ADMIN, Scope.READ, Scope.WRITE))
    assert all(admin.allows(s) for s in Scope)
    assert read.allows(Scope.READ) and not read.allows(Scope.WRITE)
    assert write.allows(Scope.WRITE) and not write.allows(Scope.READ)


def test_secret_is_hashed_and_prefixed():
    secret = new_secret(Scope.WRITE, "token")
    assert secret.startswith("ow_w_")
    assert hash_secret(secret) != secret and len(hash_secret(secret)) == 64
