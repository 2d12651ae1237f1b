"""A city's single sign-on through OpenID Connect is switched on by configuration alone."""

import subprocess
import sys

import pytest
from django.test import Client


def test_oidc_environment_variables_configure_the_provider():
    code = (
        "import django, os, json; os.environ['DJANGO_SETTINGS_MODULE']='config.test_settings'; django.setup();"
        "from django.conf import settings; print(json.dumps(settings.SOCIALACCOUNT_PROVIDERS))"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "OIDC_CLIENT_ID": "govtech",
        "OIDC_CLIENT_SECRET": "s3cret",
        "OIDC_SERVER_URL": "https://sso.city.example/realms/city",
        "OIDC_PROVIDER_NAME": "Городской SSO",
    }
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    import json

    app = json.loads(result.stdout)["openid_connect"]["APPS"][0]
    assert app["client_id"] == "govtech"
    assert app["settings"]["server_url"] == "https://sso.city.example/realms/city"
    assert app["provider_id"] == "city-sso"


@pytest.mark.django_db
def test_the_login_page_offers_the_configured_sso(settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "city-sso",
                    "name": "Городской SSO",
                    "client_id": "govtech",
                    "secret": "s3cret",
                    "settings": {"server_url": "https://sso.city.example/realms/city"},
                }
            ]
        }
    }
    html = Client().get("/accounts/login/").content.decode()
    assert "Городской SSO" in html
    assert "/accounts/oidc/city-sso/login/" in html


@pytest.mark.django_db
def test_without_configuration_no_sso_is_offered():
    html = Client().get("/accounts/login/").content.decode()
    assert "/accounts/oidc/" not in html
