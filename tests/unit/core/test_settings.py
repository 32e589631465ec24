from omniweave.settings import DEFAULT_DATABASE_URL, Settings


def test_settings_come_from_the_environment():
    s = Settings.from_env({"OMNIWEAVE_PORT": "9000", "OMNIWEAVE_LOG_JSON": "no"})
    assert (s.port, s.log_json, s.database_url) == (9000, False, DEFAULT_DATABASE_URL)
    url = "postgresql+psycopg://u@h/db"
    assert Settings.from_env({"OMNIWEAVE_DATABASE_URL": url}).database_url == url
